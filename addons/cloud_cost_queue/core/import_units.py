"""What one background import stands for."""


def unit_key(unit):
    """What one import job stands for: the billing period of a manifest, else the file."""
    return unit.billing_period or unit.label

"""Corrections of a closed period charged back as deltas, in plain Python."""


def correction_deltas(current, charged):
    """{(sender, receiver): cents} to charge now: what the period's cost gives today (``current``) less what
    was charged for it already (``charged``: the posted run and earlier corrections). Zero deltas are left out."""
    keys = set(current) | set(charged)
    deltas = {key: current.get(key, 0) - charged.get(key, 0) for key in keys}
    return {key: cents for key, cents in sorted(deltas.items()) if cents}


def add_cents(*maps):
    total = {}
    for cents_by_key in maps:
        for key, cents in cents_by_key.items():
            total[key] = total.get(key, 0) + cents
    return total

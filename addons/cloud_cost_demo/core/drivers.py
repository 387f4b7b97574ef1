"""Monthly driver values of the demo estate's business units, the same every time.

CPU and memory come from the cluster's usage (see opencost_month.py); these are the others.
"""

# business unit xml id -> (active users, backup GB)
BASE = {
    "cloud_cost.analytic_bu_retail": (420, 800),
    "cloud_cost.analytic_bu_wholesale": (260, 450),
    "cloud_cost.analytic_bu_services": (120, 150),
    "cloud_cost.analytic_tenant_regulated": (80, 1200),
}
KEYS = ("cloud_cost.allocation_key_users", "cloud_cost.allocation_key_backup")


def month_drivers(month_index):
    """{(key xml id, business unit xml id): value} of the ``month_index``-th demo month (0 = oldest)."""
    growth = 1 + 0.04 * month_index  # the estate grows a little every month
    return {
        (key, unit): round(figure * growth, 2)
        for unit, figures in BASE.items()
        for key, figure in zip(KEYS, figures, strict=True)
    }

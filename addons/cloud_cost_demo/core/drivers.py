"""Monthly driver values of the demo estate's business units, the same every time."""

# business unit xml id -> (CPU core-hours, memory GiB-hours, active users, backup GB)
BASE = {
    "cloud_cost.analytic_bu_retail": (5200, 20800, 420, 800),
    "cloud_cost.analytic_bu_wholesale": (3100, 12400, 260, 450),
    "cloud_cost.analytic_bu_services": (1900, 7600, 120, 150),
    # the regulated tenant runs on its own subscription: no share of the shared runtime
    "cloud_cost.analytic_tenant_regulated": (0, 0, 80, 1200),
}
KEYS = ("cloud_cost.allocation_key_cpu", "cloud_cost.allocation_key_memory", "cloud_cost.allocation_key_users",
        "cloud_cost.allocation_key_backup")


def month_drivers(month_index):
    """{(key xml id, business unit xml id): value} of the ``month_index``-th demo month (0 = oldest)."""
    growth = 1 + 0.04 * month_index  # the estate grows a little every month
    values = {}
    for unit, figures in BASE.items():
        for key, figure in zip(KEYS, figures, strict=True):
            if figure:
                values[(key, unit)] = round(figure * growth, 2)
    return values

"""Showback KPIs of an allocation result (FinOps Foundation allocation maturity)."""

from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.cloud_cost.core.finops import is_non_production, maturity

PERCENT = Decimal("0.01")


def percent(part, whole):
    """part / whole in percent, two decimals; an empty whole leaves nothing unaccounted (100 %)."""
    if not whole:
        return Decimal(100) if not part else Decimal(0)
    return (Decimal(part) * 100 / abs(Decimal(whole))).quantize(PERCENT, rounding=ROUND_HALF_UP)


def unit_cost(total_units, count, places=6, digits=2):
    """Cost per unit (user, transaction) in currency, or None without a count; ``total_units`` in the
    currency's smallest unit (``digits`` decimal places)."""
    if not count:
        return None
    return (Decimal(total_units).scaleb(-digits) / Decimal(count)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def run_kpis(result, costs, production_names):
    """Amounts (in the currency's smallest unit) and percentages of a run: allocated, unallocated, idle, non-production.

    Allocated: what reached a business unit as direct cost or through the policy's
    steps; not what the unallocated and idle fallbacks spread or kept. Non-production:
    cost lines tagged with an environment that is set and not a production one.
    """
    names = {n.strip().lower() for n in production_names}
    environments = costs["environment"].fillna("")
    non_production_names = [e for e in environments.unique() if is_non_production(e, names)]
    non_production = int(costs.loc[environments.isin(non_production_names), "cents"].sum())
    lines = result.lines
    kept = lines["receiver_kind"] == "none"
    allocated_percent = percent(result.allocated, result.total)
    return {
        "total": result.total,
        "direct": result.direct,
        "allocated": result.allocated,
        "allocated_percent": allocated_percent,
        "maturity": maturity(allocated_percent),
        "unallocated": result.unallocated,
        "unallocated_kept": int(lines.loc[kept & (lines["line_type"] == "unallocated"), "cents"].sum()),
        "idle": result.idle,
        "idle_kept": int(lines.loc[kept & (lines["line_type"] == "idle"), "cents"].sum()),
        "non_production": non_production,
        "non_production_percent": percent(non_production, result.total),
    }

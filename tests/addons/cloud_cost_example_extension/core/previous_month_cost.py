"""Allocation method "Proportional to last month's direct cost".

A shared cost known before the month's bills close (a support contract, a licence) is often split by what
each business unit consumed the month before: a key that is final when the month starts and that nobody can
move by tagging this month's resources. The weights are the business units' direct cost of the previous
month (cost lines with a business unit and no pool, on the policy's amount and period basis), read by the
policy (``engine_options``), kept in the run's rules (``snapshot``: sealed, part of the fingerprint, so a
restated bill of the previous month flags the run) and split exactly like any weight method (it may sit in
a reciprocal group).
"""

from datetime import timedelta
from decimal import Decimal

from odoo.addons.cloud_cost_allocation.core import methods
from odoo.addons.cloud_cost_allocation.core.errors import AllocationError

KEY = "previous_cost"
SECTION = "previous_month_cost"  # the run's rules: {step id: [[kind, id, cost text]]}


def previous_month(first_day):
    """(first day, last day) of the month before the one starting at ``first_day``."""
    last = first_day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


@methods.register
class PreviousMonthCostMethod(methods.AllocationMethod):
    key = KEY
    label = "Proportional to last month's direct cost"
    sequence = 70
    reciprocal = True

    def engine_options(self, policy, step, receivers, drivers, period):
        if not period:
            raise AllocationError(f"{step._label()}: last month's cost needs the run's period")
        return {"previous_cost": policy._previous_month_direct_cost(*previous_month(period[0]))}

    def snapshot(self, step):
        costs = step.options.get("previous_cost") or {}
        return {SECTION: sorted([kind, ident, str(cost)] for (kind, ident), cost in costs.items())}

    def default_receivers(self, run, step):
        return sorted(receiver for receiver, cost in step.options["previous_cost"].items() if cost > 0)

    def weights(self, run, step, receivers):
        costs = step.options["previous_cost"]
        # a business unit whose credits outweighed its cost last month weighs nothing, as with direct cost
        return [max(costs.get(receiver, Decimal(0)), Decimal(0)) for receiver in receivers]

"""Lookups that Odoo repeats for every journal item of a posting, answered once per posting.

Odoo asks, item by item, which analytic plans apply (to validate the analytic distribution) and the
decimal precision of each float it stores. Neither changes while a run is posted, so inside
``posting_lookups`` the first answer is kept and given again: the checks stay Odoo's, run on every item.
The memo lives in the cursor's cache, which no caller can set.
"""

import copy
from contextlib import contextmanager

from odoo import api, models

MEMO = "cloud_cost_posting_lookups"


@contextmanager
def posting_lookups(env):
    cache = env.cr.cache
    if MEMO in cache:
        yield
        return
    cache[MEMO] = {}
    try:
        yield
    finally:
        cache.pop(MEMO, None)


_SCALARS = (str, int, float, bool, type(None))


def _flat(plans):
    """True when ``plans`` is a list of dicts of scalar values (as Odoo's answer is)."""
    return isinstance(plans, list) and all(
        isinstance(plan, dict) and all(isinstance(value, _SCALARS) for value in plan.values()) for plan in plans
    )


def _memo(env):
    return env.cr.cache.get(MEMO)


class AccountAnalyticPlan(models.Model):
    _inherit = "account.analytic.plan"

    @api.model
    def get_relevant_plans(self, **kwargs):
        memo = _memo(self.env)
        if memo is None:
            return super().get_relevant_plans(**kwargs)
        # the answer depends on the arguments and on who asks in which companies (the plans' account counts)
        key = (
            "plans",
            self.env.uid,
            self.env.su,
            self.env.company.id,
            tuple(self.env.companies.ids),
            repr(sorted(kwargs.items())),
        )
        if key not in memo:
            plans = super().get_relevant_plans(**kwargs)
            memo[key] = (plans, _flat(plans))
        plans, flat = memo[key]
        # each caller gets its own copy, as from Odoo; a list of flat dicts needs no deep copy
        return [dict(plan) for plan in plans] if flat else copy.deepcopy(plans)


class DecimalPrecision(models.Model):
    _inherit = "decimal.precision"

    @api.model
    def precision_get(self, application):
        memo = _memo(self.env)
        if memo is None:
            return super().precision_get(application)
        # accounting may ignore the precision of discounts for a moment (see the account module)
        ignored = self.env.cr.cache.get("account_disable_recursion_stack", {}).get("ignore_discount_precision")
        key = ("precision", application, application == "Discount" and bool(ignored))
        if key not in memo:
            memo[key] = super().precision_get(application)
        return memo[key]

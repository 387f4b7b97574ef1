from odoo import _, fields, models
from odoo.osv import expression

DIMENSIONS = [("environment", "Environment"), ("tenant", "Tenant"), ("service_tier", "Service Tier")]
# the allocation line column holding each dimension's value
DIMENSION_COLUMNS = {"environment": "environment", "tenant": "tenant", "service_tier": "service_tier_id"}


class CloudCostPostingDimension(models.Model):
    """An analytic plan a policy's chargeback entries distribute on, beside the business units' own."""

    _name = "cloud.cost.posting.dimension"
    _description = "Chargeback Analytic Plan"
    _order = "policy_id, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one("cloud.cost.allocation.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    plan_id = fields.Many2one(
        "account.analytic.plan",
        "Analytic Plan",
        required=True,
        ondelete="restrict",
        help="The plan's analytic account named (or coded) like the allocation line's value is added to the "
        "business unit's in the debit's analytic distribution.",
    )
    dimension = fields.Selection(
        DIMENSIONS,
        required=True,
        default="environment",
        help="The allocation line's value that picks the plan's analytic account.",
    )

    _sql_constraints = [
        ("plan_uniq", "unique(policy_id, plan_id)", "A policy distributes once on each analytic plan."),
    ]

    def _names(self, value):
        """The names (or codes) an analytic account of the plan may bear for ``value``."""
        self.ensure_one()
        if value is None:
            return []
        if self.dimension == "service_tier":
            tier = self.env["cloud.cost.service.tier"].browse(value)
            return [name for name in (tier.code, tier.name) if name]
        return [value]

    def _account_for(self, value, company):
        """The plan's analytic account for ``value`` (the company's before a shared one), or an empty recordset."""
        self.ensure_one()
        names = self._names(value)
        Account = self.env["account.analytic.account"]
        if not names:
            return Account
        matches = expression.OR(
            [[("name", "=ilike", name)] for name in names] + [[("code", "=ilike", name)] for name in names]
        )
        return Account.search(
            expression.AND(
                [
                    [("plan_id", "child_of", self.plan_id.id), ("company_id", "in", [False, company.id])],
                    matches,
                ]
            ),
            order="company_id, id",
            limit=1,
        )

    def _describe(self, value):
        labels = dict(self._fields["dimension"]._description_selection(self.env))
        names = self._names(value)
        return _("%(dimension)s %(value)s", dimension=labels[self.dimension], value=names[0] if names else "-")

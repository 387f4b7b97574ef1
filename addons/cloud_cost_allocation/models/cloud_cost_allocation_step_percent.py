from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CloudCostAllocationStepPercent(models.Model):
    """A fixed percentage of a step's sender for one receiver."""

    _name = "cloud.cost.allocation.step.percent"
    _description = "Allocation Step Percentage"
    _order = "step_id, id"
    _check_company_auto = True

    step_id = fields.Many2one("cloud.cost.allocation.step", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="step_id.company_id", store=True)
    analytic_account_id = fields.Many2one("account.analytic.account", "Business Unit", check_company=True)
    pool_id = fields.Many2one("cloud.cost.pool", "Pool", check_company=True)
    percent = fields.Float(digits=(5, 2), required=True)

    _sql_constraints = [
        (
            "one_receiver",
            "CHECK((analytic_account_id IS NULL) <> (pool_id IS NULL))",
            "A percentage goes to either a business unit or a pool.",
        ),
        ("percent_range", "CHECK(percent >= 0 AND percent <= 100)", "A percentage lies between 0 and 100."),
    ]

    def _decimal_percent(self):
        """The percentage as the two-decimal number the user entered."""
        return Decimal(repr(self.percent)).quantize(Decimal("0.01"))

    def _receiver(self):
        self.ensure_one()
        return ["p", self.pool_id.id] if self.pool_id else ["a", self.analytic_account_id.id]

    @api.constrains("percent")
    def _check_two_decimals(self):
        for line in self:
            if Decimal(repr(line.percent)) != line._decimal_percent():
                raise ValidationError(_("%s %% has more than two decimals.", line.percent))

    @api.constrains("step_id", "analytic_account_id", "pool_id")
    def _check_unique_receiver(self):
        for step in self.step_id:
            receivers = [tuple(p._receiver()) for p in step.percent_ids]
            if len(receivers) != len(set(receivers)):
                raise ValidationError(_("%s: a receiver is listed twice in the percentages.", step._label()))

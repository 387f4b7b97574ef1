from odoo import _, api, fields, models

from odoo.addons.cloud_cost.core.money import to_units
from odoo.addons.cloud_cost.core.periods import month_bounds

from ..core.summary import summary_lines


class CloudCostAllocationTestRun(models.TransientModel):
    """SAP's test run: compute a policy for a period and show the result, storing nothing."""

    _name = "cloud.cost.allocation.test.run"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Allocation Test Run"

    policy_id = fields.Many2one("cloud.cost.allocation.policy", required=True)
    date_from = fields.Date(required=True, default=lambda self: month_bounds(fields.Date.context_today(self))[0])
    date_to = fields.Date(required=True, default=lambda self: month_bounds(fields.Date.context_today(self))[1])
    summary = fields.Text(readonly=True)
    checks_passed = fields.Boolean(readonly=True)
    computed = fields.Boolean(readonly=True)

    @api.onchange("date_from")
    def _onchange_date_from(self):
        if self.date_from:
            self.date_to = month_bounds(self.date_from)[1]

    def _acting_companies(self):
        return super()._acting_companies() | self.sudo().policy_id.company_id

    def action_compute(self):
        self.ensure_one()
        self._check_allowed_company()
        self.summary, self.checks_passed = self._summary()
        self.computed = True
        return {
            "type": "ir.actions.act_window",
            "name": _("Test Run"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _summary(self):
        policy = self.policy_id
        result, inputs = policy._allocate(self.date_from, self.date_to)
        text, passed = summary_lines(
            result,
            policy._names_for(result),
            policy.currency_id.name,
            total_taken=to_units(inputs["exact_total"], result.digits),
        )
        header = _(
            "Test run of %(policy)s, %(start)s to %(end)s: %(count)s cost lines. Nothing was stored.",
            policy=policy.display_name,
            start=self.date_from,
            end=self.date_to,
            count=inputs["line_count"],
        )
        return "\n".join([header, ""] + text), passed

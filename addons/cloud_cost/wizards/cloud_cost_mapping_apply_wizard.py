from odoo import fields, models

from ..core.periods import month_end, previous_month_start


def _last_month_start(wizard):
    return previous_month_start(fields.Date.context_today(wizard))


def _this_month_end(wizard):
    return month_end(fields.Date.context_today(wizard))


class CloudCostMappingApplyWizard(models.TransientModel):
    """Apply the mapping rules again to the cost lines of a billing period, after rules changed."""

    _name = "cloud.cost.mapping.apply.wizard"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Re-apply Cost Mapping Rules"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    # the months still open at month-end: the last one and the current one
    date_from = fields.Date("Billing Period From", required=True, default=_last_month_start)
    date_to = fields.Date("Billing Period To", required=True, default=_this_month_end)
    source_ids = fields.Many2many(
        "cloud.cost.source",
        string="Sources",
        domain="[('company_id', '=', company_id)]",
        check_company=True,
        help="Empty: every source of the company.",
    )
    line_count = fields.Integer("Lines Classified", readonly=True)

    def _acting_companies(self):
        return super()._acting_companies() | self.sudo().source_ids.company_id

    def _batches(self):
        domain = [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "imported"),
            ("billing_period_start", ">=", self.date_from),
            ("billing_period_start", "<=", self.date_to),
        ]
        if self.source_ids:
            domain.append(("source_id", "in", self.source_ids.ids))
        return self.env["cloud.cost.import.batch"].search(domain)

    def action_apply(self):
        self.ensure_one()
        self._check_allowed_company()
        batches = self._batches()
        self.line_count = self.env["cloud.cost.mapping.rule"]._apply_to_batches(batches) if batches else 0
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_line_action")
        action["domain"] = [("batch_id", "in", batches.ids)]
        action["context"] = {"search_default_unallocated": 1}
        return action

from odoo import fields, models

from odoo.addons.cloud_cost.core.periods import month_end, month_start


class CloudCostReconciliationClearing(models.TransientModel):
    _name = "cloud.cost.reconciliation.clearing"
    _description = "Cloud Cost Reconciliation by Clearing Account"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # the figures are the suite's, computed from the ledger and the imports
    _order = "id"

    reconciliation_id = fields.Many2one("cloud.cost.reconciliation", ondelete="cascade")
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    account_id = fields.Many2one("account.account", "Clearing Account")
    pools = fields.Char()
    balance = fields.Monetary()
    expected = fields.Monetary("Unallocated Remainder")
    difference = fields.Monetary()
    nets_out = fields.Boolean()

    def action_view_items(self):
        self.ensure_one()
        report = self.reconciliation_id
        start = month_start(report.month)
        end = month_end(start)
        late = report._late_bills(report.match_ids, report.accrual_ids).filtered(lambda bill: bill.date > end)
        return {
            "type": "ir.actions.act_window",
            "name": self.account_id.display_name,
            "res_model": "account.move.line",
            "view_mode": "list,pivot",
            "domain": report._clearing_items_domain(self.account_id, report.company_id, start, end, late),
            "context": {"create": False},
        }

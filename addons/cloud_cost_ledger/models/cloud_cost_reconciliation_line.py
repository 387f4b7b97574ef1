from odoo import _, fields, models


class CloudCostReconciliationLine(models.TransientModel):
    _name = "cloud.cost.reconciliation.line"
    _description = "Cloud Cost Reconciliation by Source"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # the figures are the suite's, computed from the ledger and the imports

    reconciliation_id = fields.Many2one("cloud.cost.reconciliation", ondelete="cascade")
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    name = fields.Char("Source")
    source_id = fields.Many2one("cloud.cost.source", "Bill Source")
    state = fields.Selection(
        [
            ("matched", "Matched"),
            ("explained", "Explained difference"),
            ("unexplained", "Unexplained difference"),
            ("missing", "Invoice missing"),
        ]
    )
    state_label = fields.Char("Invoice")
    invoiced_amount = fields.Monetary("Invoiced")
    imported_amount = fields.Monetary("Imported")
    tax_amount = fields.Monetary("Tax in the Bill")
    allocated_amount = fields.Monetary("Allocated")
    posted_amount = fields.Monetary("Posted")
    accrued_amount = fields.Monetary("Accrued")
    open_amount = fields.Monetary("Open")
    batch_ids = fields.Many2many("cloud.cost.import.batch", string="Batches")
    match_ids = fields.Many2many("cloud.cost.invoice.match", string="Matches")
    accrual_ids = fields.Many2many("cloud.cost.accrual", string="Accruals")

    def _open(self, name, model, ids, views="list,form"):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": views,
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def action_view_matches(self):
        self.ensure_one()
        return self._open(_("Invoice matches of %s", self.name), "cloud.cost.invoice.match", self.match_ids.ids)

    def action_view_invoices(self):
        self.ensure_one()
        return self._open(_("Vendor bills of %s", self.name), "account.move", self.match_ids.invoice_ids.ids)

    def action_view_batches(self):
        self.ensure_one()
        return self._open(_("Batches of %s", self.name), "cloud.cost.import.batch", self.batch_ids.ids)

    def action_view_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Bill lines of %s", self.name),
            "res_model": "cloud.cost.line",
            "view_mode": "list,pivot,form",
            "domain": [("batch_id", "in", self.batch_ids.ids)],
            "context": {"create": False},
        }

    def action_view_accruals(self):
        self.ensure_one()
        moves = self.accrual_ids.move_id | self.accrual_ids.reversal_move_id
        return self._open(_("Accrual entries of %s", self.name), "account.move", moves.ids)

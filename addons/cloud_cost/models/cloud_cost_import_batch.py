from odoo import _, api, fields, models
from odoo.exceptions import UserError

BATCH_STATES = [
    ("draft", "Draft"),
    ("imported", "Imported"),
    ("superseded", "Superseded"),
    ("failed", "Failed"),
]


class CloudCostImportBatch(models.Model):
    _name = "cloud.cost.import.batch"
    _description = "Cloud Cost Import Batch"
    _inherit = ["mail.thread", "cloud.cost.guarded.mixin"]
    _order = "billing_period_start desc, id desc"
    _guarded_create = True  # a batch is what an import read: imports open and close it
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    source_id = fields.Many2one("cloud.cost.source", required=True, index=True, ondelete="restrict", check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    billing_period_start = fields.Date(required=True)
    billing_period_end = fields.Date(required=True)
    state = fields.Selection(BATCH_STATES, required=True, default="draft", tracking=True, copy=False)
    imported_on = fields.Datetime(readonly=True, copy=False)
    superseded_by_id = fields.Many2one("cloud.cost.import.batch", readonly=True, copy=False)
    previous_batch_id = fields.Many2one(
        "cloud.cost.import.batch",
        "Supersedes",
        readonly=True,
        copy=False,
        help="The earlier import of this billing period that this batch replaced.",
    )
    file_ids = fields.One2many("cloud.cost.import.file", "batch_id", string="Files", readonly=True)
    total_ids = fields.One2many("cloud.cost.import.total", "batch_id", string="Totals", readonly=True)
    billed_cost_difference = fields.Monetary(
        readonly=True,
        copy=False,
        currency_field="currency_id",
        help="Billed cost of this batch minus that of the batch it superseded.",
    )
    effective_cost_difference = fields.Monetary(
        readonly=True,
        copy=False,
        currency_field="currency_id",
        help="Effective cost of this batch minus that of the batch it superseded.",
    )
    line_ids = fields.One2many("cloud.cost.line", "batch_id", string="Cost Lines")
    row_count = fields.Integer(readonly=True, copy=False)
    billed_cost_total = fields.Monetary(
        "Billed Cost", compute="_compute_totals", store=True, currency_field="currency_id"
    )
    effective_cost_total = fields.Monetary(
        "Effective Cost", compute="_compute_totals", store=True, currency_field="currency_id"
    )
    unallocated_cost = fields.Monetary(compute="_compute_totals", store=True, currency_field="currency_id")

    _sql_constraints = [
        (
            "period_order",
            "CHECK(billing_period_end >= billing_period_start)",
            "The billing period must not end before it starts.",
        ),
    ]

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            "source_id",
            "company_id",
            "billing_period_start",
            "billing_period_end",
            "state",
            "imported_on",
            "superseded_by_id",
            "previous_batch_id",
            "file_ids",
            "total_ids",
            "row_count",
            "billed_cost_difference",
            "effective_cost_difference",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_never_imported_bills(self):
        if self._is_suite():
            return
        kept = self.filtered(lambda batch: batch.state in ("imported", "superseded"))
        if kept:
            raise UserError(
                _(
                    "Batch %s holds imported bill lines: it cannot be deleted (a newer import supersedes it).",
                    kept[0].display_name,
                )
            )

    @api.depends("source_id.name", "billing_period_start")
    def _compute_name(self):
        for batch in self:
            period = batch.billing_period_start and batch.billing_period_start.strftime("%Y-%m") or ""
            batch.name = " ".join(filter(None, [batch.source_id.name, period]))

    @api.depends(
        "line_ids.billed_cost_company",
        "line_ids.effective_cost_company",
        "line_ids.is_unallocated",
    )
    def _compute_totals(self):
        # Sums are taken in SQL on the numeric columns: exact, and never row by row.
        totals = {}
        if self.ids:
            self.env["cloud.cost.line"].flush_model(
                ["batch_id", "billed_cost_company", "effective_cost_company", "is_unallocated"]
            )
            self.env.cr.execute(
                """
                SELECT batch_id,
                       COALESCE(SUM(billed_cost_company), 0),
                       COALESCE(SUM(effective_cost_company), 0),
                       COALESCE(SUM(effective_cost_company) FILTER (WHERE is_unallocated), 0)
                  FROM cloud_cost_line
                 WHERE batch_id IN %s
              GROUP BY batch_id
                """,
                [tuple(self.ids)],
            )
            totals = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for batch in self:
            billed, effective, unallocated = totals.get(batch.id, (0, 0, 0))
            batch.billed_cost_total = billed
            batch.effective_cost_total = effective
            batch.unallocated_cost = unallocated

    def _compute_differences(self):
        """Differences to the superseded batch, set once at import (company currency)."""
        for batch in self:
            previous = batch.previous_batch_id
            batch.write(
                {
                    "billed_cost_difference": previous and batch.billed_cost_total - previous.billed_cost_total,
                    "effective_cost_difference": previous
                    and batch.effective_cost_total - previous.effective_cost_total,
                }
            )

    def action_reapply_rules(self):
        """Classify the lines of these batches again with the current mapping rules."""
        count = self.env["cloud.cost.mapping.rule"]._apply_to_batches(self)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%(count)s cost lines classified again.", count=count),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_line_action")
        action["domain"] = [("batch_id", "=", self.id)]
        action["context"] = {}
        return action

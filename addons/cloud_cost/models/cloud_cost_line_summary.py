from odoo import api, fields, models
from odoo.tools import SQL

# what the summary keeps of a cost line, grouped per batch and month
SUMMARY_GROUPS = (
    "company_id",
    "analytic_account_id",
    "cost_pool_id",
    "provider_name",
    "service_name",
    "environment",
    "is_unallocated",
)
# cost-line fields whose change changes the summary
SUMMARY_SOURCES = frozenset(SUMMARY_GROUPS) | {
    "batch_id",
    "charge_period_start",
    "tags",
    "billed_cost_company",
    "effective_cost_company",
}


class CloudCostLineSummary(models.Model):
    """Cost lines summed per batch, month and what the cost screens group by.

    Kept up to date where cost lines are written (imports, mapping rules applied again, ORM
    writes), one batch at a time, so that the monthly screens read thousands of rows, not
    the millions of bill lines of a company-year.
    """

    _name = "cloud.cost.line.summary"
    _description = "Cloud Cost Line Summary"
    _log_access = False

    batch_id = fields.Many2one("cloud.cost.import.batch", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    month = fields.Date()
    analytic_account_id = fields.Many2one("account.analytic.account", string="Business Unit", check_company=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool")
    provider_name = fields.Char("Provider")
    service_name = fields.Char("Service")
    environment = fields.Char()
    is_untagged = fields.Boolean("Untagged")
    is_unallocated = fields.Boolean("Unallocated")
    billed_cost = fields.Float(digits=(38, 12))
    effective_cost = fields.Float(digits=(38, 12))
    line_count = fields.Integer()

    @api.model
    def _refresh(self, batch_ids):
        """Sum the cost lines of these batches again (after the lines were written in SQL)."""
        batch_ids = tuple(sorted({int(batch_id) for batch_id in batch_ids if batch_id}))
        if not batch_ids:
            return
        self.env["cloud.cost.line"].flush_model()
        groups = SQL(", ").join(SQL.identifier(column) for column in SUMMARY_GROUPS)
        self.env.cr.execute(
            SQL(
                """
            DELETE FROM cloud_cost_line_summary WHERE batch_id IN %(batches)s;
            INSERT INTO cloud_cost_line_summary (batch_id, month, is_untagged, %(groups)s,
                                                 billed_cost, effective_cost, line_count)
            SELECT batch_id, date_trunc('month', charge_period_start)::date,
                   (tags IS NULL OR tags = '{}'::jsonb), %(groups)s,
                   sum(billed_cost_company), sum(effective_cost_company), count(*)
              FROM cloud_cost_line
             WHERE batch_id IN %(batches)s
          GROUP BY batch_id, 2, 3, %(groups)s
            """,
                batches=batch_ids,
                groups=groups,
            )
        )
        self.invalidate_model()

    def init(self):
        # databases upgraded to the summary: sum the lines imported before it existed
        cr = self.env.cr
        cr.execute("SELECT to_regclass('cloud_cost_line') IS NOT NULL")
        if not cr.fetchone()[0]:
            return
        cr.execute("SELECT 1 FROM cloud_cost_line_summary LIMIT 1")
        if cr.fetchone():
            return
        cr.execute("SELECT DISTINCT batch_id FROM cloud_cost_line")
        self._refresh([row[0] for row in cr.fetchall()])

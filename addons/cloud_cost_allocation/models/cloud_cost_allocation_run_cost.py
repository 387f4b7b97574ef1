from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.cloud_cost.core.planner import id_array

# one row per cost line a run took: the lines of the run's batches (within its charge period, if any)
RUN_COST_VIEW = """
    SELECT (t.run_id::bigint << 32) | l.id AS id, t.run_id, l.id AS cost_line_id, l.batch_id, l.cost_pool_id,
           l.analytic_account_id,
           COALESCE(CASE WHEN t.amount_basis = 'billed' THEN l.billed_cost_company
                         ELSE l.effective_cost_company END, 0) AS amount
      FROM cloud_cost_allocation_run_batch t
      JOIN cloud_cost_line l ON l.batch_id = t.batch_id
     WHERE t.charge_date_from IS NULL
        OR (l.charge_period_start >= t.charge_date_from AND l.charge_period_start < t.charge_date_to + 1)
"""


class CloudCostAllocationRunCost(models.Model):
    """A cost line a run took, with its pool, business unit and amount.

    Read from the run's batches (``cloud.cost.allocation.run.batch``): a run of a million cost lines
    records a row per import batch, not a million rows. An allocation line's cost lines are the run's
    rows of its sender pool (and the pools upstream of it).
    """

    _name = "cloud.cost.allocation.run.cost"
    _description = "Cost Line Taken by an Allocation Run"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _auto = False
    _order = "run_id, cost_line_id"
    _log_access = False
    _rec_name = "cost_line_id"

    run_id = fields.Many2one("cloud.cost.allocation.run", readonly=True)
    cost_line_id = fields.Many2one("cloud.cost.line", readonly=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool", readonly=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", "Business Unit", readonly=True, check_company=True
    )
    amount = fields.Float(digits=(38, 12), readonly=True, help="The line's amount in the run's amount basis.")
    company_id = fields.Many2one(related="run_id.company_id")
    service_name = fields.Char(related="cost_line_id.service_name")
    provider_name = fields.Char(related="cost_line_id.provider_name")
    charge_description = fields.Char(related="cost_line_id.charge_description")
    source_file = fields.Char(related="cost_line_id.source_file")
    source_row = fields.Integer(related="cost_line_id.source_row")
    # PostgreSQL reads a run's lines by this column's index when the run's batches are named (``_run_rows_sql``)
    batch_id = fields.Many2one("cloud.cost.import.batch", "Batch", readonly=True)

    def init(self):
        cr = self.env.cr
        cr.execute("SELECT relkind FROM pg_class WHERE relname = %s AND relkind IN ('r', 'v')", [self._table])
        kind = (cr.fetchone() or [None])[0]
        if kind == "r":
            self._migrate_links_to_batches()
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(self._table), SQL(RUN_COST_VIEW)))

    def _migrate_links_to_batches(self):
        """Databases that kept one link row per cost line: the runs' batches are recorded from the links,
        then the table gives way to the view."""
        cr = self.env.cr
        policy_line_hash = self.env["cloud.cost.allocation.policy"]._line_hash_sql
        for basis, column in (("effective", "l.effective_cost_company"), ("billed", "l.billed_cost_company")):
            cr.execute(
                f"""INSERT INTO cloud_cost_allocation_run_batch
                           (run_id, batch_id, amount_basis, charge_date_from, charge_date_to, line_count, amount,
                            lines_digest)
                    SELECT c.run_id, l.batch_id, p.amount_basis,
                           CASE WHEN p.period_basis = 'charge' THEN r.date_from END,
                           CASE WHEN p.period_basis = 'charge' THEN r.date_to END,
                           COUNT(*), COALESCE(SUM({column}), 0),
                           COALESCE(SUM({policy_line_hash(column)}::numeric), 0)::text
                      FROM cloud_cost_allocation_run_cost c
                      JOIN cloud_cost_line l ON l.id = c.cost_line_id
                      JOIN cloud_cost_allocation_run r ON r.id = c.run_id
                      JOIN cloud_cost_allocation_policy p ON p.id = r.policy_id
                     WHERE p.amount_basis = %s
                  GROUP BY c.run_id, l.batch_id, p.amount_basis, p.period_basis, r.date_from, r.date_to""",  # noqa: S608
                [basis],
            )
        cr.execute(f"DROP TABLE {self._table} CASCADE")  # noqa: S608

    def _run_rows_sql(self, run_id, alias="c"):
        """SQL of the condition that the view's rows ``alias`` are those of run ``run_id``, its batches named as
        constants: PostgreSQL then reads the batches' cost lines by their index, whereas from the run alone it
        estimates a third of every cost line and may scan them all."""
        self.env.flush_all()
        self.env.cr.execute("SELECT batch_id FROM cloud_cost_allocation_run_batch WHERE run_id = %s", [run_id])
        batches = [row[0] for row in self.env.cr.fetchall()]
        return SQL(
            "%s = %s AND %s = ANY(%s)",
            SQL.identifier(alias, "run_id"),
            run_id,
            SQL.identifier(alias, "batch_id"),
            id_array(batches),
        )

    def _open(self, domain, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False},
        }

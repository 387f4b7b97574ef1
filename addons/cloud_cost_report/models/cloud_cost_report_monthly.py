from odoo import fields, models, tools
from odoo.tools import SQL


class CloudCostReportMonthly(models.Model):
    """Cost lines summed per month, business unit, service and environment (a database view).

    It reads the cost-line summary kept per import batch (cloud.cost.line.summary), never the
    bill lines themselves: a company-year of ten million lines is a few thousand summary rows.
    """

    _name = "cloud.cost.report.monthly"
    _description = "Cloud Cost Monthly Report"
    _auto = False
    _order = "month desc, effective_cost desc"
    _rec_name = "month"

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Business Unit", readonly=True, check_company=True
    )
    cost_pool_id = fields.Many2one("cloud.cost.pool", readonly=True)
    provider_name = fields.Char("Provider", readonly=True)
    service_name = fields.Char("Service", readonly=True)
    environment = fields.Char(readonly=True)
    is_non_production = fields.Boolean("Non-production", readonly=True)
    is_untagged = fields.Boolean("Untagged", readonly=True, help="The bill line carries no tags at all.")
    is_unallocated = fields.Boolean("Unallocated", readonly=True)
    effective_cost = fields.Monetary(readonly=True)
    billed_cost = fields.Monetary(readonly=True)
    line_count = fields.Integer("Bill Lines", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT min(summary.id) AS id,
                       summary.month,
                       summary.company_id,
                       company.currency_id,
                       summary.analytic_account_id,
                       summary.cost_pool_id,
                       summary.provider_name,
                       summary.service_name,
                       summary.environment,
                       -- the company's production environments, read as finops.is_non_production does
                       COALESCE(btrim(summary.environment) != ''
                                AND lower(btrim(summary.environment)) != ALL(regexp_split_to_array(
                                    lower(btrim(COALESCE(company.cloud_cost_production_environments, ''))),
                                    '[[:space:]]*,[[:space:]]*')),
                                false) AS is_non_production,
                       summary.is_untagged,
                       summary.is_unallocated,
                       sum(summary.effective_cost) AS effective_cost,
                       sum(summary.billed_cost) AS billed_cost,
                       sum(summary.line_count) AS line_count
                  FROM cloud_cost_line_summary summary
                  JOIN res_company company ON company.id = summary.company_id
                  JOIN cloud_cost_import_batch batch ON batch.id = summary.batch_id
                 WHERE batch.state = 'imported'
              GROUP BY summary.month, summary.company_id, company.currency_id, summary.analytic_account_id,
                       summary.cost_pool_id, summary.provider_name, summary.service_name, summary.environment, 10,
                       summary.is_untagged, summary.is_unallocated
            )
            """,
                SQL.identifier(self._table),
            )
        )

from odoo import fields, models, tools
from odoo.tools import SQL

# Environment names read as production; every other named environment is non-production.
PRODUCTION_ENVIRONMENTS = ("prod", "production", "prd", "live")


class CloudCostReportMonthly(models.Model):
    """Cost lines summed per month, business unit, service and environment (a database view)."""

    _name = "cloud.cost.report.monthly"
    _description = "Cloud Cost Monthly Report"
    _auto = False
    _order = "month desc, effective_cost desc"
    _rec_name = "month"

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    analytic_account_id = fields.Many2one("account.analytic.account", string="Business Unit", readonly=True)
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
                SELECT min(line.id) AS id,
                       date_trunc('month', line.charge_period_start)::date AS month,
                       line.company_id,
                       company.currency_id,
                       line.analytic_account_id,
                       line.cost_pool_id,
                       line.provider_name,
                       line.service_name,
                       line.environment,
                       (line.environment IS NOT NULL AND line.environment != ''
                        AND lower(line.environment) NOT IN %s) AS is_non_production,
                       (line.tags IS NULL OR line.tags = '{}'::jsonb) AS is_untagged,
                       line.is_unallocated,
                       sum(line.effective_cost_company) AS effective_cost,
                       sum(line.billed_cost_company) AS billed_cost,
                       count(*) AS line_count
                  FROM cloud_cost_line line
                  JOIN res_company company ON company.id = line.company_id
                  JOIN cloud_cost_import_batch batch ON batch.id = line.batch_id
                 WHERE batch.state = 'imported'
              GROUP BY 2, line.company_id, company.currency_id, line.analytic_account_id, line.cost_pool_id,
                       line.provider_name, line.service_name, line.environment, 10, 11, line.is_unallocated
            )
            """,
                SQL.identifier(self._table),
                PRODUCTION_ENVIRONMENTS,
            )
        )

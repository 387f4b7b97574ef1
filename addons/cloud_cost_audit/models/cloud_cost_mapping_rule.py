from odoo import api, fields, models
from odoo.tools import SQL

from .cloud_cost_allocation_run import SEALED_STATES


class CloudCostMappingRule(models.Model):
    _inherit = "cloud.cost.mapping.rule"

    company_id = fields.Many2one(tracking=True)
    description = fields.Text(tracking=True)

    @api.model
    def _classification_kept(self):
        # a line a sealed run took keeps the classification the run sealed
        return SQL(
            """(%s) OR EXISTS (SELECT 1 FROM cloud_cost_allocation_run_cost sealed_cost
                                 JOIN cloud_cost_allocation_run sealed_run ON sealed_run.id = sealed_cost.run_id
                                WHERE sealed_cost.cost_line_id = l.id AND sealed_run.state = ANY(%s))""",
            super()._classification_kept(),
            list(SEALED_STATES),
        )

from odoo import fields, models


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    allocation_run_cost_ids = fields.One2many(
        "cloud.cost.allocation.run.cost", "cost_line_id", string="Allocation Runs", readonly=True
    )

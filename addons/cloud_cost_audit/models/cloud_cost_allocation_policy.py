from odoo import fields, models


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    company_id = fields.Many2one(tracking=True)
    description = fields.Text(tracking=True)
    production_environments = fields.Char(tracking=True)
    user_key_id = fields.Many2one(tracking=True)
    transaction_key_id = fields.Many2one(tracking=True)
    auto_recompute = fields.Boolean(tracking=True)

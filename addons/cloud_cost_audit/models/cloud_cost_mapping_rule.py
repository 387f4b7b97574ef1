from odoo import fields, models


class CloudCostMappingRule(models.Model):
    _inherit = "cloud.cost.mapping.rule"

    company_id = fields.Many2one(tracking=True)
    description = fields.Text(tracking=True)

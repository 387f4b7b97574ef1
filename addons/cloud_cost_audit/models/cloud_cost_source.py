from odoo import fields, models


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    company_id = fields.Many2one(tracking=True)
    provider_name = fields.Char(tracking=True)
    interval_number = fields.Integer(tracking=True)
    interval_type = fields.Selection(tracking=True)
    aws_access_key_id = fields.Char(tracking=True)  # the key's id, seen by administrators; never the secret

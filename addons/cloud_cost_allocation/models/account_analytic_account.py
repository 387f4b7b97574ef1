from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    cloud_cost_service_tier_id = fields.Many2one(
        "cloud.cost.service.tier", "Service Tier",
        help="The service tier this business unit asked for: its rate card prices (and premiums) apply "
        "in value-based tier steps.",
    )

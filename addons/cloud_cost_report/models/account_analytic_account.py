from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    cloud_cost_owner_id = fields.Many2one(
        "res.users",
        string="Cost Owner",
        help="Answers for this business unit's cloud cost: receives its anomaly and budget alerts.",
    )

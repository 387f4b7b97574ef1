from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    cloud_cost_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        "Business Unit (Cloud Costs)",
        help="The business unit this user counts for in the active-users driver. Empty: the business unit "
        "serving the user's company, if any.",
    )

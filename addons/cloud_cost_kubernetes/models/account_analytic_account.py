from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    cloud_cost_served_company_id = fields.Many2one(
        "res.company",
        "Odoo Company Served",
        help="On a platform hosting several companies in one database: the company whose users and documents "
        "this business unit is. Drivers from Odoo data (active users, attachment storage) count that company.",
    )

from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    cloud_cost_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        "Business Unit (Cloud Costs)",
        check_company=True,
        help="The business unit whose journal this is: its posted journal items count for it in the driver "
        "'posted journal items per journal'. Empty: the business unit serving the journal's company, if any.",
    )

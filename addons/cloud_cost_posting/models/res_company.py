from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cloud_cost_journal_id = fields.Many2one(
        "account.journal", "Chargeback Journal", domain="[('type', '=', 'general'), ('company_id', '=', id)]",
        help="Miscellaneous journal of the chargeback entries.",
    )
    cloud_cost_chargeback_account_id = fields.Many2one(
        "account.account", "Chargeback Account",
        help="Debited on each receiving business unit, with its analytic distribution.",
    )
    cloud_cost_clearing_account_id = fields.Many2one(
        "account.account", "Cloud Cost Clearing Account",
        help="Credited for the cost moved out: the account the cloud bills were booked to. A cost pool may "
        "name its own.",
    )
    cloud_cost_due_from_account_id = fields.Many2one(
        "account.account", "Intercompany Due From",
        help="Debited in this company when a business unit of another company receives cost.",
    )
    cloud_cost_due_to_account_id = fields.Many2one(
        "account.account", "Intercompany Due To",
        help="Credited in this company when its business units receive cost from another company.",
    )

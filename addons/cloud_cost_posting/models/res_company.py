from odoo import fields, models

from .cloud_cost_pool import POSTING_STYLES


class ResCompany(models.Model):
    _inherit = "res.company"

    cloud_cost_journal_id = fields.Many2one(
        "account.journal",
        "Chargeback Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the chargeback entries (a policy may name its own).",
    )
    cloud_cost_posting_style = fields.Selection(
        POSTING_STYLES,
        "Chargeback Style",
        required=True,
        default="assessment",
        help="Assessment: the business units are debited on the chargeback account. Distribution: on the account "
        "credited (the original expense account), so that the cost keeps its nature. A pool may choose its own.",
    )
    cloud_cost_chargeback_account_id = fields.Many2one(
        "account.account",
        "Chargeback Account",
        check_company=True,
        help="Debited on each receiving business unit, with its analytic distribution (assessment style). A "
        "business unit may name its own.",
    )
    cloud_cost_clearing_account_id = fields.Many2one(
        "account.account",
        "Cloud Cost Clearing Account",
        check_company=True,
        help="Credited for the cost moved out: the account the cloud bills were booked to. A cost pool may "
        "name its own; the business units' direct cost is credited here.",
    )
    cloud_cost_cost_center_id = fields.Many2one(
        "account.analytic.account",
        "Cloud Cost Center",
        check_company=True,
        help="Analytic account of the credited lines: the one the cloud bills were booked to, relieved by the "
        "chargeback. A cost pool may name its own. Empty: credited lines carry no analytic distribution.",
    )
    cloud_cost_due_from_account_id = fields.Many2one(
        "account.account",
        "Intercompany Due From",
        check_company=True,
        help="Debited in this company when a business unit of another company receives cost.",
    )
    cloud_cost_due_to_account_id = fields.Many2one(
        "account.account",
        "Intercompany Due To",
        check_company=True,
        help="Credited in this company when its business units receive cost from another company.",
    )

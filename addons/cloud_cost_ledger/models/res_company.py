from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cloud_cost_accrued_account_id = fields.Many2one(
        "account.account",
        "Accrued Cloud Cost Account",
        check_company=True,
        help="Credited by the accruals of cloud cost whose provider invoice is not booked at month-end (accrued "
        "liabilities); the clearing accounts are debited.",
    )
    cloud_cost_accrual_journal_id = fields.Many2one(
        "account.journal",
        "Accrual Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the accruals. Empty: the chargeback journal.",
    )
    cloud_cost_prepaid_account_id = fields.Many2one(
        "account.account",
        "Prepaid Commitments Account",
        check_company=True,
        help="Debited with the commitment fees the bills charge (Savings Plans, reservations, committed use), "
        "credited each month with what the bill amortized: the usage they covered and the commitment left unused.",
    )

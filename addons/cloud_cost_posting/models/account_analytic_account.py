from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    cloud_cost_chargeback_company_id = fields.Many2one(
        "res.company",
        "Charged Company",
        help="The company whose books bear this business unit's cloud cost. Set on a business unit shared by "
        "several companies: a run of another company charges it through intercompany due-to / due-from entries. "
        "Empty: the business unit's own company, or the run's.",
    )
    cloud_cost_chargeback_account_id = fields.Many2one(
        "account.account",
        "Chargeback Account",
        help="Debited on this business unit instead of its company's chargeback account (assessment style); "
        "used in the companies the account belongs to.",
    )

    def _cloud_cost_company(self, default):
        self.ensure_one()
        return self.cloud_cost_chargeback_company_id or self.company_id or default

    def _cloud_cost_chargeback_account(self, company):
        """The account debited on this business unit in ``company`` (assessment style)."""
        self.ensure_one()
        own = self.cloud_cost_chargeback_account_id
        return own if own and company in own.company_ids else company.cloud_cost_chargeback_account_id

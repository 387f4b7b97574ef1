from collections import defaultdict

from odoo.addons.cloud_cost_posting.tests.test_posting import PostingCase

INVOICE = "EUINV26-100045"
BILLING_ACCOUNT = "123456789012"


class LedgerCase(PostingCase):
    """The posting test company (October bill of 1,075.00 usage, shared platform pool on its own clearing
    account) with the bill rows carrying the provider's invoice id and billing account, a purchase journal,
    a payable and an accrued-liabilities account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        Account = cls.env["account.account"].with_company(company)
        cls.payable = Account.create(
            {
                "code": "401000",
                "name": "Suppliers",
                "account_type": "liability_payable",
                "reconcile": True,
                "company_ids": [(6, 0, company.ids)],
            }
        )
        cls.accrued = Account.create(
            {
                "code": "408100",
                "name": "Accrued cloud cost",
                "account_type": "liability_current",
                "company_ids": [(6, 0, company.ids)],
            }
        )
        cls.purchases = cls.env["account.journal"].create(
            {"name": "Vendor bills", "code": "BILL", "type": "purchase", "company_id": company.id}
        )
        cls.provider = cls.env["res.partner"].create({"name": "Amazon Web Services EMEA SARL"})
        cls.provider.with_company(company).property_account_payable_id = cls.payable
        company.cloud_cost_accrued_account_id = cls.accrued
        cls.batch.line_ids._suite().write(
            {
                "invoice_number": INVOICE,
                "billing_account": BILLING_ACCOUNT,
                "billing_currency": company.currency_id.name,
            }
        )
        cls.env["res.users"].browse(cls.accountant.id).company_ids |= company

    @classmethod
    def add_rows(cls, batch, rows):
        """rows: (charge category, billed cost, provider_extra or None)."""
        start = str(batch.billing_period_start)
        cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": cls.company.id,
                    "charge_description": f"{category} row",
                    "charge_category": category,
                    "billing_period_start": start,
                    "charge_period_start": f"{start} 00:00:00",
                    "provider_name": "AWS",
                    "billed_cost": amount,
                    "billed_cost_company": amount,
                    "effective_cost": 0.0,
                    "effective_cost_company": 0.0,
                    "invoice_number": INVOICE,
                    "billing_account": BILLING_ACCOUNT,
                    "billing_currency": cls.company.currency_id.name,
                    "provider_extra": extra or False,
                    "source_file": "focus.csv",
                    "source_row": 100 + index,
                }
                for index, (category, amount, extra) in enumerate(rows)
            ]
        )

    def vendor_bill(self, amount, ref=INVOICE, date="2026-11-03", account=None, post=True, **values):
        bill = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.provider.id,
                    "journal_id": self.purchases.id,
                    "company_id": self.company.id,
                    "ref": ref,
                    "invoice_date": date,
                    "date": date,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "AWS usage October 2026",
                                "quantity": 1,
                                "price_unit": amount,
                                "account_id": (account or self.accounts["clearing"]).id,
                                "tax_ids": [],
                            },
                        )
                    ],
                    **values,
                }
            )
        )
        if post:
            bill.action_post()
        return bill

    def balances(self, accounts, date_to, date_from=None):
        """{account: balance} of posted journal items up to ``date_to``, summed by account.move.line."""
        domain = [("account_id", "in", accounts.ids), ("parent_state", "=", "posted"), ("date", "<=", date_to)]
        if date_from:
            domain.append(("date", ">=", date_from))
        totals = defaultdict(float)
        for account, balance in self.env["account.move.line"]._read_group(domain, ["account_id"], ["balance:sum"]):
            totals[account] = round(balance, 2)
        return {account: totals.get(account, 0.0) for account in accounts}

    def match_month(self, user=None, month="2026-10-01"):
        Match = self.env["cloud.cost.invoice.match"].with_user(user or self.accountant).with_company(self.company)
        return Match.browse(Match.action_match_month(month))

    def overview(self, user=None, month="2026-10-01"):
        return (
            self.env["cloud.cost.month.overview"]
            .with_user(user or self.accountant)
            .with_company(self.company)
            .create({"month": month, "company_id": self.company.id})
        )

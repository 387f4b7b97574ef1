from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models

from odoo.addons.cloud_cost.core.periods import month_end, next_month_start

from ..core.focus_month import CENT, SALES_TAX_RATE, month_starts

# the demo bill's billing accounts (see core/focus_month.py)
AWS_ACCOUNT = "111122223333"
AZURE_ACCOUNT = "EA-4455-demo"


class CloudCostInvoiceMatch(models.Model):
    _inherit = "cloud.cost.invoice.match"

    @api.model
    def _load_demo_close(self, source_xmlid, months=2):
        """The providers' vendor bills of the older demo month, matched: Azure's equal to its bill rows, AWS's
        its usage with the sales tax the bill rows hold on a tax line of its own, without the Savings Plan fee
        (invoiced apart) and the promotional credit (a credit note of its own): an explained difference of tax,
        credit and purchase. Last month's invoices have not arrived: its accrual is proposed by the demo user,
        for a second controller to post."""
        source = self.env.ref(source_xmlid)
        company = source.company_id
        admin, second = self.env.ref("base.user_admin"), self.env.ref("base.user_demo")
        older, last = month_starts(fields.Date.context_today(self), months)
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "purchase")], limit=1
        ) or self.env["account.journal"].create(
            {"name": "Vendor Bills", "code": "BILL", "type": "purchase", "company_id": company.id}
        )
        batch = source.batch_ids.filtered(lambda b: b.state == "imported" and b.billing_period_start == older)
        self.env.cr.execute(
            """SELECT billing_account, charge_category, SUM(billed_cost) FROM cloud_cost_line WHERE batch_id = ANY(%s)
               GROUP BY 1, 2""",
            [batch.ids],
        )
        billed = {(account, category): amount for account, category, amount in self.env.cr.fetchall()}
        invoice_date = next_month_start(older).replace(day=5)
        tax = self._demo_sales_tax(company)
        for partner_xmlid, account, number, amount, taxes in (
            (
                "cloud_cost_demo.partner_aws",
                AWS_ACCOUNT,
                f"EUINV{older:%y%m}-0001",
                billed.get((AWS_ACCOUNT, "Usage"), 0),
                tax,
            ),
            (
                "cloud_cost_demo.partner_azure",
                AZURE_ACCOUNT,
                f"E0{older:%y%m}00777",
                sum(v for (a, _c), v in billed.items() if a == AZURE_ACCOUNT),
                tax.browse(),
            ),
        ):
            bill = (
                self.env["account.move"]
                .with_user(admin)
                .with_company(company)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": self.env.ref(partner_xmlid).id,
                        "journal_id": journal.id,
                        "ref": number,
                        "invoice_date": invoice_date,
                        "date": month_end(older),
                        "cloud_cost_billing_account": account,
                        "cloud_cost_billing_period": older,
                        "invoice_line_ids": [
                            (
                                0,
                                0,
                                {
                                    "name": f"Cloud services {older:%B %Y}",
                                    "quantity": 1,
                                    "price_unit": float(Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)),
                                    "account_id": company.cloud_cost_clearing_account_id.id,
                                    "tax_ids": [fields.Command.set(taxes.ids)],
                                },
                            )
                        ],
                    }
                )
            )
            bill.action_post()
        self.with_user(admin).with_company(company).action_match_month(fields.Date.to_string(older))
        self.env["cloud.cost.accrual"].with_user(second).with_company(company).action_propose_month(
            fields.Date.to_string(last)
        )
        return True

    @api.model
    def _demo_sales_tax(self, company):
        """The purchase tax AWS charges on the demo's usage, booked on an account of its own (not the clearing
        account: the bill is compared with the imported cost untaxed)."""
        account = (
            self.env["account.account"]
            .with_company(company)
            .create(
                {
                    "code": "131900",
                    "name": "Sales tax on cloud services",
                    "account_type": "asset_current",
                    "company_ids": [fields.Command.set(company.ids)],
                }
            )
        )
        country = company.account_fiscal_country_id or company.country_id or self.env.ref("base.us")
        Group = self.env["account.tax.group"].with_company(company)
        group = Group.search(
            [("company_id", "=", company.id), ("country_id", "=", country.id)], limit=1
        ) or Group.create({"name": "Sales tax", "company_id": company.id, "country_id": country.id})
        lines = [
            fields.Command.clear(),
            fields.Command.create({"repartition_type": "base"}),
            fields.Command.create({"repartition_type": "tax", "account_id": account.id}),
        ]
        return (
            self.env["account.tax"]
            .with_company(company)
            .create(
                {
                    "name": f"Cloud sales tax {SALES_TAX_RATE * 100:.2f}%",
                    "type_tax_use": "purchase",
                    "amount_type": "percent",
                    "amount": float(SALES_TAX_RATE * 100),
                    "company_id": company.id,
                    "country_id": country.id,
                    "tax_group_id": group.id,
                    "invoice_repartition_line_ids": lines,
                    "refund_repartition_line_ids": lines,
                }
            )
        )

from decimal import Decimal

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..core.focus_month import generate_month, month_starts


@tagged("post_install", "-at_install")
class TestCloseJourneys(HttpCase):
    """The month-end close on the demo estate, in a real browser."""

    def setUp(self):
        super().setUp()
        self.company = self.env.ref("base.main_company")
        self.older, self.last = month_starts(fields.Date.today(), 2)

    def test_the_demo_close_an_older_month_matched_and_last_month_accrued(self):
        matches = self.env["cloud.cost.invoice.match"].search([("company_id", "=", self.company.id)])
        # one bill import of both providers, paid by two invoices: one match
        older = matches.filtered(lambda m: m.period == self.older)
        self.assertEqual((older.state, len(older.invoice_ids), older.link_method), ("explained", 2, "account_period"))
        self.assertEqual(older.unexplained_amount, 0.0)
        # explained: the sales tax (the bill's Tax row, on the AWS vendor bill's tax line), the promotional
        # credit (Credit row, a credit note of its own) and the Savings Plan fee (invoiced apart)
        rows = generate_month(self.older)
        tax = sum(Decimal(row["BilledCost"]) for row in rows if row["ChargeCategory"] == "Tax")
        self.assertGreater(tax, 0)
        aws = older.invoice_ids.filtered(lambda bill: bill.partner_id == self.env.ref("cloud_cost_demo.partner_aws"))
        self.assertEqual((older.tax_amount, aws.amount_tax, older.credit_amount), (float(tax), float(tax), -40.0))
        self.assertEqual(aws.line_ids.filtered("tax_line_id").account_id.code, "131900")
        self.assertGreater(older.purchase_amount, 0)
        self.assertAlmostEqual(
            older.tax_amount + older.credit_amount + older.purchase_amount + older.rounding_amount,
            older.difference,
            places=2,
        )
        self.assertFalse(matches.filtered(lambda m: m.period == self.last).invoice_ids)
        accrual = self.env["cloud.cost.accrual"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            (accrual.period, accrual.state, accrual.proposed_by_id),
            (self.last, "proposed", self.env.ref("base.user_demo")),
        )

    def test_accountant_reviews_the_older_month_and_a_controller_posts_last_months_accrual(self):
        accountant = new_test_user(
            self.env,
            login="cc_close_accountant",
            company_id=self.company.id,
            groups="base.group_user,account.group_account_user,cloud_cost.group_cloud_cost_accountant",
        )
        self.start_tour("/odoo", "cloud_cost_accountant_reviews_reconciliation", login=accountant.login)
        report = self.env["cloud.cost.reconciliation"].search([("create_uid", "=", accountant.id)])
        self.assertEqual(report.month, self.older)
        self.assertTrue(report.clearing_nets_out)

        controller = new_test_user(
            self.env,
            login="cc_close_controller",
            company_id=self.company.id,
            groups="base.group_user,account.group_account_manager,cloud_cost.group_cloud_cost_controller",
        )
        accrual = self.env["cloud.cost.accrual"].search(
            [("company_id", "=", self.company.id), ("period", "=", self.last)]
        )
        self.assertEqual(accrual.state, "proposed")
        self.start_tour("/odoo", "cloud_cost_controller_posts_accrual", login=controller.login)
        self.assertEqual((accrual.state, accrual.posted_by_id), ("posted", controller))
        self.assertEqual(
            (accrual.move_id.date, accrual.reversal_move_id.date),
            (
                accrual.date,
                self.last.replace(month=self.last.month % 12 + 1, year=self.last.year + (self.last.month == 12)),
            ),
        )
        accrued = self.company.cloud_cost_accrued_account_id
        moves = accrual.move_id | accrual.reversal_move_id
        items = self.env["account.move.line"].search([("move_id", "in", moves.ids), ("account_id", "=", accrued.id)])
        self.assertAlmostEqual(sum(items.mapped("balance")), 0.0, places=2)
        self.assertAlmostEqual(
            -accrual.move_id.line_ids.filtered(
                lambda line: line.account_id == self.company.cloud_cost_accrued_account_id
            ).balance,
            accrual.amount,
            places=2,
        )

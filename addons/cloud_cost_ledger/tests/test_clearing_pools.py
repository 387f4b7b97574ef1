import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .common import INVOICE, LedgerCase


@tagged("post_install", "-at_install")
class TestClearingPerPool(LedgerCase):
    """October: 300.00 in the shared platform pool, cleared on its own account (628100), 775.00 on the company's
    clearing account (628000: the tenant runtime pool, direct cost, unallocated). The vendor bill books each
    part on its clearing account; the chargeback credits 300.00 and 650.00."""

    def setUp(self):
        super().setUp()
        self.expense = self.env["account.account"].create(
            {"code": "613000", "name": "Software", "account_type": "expense", "company_ids": [(6, 0, self.company.ids)]}
        )
        bill = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.provider.id,
                    "journal_id": self.purchases.id,
                    "company_id": self.company.id,
                    "ref": INVOICE,
                    "invoice_date": "2026-11-03",
                    "date": "2026-11-03",
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Platform",
                                "quantity": 1,
                                "price_unit": 300.0,
                                "account_id": self.platform_clearing.id,
                                "tax_ids": [],
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "name": "Everything else",
                                "quantity": 1,
                                "price_unit": 775.0,
                                "account_id": self.accounts["clearing"].id,
                                "tax_ids": [],
                            },
                        ),
                    ],
                }
            )
        )
        bill.action_post()
        self.approved_run().with_user(self.controller).action_post()
        self.match_month()

    def entry(self, debit, credit, amount, date="2026-10-15"):
        move = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": self.accounts["journal"].id,
                    "date": date,
                    "ref": "Misposting",
                    "line_ids": [
                        (0, 0, {"name": "Misposting", "account_id": debit.id, "debit": amount}),
                        (0, 0, {"name": "Misposting", "account_id": credit.id, "credit": amount}),
                    ],
                }
            )
        )
        move.action_post()
        return move

    def report(self):
        return (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.accountant)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )

    def by_account(self, report):
        return {
            row.account_id: (row.balance, row.expected, row.difference, row.nets_out)
            for row in report.clearing_line_ids
        }

    def test_each_pool_s_clearing_account_nets_to_its_unallocated_remainder(self):
        report = self.report()
        self.assertEqual(
            self.by_account(report),
            {self.accounts["clearing"]: (125.0, 125.0, 0.0, True), self.platform_clearing: (0.0, 0.0, 0.0, True)},
        )
        self.assertTrue(report.clearing_pools_net_out)
        self.assertIn(
            "Shared platform",
            report.clearing_line_ids.filtered(lambda row: row.account_id == self.platform_clearing).pools,
        )
        self.assertTrue(self.overview().check_clearing_net)

    def test_a_pool_whose_clearing_account_does_not_net_out_is_shown_with_its_difference(self):
        # 40.00 taken off the platform's clearing account by hand: that pool is off, the other one nets out
        self.entry(self.expense, self.platform_clearing, 40.0)
        report = self.report()
        self.assertEqual(
            self.by_account(report),
            {self.accounts["clearing"]: (125.0, 125.0, 0.0, True), self.platform_clearing: (-40.0, 0.0, -40.0, False)},
        )
        self.assertFalse(report.clearing_pools_net_out)
        overview = self.overview()
        self.assertFalse(overview.check_clearing_net)
        self.assertIn("Shared platform", overview.clearing_differences)
        shown = str(overview.clearing_differences).replace("\N{ZERO WIDTH NO-BREAK SPACE}", "")
        self.assertIn("$ -40.00", shown.replace("\N{NO-BREAK SPACE}", " "))
        items = self.env["account.move.line"].search(
            report.clearing_line_ids.filtered(lambda row: not row.nets_out).action_view_items()["domain"]
        )
        self.assertEqual(round(sum(items.mapped("balance")), 2), -40.0)

    def test_a_move_between_two_clearing_accounts_nets_out_for_the_company_and_not_per_pool(self):
        self.entry(self.accounts["clearing"], self.platform_clearing, 300.0)
        report = self.report()
        self.assertTrue(report.clearing_nets_out)  # the company's clearing accounts together
        self.assertEqual(
            self.by_account(report),
            {
                self.accounts["clearing"]: (425.0, 125.0, 300.0, False),
                self.platform_clearing: (-300.0, 0.0, -300.0, False),
            },
        )
        self.assertFalse(self.overview().check_clearing_net)

    def test_the_command_line_prints_each_clearing_account(self):
        self.entry(self.expense, self.platform_clearing, 40.0)
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["reconcile", "--period", "2026-10", "--no-match"])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = args.handler(
                self.env(user=self.accountant, context={"allowed_company_ids": [self.company.id]}), args
            )
        self.assertEqual(status, 0)
        self.assertIn(
            "628000 Cloud cost clearing ([RUNT] Tenant runtime, cost in no pool): balance 125.00, "
            "unallocated remainder 125.00, difference 0.00\n",
            out.getvalue(),
        )
        self.assertIn(
            "628100 Shared platform clearing ([PLAT] Shared platform): balance -40.00, unallocated "
            "remainder 0.00, difference -40.00 (does NOT net out)",
            out.getvalue(),
        )

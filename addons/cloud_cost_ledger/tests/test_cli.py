import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .common import LedgerCase


@tagged("post_install", "-at_install")
class TestReconcileCommand(LedgerCase):
    def command(self, user, *argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        out, err = io.StringIO(), io.StringIO()
        env = self.env(user=user, context={"allowed_company_ids": [self.company.id]})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(env, args)
        return status, out.getvalue(), err.getvalue()

    def test_reconcile_matches_the_month_and_prints_each_stage(self):
        self.add_rows(self.batch, [("Tax", 204.25, None)])
        self.vendor_bill(1075.00)
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        status, out, err = self.command(self.accountant, "reconcile", "--period", "2026-10", "--check")
        self.assertEqual((status, err), (0, ""))
        self.assertIn("Reconciliation 2026-10, Allocation Co", out)
        self.assertRegex(out, r"FOCUS export\s+1,075\.00\s+1,279\.25\s+0\.00\s+0\.00\s+0\.00\s+0\.00\s+Explained")
        self.assertRegex(out, r"Allocation runs\s+0\.00\s+0\.00\s+950\.00\s+950\.00")
        self.assertIn("Tax 204.25", out)
        self.assertIn("Clearing accounts: balance 125.00, unallocated remainder 125.00", out)
        self.assertIn("net out", out)

    def test_an_unexplained_difference_fails_the_check_and_a_bad_period_is_refused(self):
        self.vendor_bill(1000.00)
        status, out, _err = self.command(self.accountant, "reconcile", "--period", "2026-10", "--check")
        self.assertEqual(status, 2)
        self.assertIn("Unexplained difference", out)
        self.assertIn("do NOT net out", out)
        status, _out, err = self.command(self.accountant, "reconcile", "--period", "10/2026")
        self.assertEqual(status, 2)
        self.assertIn("--period must be YYYY-MM", err)
        status, _out, err = self.command(self.cost_user, "reconcile", "--period", "2026-10")
        self.assertEqual(status, 2)
        self.assertIn("Only a cost accountant", err)

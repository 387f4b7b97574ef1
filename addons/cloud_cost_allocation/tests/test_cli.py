import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .common import AllocationCase


@tagged("post_install", "-at_install")
class TestAllocateCommand(AllocationCase):
    def allocate(self, *argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["allocate", *argv])
        out, err = io.StringIO(), io.StringIO()
        env = self.env(user=self.accountant, context={"allowed_company_ids": [self.company.id]})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(env, args)
        return status, out.getvalue(), err.getvalue()

    def test_test_run_prints_receivers_and_the_check_and_stores_nothing(self):
        status, out, _err = self.allocate("--period", "2026-10", "--policy", "MONTH", "--test")
        self.assertEqual(status, 0)
        self.assertIn("test run of 7 cost lines, nothing stored", out)
        self.assertRegex(out, r"Retail\s+525\.00")
        self.assertRegex(out, r"Payments\s+425\.00")
        self.assertRegex(out, r"Total\s+1,075\.00")
        self.assertRegex(out, r"\[PLAT\] Shared platform\s+300\.00\s+0\.00\s+300\.00\s+0\.00\s+100\.00%")
        self.assertIn("100% check: OK (some pools keep idle cost visible)", out)
        self.assertFalse(self.env["cloud.cost.allocation.run"].search([("policy_id", "=", self.policy.id)]))

    def test_run_is_created_computed_and_recomputed(self):
        status, out, _err = self.allocate("--period", "2026-10")
        self.assertEqual(status, 0)
        run = self.env["cloud.cost.allocation.run"].search([("policy_id", "=", self.policy.id)])
        self.assertEqual((run.state, run.total_cost), ("computed", 1075.0))
        self.assertIn(f"run MONTH 2026-10 (id {run.id}): computed from 7 cost lines", out)
        status, out, _err = self.allocate("--period", "2026-10", "--policy", "Month-end")
        self.assertEqual(status, 0)
        self.assertEqual(self.env["cloud.cost.allocation.run"].search_count([("policy_id", "=", self.policy.id)]), 1)

    def test_bad_period_and_unknown_policy_are_refused(self):
        status, _out, err = self.allocate("--period", "October")
        self.assertEqual(status, 2)
        self.assertIn("is not a month like 2026-10", err)
        status, _out, err = self.allocate("--period", "2026-10", "--policy", "NOPE")
        self.assertEqual(status, 2)
        self.assertIn("no allocation policy named 'NOPE'", err)

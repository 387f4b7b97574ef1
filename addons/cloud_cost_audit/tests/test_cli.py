import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .common import AuditCase


@tagged("post_install", "-at_install")
class TestVerifyCommand(AuditCase):
    def command(self, user, *argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        out, err = io.StringIO(), io.StringIO()
        env = self.env(user=user, context={"allowed_company_ids": [self.company.id]})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(env, args)
        return status, out.getvalue(), err.getvalue()

    def test_verify_prints_what_matches_and_exits_2_naming_what_changed(self):
        run = self.november_run(post=True)
        status, out, _err = self.command(self.auditor, "verify", run.name)
        self.assertEqual(status, 0)
        self.assertIn(f"{run.display_name}: content hash sha256-v2 {run.content_hash}", out)
        self.assertRegex(out, r"matches +amounts and currencies of the cost lines taken")
        self.assertRegex(out, r"matches +bill file bytes of exports/focus-2026-11\.csv\.gz")
        self.assertNotIn("CHANGED", out)
        self.assertIn("it matches", out)

        line = run.line_ids[0]
        self.env.cr.execute("UPDATE cloud_cost_allocation_run SET unallocated_amount = 0 WHERE id = %s", [run.id])
        self.env.cr.execute("UPDATE cloud_cost_line SET service_tier_id = NULL, tenant = 'x' WHERE id IN "
                            "(SELECT cost_line_id FROM cloud_cost_allocation_run_cost WHERE run_id = %s)", [run.id])
        self.env.invalidate_all()
        status, out, _err = self.command(self.auditor, "verify", str(run.id))
        self.assertEqual(status, 2)
        self.assertRegex(out, r"CHANGED +run figures")
        self.assertRegex(out, r"CHANGED +classification of the cost lines taken")
        self.assertRegex(out, r"matches +allocation lines")
        self.assertIn("does NOT match", out)
        self.assertTrue(line.exists())
        self.assertFalse(run.hash_check, "the command records nothing")

    def test_verify_refuses_an_unknown_or_unsealed_run(self):
        status, _out, err = self.command(self.auditor, "verify", "NOPE 2026-11")
        self.assertEqual((status, "no allocation run 'NOPE 2026-11'" in err), (2, True))
        run = self.new_run(user=self.controller, date_from="2026-11-01", date_to="2026-11-30")
        run.with_user(self.controller).action_compute()
        status, _out, err = self.command(self.auditor, "verify", run.name)
        self.assertEqual(status, 2)
        self.assertIn("is not sealed", err)

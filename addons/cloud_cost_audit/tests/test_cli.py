import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .common import BILL_NAME, AuditCase


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
        self.env.cr.execute(
            "UPDATE cloud_cost_line SET service_tier_id = NULL, tenant = 'x' WHERE id IN "
            "(SELECT cost_line_id FROM cloud_cost_allocation_run_cost WHERE run_id = %s)",
            [run.id],
        )
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


@tagged("post_install", "-at_install")
class TestTraceCommand(AuditCase):
    command = TestVerifyCommand.command

    def test_trace_prints_the_allocation_lines_and_the_bill_rows_summing_to_the_item(self):
        run = self.november_run(post=True)
        item = run.move_ids.line_ids.filtered(
            lambda line: line.cloud_cost_side == "receiver" and line.cloud_cost_receiver_id == self.retail
        )
        self.assertEqual(len(item), 1)
        bill_file = self.env["cloud.cost.import.file"].search([("name", "=", BILL_NAME), ("kind", "=", "data")])
        status, out, _err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 0, out)
        lines = item.cloud_cost_allocation_line_ids
        self.assertIn(f"journal item {item.id}: {item.move_id.name}", out)
        self.assertIn(f"{len(lines)} allocation line(s), summing to {item.debit:,.2f} = the item", out)
        self.assertIn(f"allocation run {run.display_name} (posted), content hash sha256-v2 {run.content_hash}", out)
        # the business unit's own cost: its two bill rows, summing exactly to the allocation line
        direct = lines.filtered(lambda line: line.line_type == "direct")
        self.assertIn(f"allocation line {direct.id}: 30.75 to {self.retail.display_name} (direct cost)", out)
        self.assertIn("bill rows behind it: 2, EffectiveCost 30.75, taken 30.75\n", out)
        for row, cost in ((1, "10.50"), (2, "20.25"), (3, "90.00"), (4, "30.01")):
            self.assertRegex(out, rf"{BILL_NAME}  sha256 {bill_file.sha256}  row {row}  EffectiveCost {cost}")
        self.assertNotRegex(out, r"row 5  EffectiveCost", "the untagged row is not behind the item")
        # the shared pool's share: its step, key and driver values, and the pool's rows
        shared = lines - direct
        self.assertIn(f"sender pool {self.platform.display_name}, method {shared.method}", out)
        self.assertIn(
            "bill rows behind it: 2, EffectiveCost 120.01, taken 120.01; the line is "
            f"{shared.amount / 120.01 * 100:.6f} % of them",
            out,
        )

        by_position = [
            n
            for n, line in enumerate(
                item.move_id.line_ids.sorted(lambda move_line: (move_line.sequence, move_line.id)), 1
            )
            if line == item
        ][0]
        status, again, _err = self.command(self.auditor, "trace", f"{item.move_id.name}:{by_position}")
        self.assertEqual((status, again), (0, out))

    def test_trace_refuses_what_is_not_a_chargeback_item(self):
        run = self.november_run(post=True)
        status, _out, err = self.command(self.auditor, "trace", "999999999")
        self.assertEqual((status, "no journal item 999999999" in err), (2, True))
        status, _out, err = self.command(self.auditor, "trace", "NOPE/2026/0001")
        self.assertEqual((status, "no journal entry 'NOPE/2026/0001'" in err), (2, True))
        credit = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "sender")[:1]
        self.assertTrue(credit.cloud_cost_allocation_line_ids, "credits sum allocation lines too")
        status, out, _err = self.command(self.auditor, "trace", str(credit.id))
        self.assertEqual(status, 0)
        self.assertIn(f"journal item {credit.id}", out)

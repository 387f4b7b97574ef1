import hashlib
import io
from decimal import Decimal
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import cloud_cost_allocation_line as audit_line
from .common import BILL_NAME, AuditCase


@tagged("post_install", "-at_install")
class TestAudit(AuditCase):
    def trace(self, item):
        """From a journal item to the raw bill rows behind it, as an auditor clicks through."""
        env = self.env(user=self.auditor)
        lines = env["cloud.cost.allocation.line"].search(
            item.with_env(env).action_view_cloud_cost_allocation_lines()["domain"]
        )
        costs = env["cloud.cost.allocation.run.cost"]
        for line in lines:
            costs |= costs.search(line.action_view_cost_lines()["domain"])
        return lines, costs.cost_line_id._source_rows()

    def test_from_a_posted_journal_item_to_the_exact_bill_rows_whose_effective_cost_sums_to_it(self):
        run = self.november_run(post=True)
        items = run.move_ids.line_ids
        direct = items.filtered(lambda i: i.cloud_cost_side == "sender" and not i.cloud_cost_sender_pool_id)
        platform = items.filtered(lambda i: i.cloud_cost_sender_pool_id == self.platform)
        for item, expected_rows in ((direct, {1, 2}), (platform, {3, 4})):
            _lines, rows = self.trace(item)
            self.assertEqual({line.source_row for line in rows}, expected_rows)
            self.assertEqual({line.source_file for line in rows}, {BILL_NAME})
            self.assertEqual(
                sum(Decimal(row["EffectiveCost"]) for row in rows.values()),
                Decimal(str(item.credit)).quantize(Decimal("0.01")),
            )
        # the row as it is in the file, quoted newline and all, and the file itself to download
        line = self.env["cloud.cost.line"].search([("source_file", "=", BILL_NAME), ("source_row", "=", 2)])
        self.assertIn('said \\"hello\\"\\nacross two lines', line.source_row_content)
        attachment_id = int(line.action_download_source_file()["url"].split("/")[3].split("?")[0])
        self.assertEqual(self.env["ir.attachment"].browse(attachment_id).raw, self.bill)

    def test_the_trace_reads_the_cost_lines_the_runs_cost_view_names(self):
        """The trace reads each line's cost lines from the cost lines themselves (by their indexes); what it
        finds is what the run's cost view names, for runs by billing and by charge period."""
        for period_basis in ("billing", "charge"):
            self.policy.period_basis = period_basis
            run = self.november_run()
            lines = run.line_ids.with_user(self.auditor)
            self.assertTrue(lines)
            for line in lines:
                self.assertIsNotNone(
                    audit_line._cost_line_domain(line._trace_cost_domain(), run, self.env["cloud.cost.line"]._fields)
                )

            def exact(groups):
                return [(*group[:3], Decimal(group[3]), Decimal(group[4]), *group[5:]) for group in groups]

            direct = [exact(line._trace_costs(line._trace_cost_domain())) for line in lines]
            shared = {}  # lines that take whole pools: one pass over the run's lines for all of them
            pooled = [exact(line._trace_costs(line._trace_cost_domain(), shared)) for line in lines]
            self.assertTrue(any(line._trace_cost_pools(line._trace_cost_domain()) for line in lines), period_basis)
            with patch.object(audit_line, "_cost_line_domain", return_value=None):
                through_the_view = [exact(line._trace_costs(line._trace_cost_domain())) for line in lines]
            self.assertEqual(direct, through_the_view, period_basis)
            self.assertEqual(pooled, through_the_view, period_basis)
            self.assertTrue(any(direct), period_basis)
            run.with_user(self.controller).action_reset_to_draft()
            run.with_user(self.controller).action_cancel()

    def test_from_an_allocation_line_to_its_rule_driver_values_and_bill_rows(self):
        run = self.november_run()
        line = run.line_ids.filtered(
            lambda alloc: alloc.sender_pool_id == self.platform and alloc.analytic_account_id == self.retail
        )
        line = line.with_user(self.auditor)
        trace = line._trace()
        # the step's rule and the driver values as the run froze them, the receiver's share among them
        self.assertEqual((trace["rule"]["method"], trace["rule"]["key"][0]), ("driver", self.cpu.id))
        self.assertEqual(dict(trace["rule_items"])["Sender pool"], "[PLAT] Shared platform")
        self.assertEqual(
            [(row["name"], row["value"], row["share"], row["is_receiver"]) for row in trace["drivers"]],
            [("Retail", 3, Decimal("0.75"), True), ("Payments", 1, Decimal("0.25"), False)],
        )
        self.assertEqual(Decimal(str(line.share)), Decimal("0.75"))
        # the cost lines behind it: rows 3 and 4 of the bill, whose checksum is the file's
        self.assertEqual(
            trace["files"],
            [
                {
                    "batch": trace["files"][0]["batch"],
                    "file": BILL_NAME,
                    "rows": 2,
                    "first_row": 3,
                    "last_row": 4,
                    "amount": Decimal("120.01"),
                    "exact_amount": Decimal("120.01"),
                    "effective_cost": Decimal("120.01"),
                    "sha256": hashlib.sha256(self.bill).hexdigest(),
                }
            ],
        )
        costs = self.env(user=self.auditor)["cloud.cost.allocation.run.cost"].search(
            line.action_view_cost_lines()["domain"]
        )
        rows = costs.cost_line_id._source_rows()
        effective = sum(Decimal(row["EffectiveCost"]) for row in rows.values())
        self.assertEqual(effective, Decimal("120.01"))
        # 120.01 x 0.75 = 90.0075: Retail gets 90.01 by largest remainder, Payments 30.00
        self.assertEqual(Decimal(str(line.amount)), (effective * Decimal("0.75")).quantize(Decimal("0.01")))
        self.assertIn("Payments", line.trace_html)
        self.assertIn(hashlib.sha256(self.bill).hexdigest(), line.trace_html)
        # each cost line opens on its bill row; the driver value records are one click away
        cost = costs.filtered(lambda c: c.source_row == 3)
        self.assertEqual(cost.action_open_bill_row()["res_id"], cost.cost_line_id.id)
        self.assertIn('"EffectiveCost": "90.00"', cost.cost_line_id.source_row_content)
        values = self.env["cloud.cost.driver.value"].search(line.action_view_driver_values()["domain"])
        self.assertEqual(sorted(values.mapped("value")), [1.0, 3.0])

    def test_the_hash_seals_the_run_and_a_change_behind_the_orm_is_detected(self):
        run = self.november_run()
        self.assertEqual(len(run.content_hash), 64)
        self.assertTrue(run._verify_hash())
        run.with_user(self.controller).action_post()
        sealed = run.content_hash
        self.assertTrue(run._verify_hash())
        self.env.cr.execute(
            "UPDATE cloud_cost_allocation_line SET amount = amount + 0.01 WHERE id = %s", [run.line_ids[0].id]
        )
        self.assertFalse(run._verify_hash())
        run.with_user(self.auditor).action_verify_hash()
        self.assertEqual((run.hash_check, run.content_hash), ("mismatch", sealed))
        self.assertIn("does NOT match", run.message_ids[0].body)
        # and the ORM refuses to change a posted run's lines at all
        with self.assertRaisesRegex(UserError, "sealed by its content hash|never edited"):
            run.line_ids[0].write({"amount": 1.0})

    def test_auditor_pack_workbook_has_its_sheets_and_the_run_totals(self):
        run = self.november_run(post=True)
        workbook = openpyxl.load_workbook(io.BytesIO(run.with_user(self.auditor)._auditor_pack_xlsx()))
        self.assertEqual(
            workbook.sheetnames, ["Summary", "Allocation Lines", "Drivers", "Rules Snapshot", "Source Files"]
        )
        summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
        self.assertEqual(summary["Total cost"], run.total_cost)
        self.assertIn(run.content_hash, summary["Content hash"])
        sheet = workbook["Allocation Lines"]
        header = [cell.value for cell in sheet[1]]
        final = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[header.index("Final")]]
        self.assertAlmostEqual(sum(row[header.index("Amount")] for row in final), run.total_cost, places=2)
        self.assertEqual(
            (summary["Total cost"], round(sum(row[header.index("Amount")] for row in final), 2)), (155.76, 155.76)
        )
        by_receiver = {}
        for row in final:
            receiver = row[header.index("Receiver")]
            by_receiver[receiver] = round(by_receiver.get(receiver, 0) + row[header.index("Amount")], 2)
        self.assertEqual(
            (by_receiver["Retail"], by_receiver["Payments"]), (120.76, 30.00)
        )  # 10.50 + 20.25 direct, 90.01 platform
        self.assertEqual(by_receiver["Retail"], self.final_by_receiver(run)[self.retail])
        drivers = list(workbook["Drivers"].iter_rows(min_row=2, values_only=True))
        self.assertIn(
            ("[CPU] CPU core-hours", "Retail", 3.0), [(key, unit, float(value)) for key, unit, value in drivers]
        )
        files = list(workbook["Source Files"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(
            [(row[1], row[3], row[5]) for row in files], [(BILL_NAME, 5, hashlib.sha256(self.bill).hexdigest())]
        )
        self.assertIn(
            '"drivers"', "".join(str(row[0]) for row in workbook["Rules Snapshot"].iter_rows(values_only=True))
        )

    def test_auditor_summary_pdf(self):
        run = self.november_run()
        pdf = run._auditor_pack_pdf()
        self.assertTrue(pdf.startswith(b"%PDF"))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("cloud_cost_audit.cloud_cost_run_summary_report", run.ids)[0]
            .decode()
        )
        self.assertIn(run.content_hash, html)
        self.assertIn("Retail", html)

    def test_changes_to_pools_and_rules_are_tracked(self):
        self.platform.with_user(self.controller).write({"name": "Shared platform services"})
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written when the transaction commits
        message = self.platform.message_ids[0]
        self.assertEqual(message.tracking_value_ids.old_value_char, "Shared platform")
        self.assertEqual(message.author_id, self.controller.partner_id)

    def test_export_command_writes_the_pack(self):
        import argparse  # noqa: PLC0415
        import contextlib  # noqa: PLC0415
        import tempfile  # noqa: PLC0415
        from pathlib import Path  # noqa: PLC0415

        from ..cli import register  # noqa: PLC0415

        run = self.november_run()
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        env = self.env(user=self.auditor, context={"allowed_company_ids": [self.company.id]})
        with tempfile.TemporaryDirectory() as folder:
            for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
                target = Path(folder) / f"pack.{fmt}"
                args = parser.parse_args(["export", str(run.id), "--format", fmt, "--output", str(target)])
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    self.assertEqual(args.handler(env, args), 0)
                self.assertTrue(target.read_bytes().startswith(magic))
                self.assertIn(run.content_hash, out.getvalue())

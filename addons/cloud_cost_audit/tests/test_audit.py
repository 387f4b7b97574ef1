import io
from decimal import Decimal

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row
from odoo.addons.cloud_cost_posting.tests.test_posting import PostingCase

NOVEMBER = ("2026-11-01", "2026-11-30")


@tagged("post_install", "-at_install")
class TestAudit(PostingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env, company = cls.env, cls.company
        currency = company.currency_id.name
        Rule = env["cloud.cost.mapping.rule"]
        Rule.create([
            {"name": "Retail team", "company_id": company.id, "match_tag_key": "team", "match_tag_value": "retail",
             "analytic_account_id": cls.retail.id},
            {"name": "Shared platform", "company_id": company.id, "match_tag_key": "platform",
             "match_tag_value": "shared", "cost_pool_id": cls.platform.id},
        ])
        rows = [
            focus_row(period="2026-11", day=2, BillingCurrency=currency, BilledCost="10.50", EffectiveCost="10.50",
                      Tags='{"team": "retail"}'),
            focus_row(period="2026-11", day=3, BillingCurrency=currency, BilledCost="20.25", EffectiveCost="20.25",
                      Tags='{"team": "retail"}', ChargeDescription='said "hello"\nacross two lines'),
            focus_row(period="2026-11", day=3, BillingCurrency=currency, BilledCost="99.99", EffectiveCost="90.00",
                      Tags='{"platform": "shared"}'),
            focus_row(period="2026-11", day=4, BillingCurrency=currency, BilledCost="30.01", EffectiveCost="30.01",
                      Tags='{"platform": "shared"}'),
            focus_row(period="2026-11", day=5, BillingCurrency=currency, BilledCost="5.00", EffectiveCost="5.00",
                      Tags=""),
        ]
        cls.bill = focus_csv(rows, gzip_it=True)
        cls.source._import_store(MemoryStore({"exports/focus-2026-11.csv.gz": cls.bill}))
        cls.set_driver(cls.cpu, {cls.retail: 3, cls.payments: 1}, period=NOVEMBER)

    def november_run(self):
        run = self.new_run(user=self.controller, date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        return run

    def trace(self, item):
        """From a journal item to the raw bill rows behind it, as an auditor clicks through."""
        env = self.env(user=self.auditor)
        lines = env["cloud.cost.allocation.line"].search(
            item.with_env(env).action_view_cloud_cost_allocation_lines()["domain"])
        costs = env["cloud.cost.allocation.run.cost"]
        for line in lines:
            costs |= costs.search(line.action_view_cost_lines()["domain"])
        return lines, costs.cost_line_id._source_rows()

    def test_from_a_posted_journal_item_to_the_exact_bill_rows_whose_effective_cost_sums_to_it(self):
        run = self.november_run()
        run.with_user(self.controller).action_post()
        items = run.move_ids.line_ids
        direct = items.filtered(lambda i: i.cloud_cost_side == "sender" and not i.cloud_cost_sender_pool_id)
        platform = items.filtered(lambda i: i.cloud_cost_sender_pool_id == self.platform)
        for item, expected_rows in ((direct, {1, 2}), (platform, {3, 4})):
            _lines, rows = self.trace(item)
            self.assertEqual({line.source_row for line in rows}, expected_rows)
            self.assertEqual({line.source_file for line in rows}, {"exports/focus-2026-11.csv.gz"})
            self.assertEqual(sum(Decimal(row["EffectiveCost"]) for row in rows.values()),
                             Decimal(str(item.credit)).quantize(Decimal("0.01")))
        # the row as it is in the file, quoted newline and all, and the file itself to download
        line = self.env["cloud.cost.line"].search([("source_file", "=", "exports/focus-2026-11.csv.gz"),
                                                   ("source_row", "=", 2)])
        self.assertIn('said \\"hello\\"\\nacross two lines', line.source_row_content)
        attachment_id = int(line.action_download_source_file()["url"].split("/")[3].split("?")[0])
        self.assertEqual(self.env["ir.attachment"].browse(attachment_id).raw, self.bill)

    def test_the_hash_seals_the_run_and_a_change_behind_the_orm_is_detected(self):
        run = self.november_run()
        self.assertEqual(len(run.content_hash), 64)
        self.assertTrue(run._verify_hash())
        run.with_user(self.controller).action_post()
        sealed = run.content_hash
        self.assertTrue(run._verify_hash())
        self.env.cr.execute("UPDATE cloud_cost_allocation_line SET amount = amount + 0.01 WHERE id = %s",
                            [run.line_ids[0].id])
        self.assertFalse(run._verify_hash())
        run.with_user(self.auditor).action_verify_hash()
        self.assertEqual((run.hash_check, run.content_hash), ("mismatch", sealed))
        self.assertIn("does NOT match", run.message_ids[0].body)
        # and the ORM refuses to change a posted run's lines at all
        with self.assertRaisesRegex(UserError, "part of the books"):
            run.line_ids[0].write({"amount": 1.0})

    def test_auditor_pack_workbook_has_its_sheets_and_the_run_totals(self):
        run = self.november_run()
        run.with_user(self.controller).action_post()
        workbook = openpyxl.load_workbook(io.BytesIO(run.with_user(self.auditor)._auditor_pack_xlsx()))
        self.assertEqual(workbook.sheetnames,
                         ["Summary", "Allocation Lines", "Drivers", "Rules Snapshot", "Source Files"])
        summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
        self.assertEqual(summary["Total cost"], run.total_cost)
        self.assertIn(run.content_hash, summary["Content hash"])
        sheet = workbook["Allocation Lines"]
        header = [cell.value for cell in sheet[1]]
        final = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[header.index("Final")]]
        self.assertAlmostEqual(sum(row[header.index("Amount")] for row in final), run.total_cost, places=2)
        drivers = list(workbook["Drivers"].iter_rows(min_row=2, values_only=True))
        self.assertIn(("[CPU] CPU core-hours", "Retail", 3.0), [(key, unit, float(value)) for key, unit, value in drivers])
        files = list(workbook["Source Files"].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(row[1], row[3]) for row in files], [("exports/focus-2026-11.csv.gz", 5)])
        self.assertIn('"drivers"', "".join(str(row[0]) for row in workbook["Rules Snapshot"].iter_rows(values_only=True)))

    def test_auditor_summary_pdf(self):
        run = self.november_run()
        pdf = run._auditor_pack_pdf()
        self.assertTrue(pdf.startswith(b"%PDF"))
        html = self.env["ir.actions.report"]._render_qweb_html(
            "cloud_cost_audit.cloud_cost_run_summary_report", run.ids)[0].decode()
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

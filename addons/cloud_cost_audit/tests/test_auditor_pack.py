"""The auditor pack as auditors export it: every cell data (never a formula), and both packs for a reader
who changes nothing."""

import io

import openpyxl

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AuditCase

FORMULA_NAMES = {
    "company": '=HYPERLINK("http://evil.example/steal","Open the bill")',
    "code": "=1+1",
    "retail": "+SUM(1,2)",
    "payments": "-2+3",
    "controller": "@cmd|' /C calc'!A0",
    "cpu": "\t=1+1",
}


@tagged("post_install", "-at_install")
class TestAuditorPack(AuditCase):
    def run_with_formula_names(self):
        self.company.name = FORMULA_NAMES["company"]
        self.policy.code = FORMULA_NAMES["code"]
        self.retail.name = FORMULA_NAMES["retail"]
        self.payments.name = FORMULA_NAMES["payments"]
        self.controller.name = FORMULA_NAMES["controller"]
        self.cpu.name = FORMULA_NAMES["cpu"]
        run = self.november_run(post=True)
        self.assertTrue(run.name.startswith("=1+1"))
        return run

    def cells(self, data):
        """{value: data type} of every cell of the workbook."""
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        return {
            cell.value: cell.data_type
            for sheet in workbook
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        }

    def test_names_that_look_like_formulas_are_written_as_text(self):
        run = self.run_with_formula_names()
        cells = self.cells(run.with_user(self.auditor)._auditor_pack_xlsx())
        self.assertFalse([value for value, kind in cells.items() if kind == "f"], "no formula cell at all")
        expected = {
            run.name: "s",  # the run
            FORMULA_NAMES["company"]: "s",
            f"[{FORMULA_NAMES['code']}] {self.policy.name}": "s",
            FORMULA_NAMES["retail"]: "s",  # a receiver
            FORMULA_NAMES["payments"]: "s",
            f"[{self.cpu.code}] {FORMULA_NAMES['cpu']}": "s",  # a driver's key
        }
        self.assertEqual({value: cells.get(value) for value in expected}, expected)
        by_controller = [value for value in cells if isinstance(value, str) and value.startswith("@cmd")]
        self.assertEqual({cells[value] for value in by_controller}, {"s"})  # computed and posted by
        self.assertIn(155.76, cells)  # figures stay numbers
        self.assertEqual(cells[155.76], "n")

    def test_an_auditor_exports_the_workbook_and_the_pdf_without_changing_the_run(self):
        run = self.november_run(post=True)
        auditor_run = run.with_user(self.auditor)
        action = auditor_run.action_auditor_pack_xlsx()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].with_user(self.auditor).browse(attachment_id)
        # bound to the run, readable by whoever reads the run, and the auditor's own export
        self.assertEqual((attachment.res_model, attachment.res_id), (run._name, run.id))
        self.assertEqual(attachment.sudo().create_uid, self.auditor)
        self.assertTrue([value for value in self.cells(attachment.raw) if run.content_hash in str(value)])
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.auditor)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("cloud_cost_audit.cloud_cost_run_summary_report", run.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # and the auditor still changes nothing
        with self.assertRaises(AccessError):
            auditor_run.check_access("write")
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(self.auditor).create(
                {"name": "forged.xlsx", "raw": b"PK", "res_model": run._name, "res_id": run.id}
            )

    def test_a_user_who_cannot_read_the_run_gets_no_pack(self):
        run = self.november_run()
        with self.assertRaises(AccessError):
            run.with_user(self.other_user).action_auditor_pack_xlsx()

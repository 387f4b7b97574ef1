"""Bill uploads and imports as a caller with an accountant's rights can drive them over RPC: the upload
wizard removes only the files uploaded into it, and a compressed file that expands too far is refused
with its name, before it takes memory, whichever way it comes in."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from ..models.cloud_cost_bill_import import ImportRefused
from .bill_files import focus_csv, focus_row, gzip_bomb
from .common_import import ImportCase
from .memory import PeakMemory

MB = 1 << 20


@tagged("post_install", "-at_install")
class TestUploads(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="cc_upload_accountant",
            groups="base.group_user,cloud_cost.group_cloud_cost_accountant",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.partner = cls.env["res.partner"].create({"name": "Supplier with a contract"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Bills Co"})
        cls.other_source = cls.env["cloud.cost.source"].create(
            {"name": "Theirs", "company_id": cls.other_company.id, "source_type": "upload"}
        )

    def wizard(self, attachments, env=None):
        env = env or self.env(user=self.accountant)
        return env["cloud.cost.import.wizard"].create(
            {"source_id": self.source.id, "company_id": self.company.id, "attachment_ids": [(6, 0, attachments.ids)]}
        )

    def state(self):
        """What an import would change: batches, lines, kept files, attachments and the source's outcome."""
        return (
            self.source.batch_ids.ids,
            self.line_count(),
            self.sql("SELECT count(*) FROM cloud_cost_import_file")[0][0],
            self.sql("SELECT count(*) FROM ir_attachment")[0][0],
            self.source.last_import_state,
        )

    # ------------------------------------------------------------------ attachments
    def test_the_wizard_removes_its_uploads_and_never_another_documents_attachments(self):
        env = self.env(user=self.accountant)
        november = focus_csv([focus_row(period="2026-11", day=d) for d in (1, 2)])
        december = focus_csv([focus_row(period="2026-12", day=1)])
        # a contract of a partner, readable by the accountant, that happens to be a bill
        theirs = self.env["ir.attachment"].create(
            {"name": "contract-bill.csv", "raw": november, "res_model": "res.partner", "res_id": self.partner.id}
        )
        # a file the accountant keeps unbound, and one uploaded into the wizard
        kept = env["ir.attachment"].create({"name": "my-copy.csv", "raw": november})
        upload = self.upload("december.csv", december, env=env)
        action = self.wizard(theirs | kept | upload).action_import()

        batches = self.env["cloud.cost.import.batch"].browse(action.get("res_id") or [])
        batches |= self.env["cloud.cost.import.batch"].search(action.get("domain") or [("id", "=", 0)])
        self.assertEqual(sorted(batches.mapped("row_count")), [1, 2])
        self.assertFalse(upload.exists(), "the upload served its purpose")
        self.assertTrue(theirs.exists() and kept.exists())
        self.assertEqual((theirs.res_model, theirs.res_id, theirs.raw), ("res.partner", self.partner.id, november))
        self.assertEqual(kept.raw, november)

    def test_an_attachment_the_caller_cannot_read_is_refused_and_kept(self):
        theirs = self.env["ir.attachment"].create(
            {
                "name": "their-bill.csv",
                "raw": focus_csv([focus_row()]),
                "res_model": "cloud.cost.source",
                "res_id": self.other_source.id,
            }
        )
        before = self.state()
        with self.assertRaises(AccessError):
            self.wizard(theirs).action_import()
        self.assertEqual(self.state(), before)
        self.assertEqual(theirs.raw, focus_csv([focus_row()]))

    # ------------------------------------------------------------------ compressed input
    def test_a_gzip_bomb_uploaded_is_refused_by_name_and_nothing_is_written(self):
        bomb = gzip_bomb(600)  # under 1 MB, expanding to 600 MB of bill rows
        upload = self.upload("focus-2026-10.csv.gz", bomb, env=self.env(user=self.accountant))
        wizard = self.wizard(upload)
        before = self.state()
        with PeakMemory() as peak, self.assertRaises(ImportRefused) as refusal:
            wizard.action_import()
        message = str(refusal.exception.args[0])
        self.assertTrue(message.startswith("focus-2026-10.csv.gz: refused: decompressed"), message)
        self.assertIn("200 times its compressed size", message)
        self.assertLess(peak.growth, 200 * MB, str(peak))
        self.assertEqual(self.state(), before)

    def test_a_gzip_bomb_in_a_folder_is_refused_and_the_refusal_kept_on_the_source(self):
        self.write("exports/focus-2026-10.csv.gz", gzip_bomb(600))
        self.write("exports/focus-2026-09.csv", focus_csv([focus_row(period="2026-09")]))
        with PeakMemory() as peak:
            self.assertIsNone(self.source._import_and_record())
        self.assertLess(peak.growth, 200 * MB, str(peak))
        self.assertEqual(self.source.last_import_state, "failed")
        self.assertIn("exports/focus-2026-10.csv.gz: refused", self.source.last_import_message)
        self.assertFalse(self.source.batch_ids, "the good file of the same run is not imported either")
        self.assertEqual(self.line_count(), 0)

    def test_the_limits_come_from_the_server_configuration(self):
        rows = [focus_row(day=1 + n % 28, ResourceId=f"i-{n:08x}", BilledCost=f"{n}.25") for n in range(3000)]
        self.write("focus-2026-10.csv", focus_csv(rows))
        self.assertGreater(len(focus_csv(rows)), 1 * MB)
        with (
            patch.dict(config.options, {"cloud_cost_max_uncompressed_mb": "1"}),
            self.assertRaisesRegex(
                ImportRefused,
                r"focus-2026-10.csv: refused: it holds 1.\d MB, more than the "
                r"1 MB allowed \(server option cloud_cost_max_uncompressed_mb\)",
            ),
        ):
            self.source._run_import()
        self.assertEqual(self.line_count(), 0)
        with (
            patch.dict(config.options, {"cloud_cost_max_expansion_ratio": "many"}),
            self.assertRaisesRegex(UserError, "cloud_cost_max_expansion_ratio is not a number: many"),
        ):
            self.source._run_import()
        self.assertEqual(self.source._run_import().rows, 3000)

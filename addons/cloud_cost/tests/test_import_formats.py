import json
from decimal import Decimal

from odoo.tests import tagged

from ..models.cloud_cost_bill_import import ImportRefused
from .common_import import ImportCase
from .test_bill_formats import CUR2_HEADER, FOCUS_1_4_HEADER, cur2_row, focus_1_4_row
from .test_bill_formats import to_csv as focus_to_csv
from .test_bill_formats_azure import GERMAN_HEADER, PAYG_HEADER, german_rows, payg_row, to_csv


@tagged("post_install", "-at_install")
class TestImportFormats(ImportCase):
    """Bills of every layout imported by content into one source that detects the format."""

    def setUp(self):
        super().setUp()
        self.source.bill_format = "auto"

    def lines(self, batch, *names):
        return self.sql(f"SELECT {', '.join(names)} FROM cloud_cost_line WHERE batch_id = %s ORDER BY source_row",
                        batch.id)  # fmt: skip

    def test_legacy_and_localized_azure_files_import_with_their_exact_totals(self):
        payg = [
            payg_row(Currency="EUR", UsageDateTime="2026-09-29T00:00:00.0000000Z", PreTaxCost="4.6080000001"),
            payg_row(Currency="EUR", UsageDateTime="2026-09-30", PreTaxCost="0.00010368", Tags=""),
        ]
        self.write("usage-2026-09.csv", to_csv(payg, PAYG_HEADER))
        self.write("Nutzungsdetails-2026-10.csv", to_csv(german_rows(), list(GERMAN_HEADER.values()), bom=True))
        result = self.source._run_import()

        september, october = result.batches
        self.assertEqual((str(september.billing_period_start), september.row_count), ("2026-09-01", 2))
        self.assertEqual(
            self.totals(september), {("Usage", "EUR"): (2, Decimal("4.6081036801"), Decimal("4.6081036801"))}
        )
        self.assertEqual(
            (str(october.billing_period_start), str(october.billing_period_end)), ("2026-10-01", "2026-10-31")
        )
        self.assertEqual(self.totals(october), {
            ("Usage", "EUR"): (2, Decimal("2.4000000123"), Decimal("2.4000000123")),
            ("Purchase", "EUR"): (1, Decimal("19.99"), Decimal("19.99")),
        })  # fmt: skip
        self.assertEqual(
            self.lines(september, "provider_name", "sub_account", "service_category", "resource", "tags::text"),
            [("Microsoft", "2639de71-ca37-4a17-a104-17665a50e7fc", "Virtual Machines", payg[0]["InstanceId"],
              '{"project": "p1"}'),
             ("Microsoft", "2639de71-ca37-4a17-a104-17665a50e7fc", "Virtual Machines", payg[0]["InstanceId"], None)],
        )  # fmt: skip
        extra = self.lines(october, "provider_extra")[0][0]
        self.assertEqual(extra["MeterSubCategory"], "D Series")

    def test_a_refused_azure_row_names_file_row_and_column_and_writes_nothing(self):
        rows = [payg_row(Currency="EUR"), payg_row(Currency="EUR"), payg_row(Currency="EUR", PreTaxCost="1.2.3")]
        self.write("usage.csv", to_csv(rows, PAYG_HEADER))
        with self.assertRaises(ImportRefused) as refusal:
            self.source._run_import()
        self.assertEqual(refusal.exception.args[0], "usage.csv, row 3, column PreTaxCost: not a number: '1.2.3'")
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.source.batch_ids)

    def test_a_focus_1_4_file_imports_with_its_exact_totals_and_keeps_its_new_columns(self):
        rows = [
            focus_1_4_row(day=1, BilledCost="12.3456789012", EffectiveCost="10.0000000001"),
            focus_1_4_row(day=2, BilledCost="0.0000000001", EffectiveCost="0.0000000003", ContractApplied=""),
            focus_1_4_row(
                day=3,
                BilledCost="30",
                EffectiveCost="30",
                ChargeCategory="Purchase",
                ServiceProviderName="Snowflake",
                HostProviderName="AWS",
            ),
            focus_1_4_row(day=3, BilledCost="-2.5", EffectiveCost="-2.5", ChargeCategory="Credit"),
        ]
        self.write("focus-1.4-2026-10.csv", focus_to_csv(rows, header=FOCUS_1_4_HEADER))
        batch = self.source._run_import().batches[0]
        self.assertEqual(self.totals(batch), {
            ("Usage", "EUR"): (2, Decimal("12.3456789013"), Decimal("10.0000000004")),
            ("Purchase", "EUR"): (1, Decimal("30"), Decimal("30")),
            ("Credit", "EUR"): (1, Decimal("-2.5"), Decimal("-2.5")),
        })  # fmt: skip
        stored = self.lines(batch, "provider_name", "invoice_number", "provider_extra")
        self.assertEqual([(p, i) for p, i, _e in stored],
                         [("AWS", "EUINDE26-123"), ("AWS", "EUINDE26-123"), ("Snowflake", "EUINDE26-123"),
                          ("AWS", "EUINDE26-123")])  # fmt: skip
        extra = stored[0][2]
        self.assertEqual(extra["InvoiceDetailId"], "EUINDE26-123-0042")
        self.assertEqual(extra["HostProviderName"], "AWS")
        self.assertEqual(json.loads(extra["ContractApplied"])["Elements"][0]["ContractCommitmentId"], "cc-1")
        self.assertIn("12.3456789012", extra["ContractApplied"])
        self.assertEqual(json.loads(extra["CommitmentProgramEligibilityDetails"])["Elements"][0][
            "CommitmentProgramType"], "Savings Plan")  # fmt: skip

    def test_a_bill_under_another_name_is_imported_and_the_rest_of_the_folder_left_aside(self):
        cur = focus_to_csv(
            [
                cur2_row("Usage", "0.384", line_item_currency_code="EUR"),
                cur2_row("Usage", "0", line_item_currency_code="EUR"),
            ],
            header=CUR2_HEADER,
        )
        self.write("cur-2026-10.log", cur)
        self.write("notes.txt", b"Ask the payer account for the November export.\n")
        result = self.source._run_import()
        batch = result.batches[0]
        self.assertEqual(batch.file_ids.name, "cur-2026-10.log")
        self.assertEqual(self.totals(batch), {("Usage", "EUR"): (2, Decimal("0.384"), Decimal("0.384"))})
        self.assertEqual(len(result.notes), 1)
        self.assertTrue(result.notes[0].startswith("notes.txt: left aside, not a bill: its first line"))
        self.assertIn("notes.txt: left aside", result.summary())

    def test_an_upload_that_is_no_bill_is_refused_with_its_name_and_why(self):
        attachment = self.env["ir.attachment"].create({"name": "invoice.pdf", "raw": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"})
        wizard = self.env["cloud.cost.import.wizard"].create(
            {"source_id": self.source.id, "company_id": self.company.id, "attachment_ids": [(6, 0, attachment.ids)]}
        )
        with self.assertRaises(ImportRefused) as refusal:
            wizard.action_import()
        self.assertTrue(refusal.exception.args[0].startswith("invoice.pdf: not a bill"), refusal.exception.args[0])
        self.assertEqual(self.line_count(), 0)

    def test_an_empty_export_and_a_folder_without_bills_say_so(self):
        self.write("focus-2026-11.csv", focus_to_csv([], header=FOCUS_1_4_HEADER))
        result = self.source._run_import()
        self.assertEqual((result.batches, result.empty), ([], ["focus-2026-11.csv"]))
        self.assertEqual(result.notes, ["focus-2026-11.csv: an empty export (a header and no rows), nothing to import"])
        self.assertFalse(result.nothing_read())

        self.remove("focus-2026-11.csv")
        self.write("README.md", b"# Bills\n")
        self.source._import_and_record()
        self.assertEqual(
            self.source.last_import_message.splitlines()[:2],
            ["0 batch(es), 0 row(s) imported", "nothing imported: no bill file found, see below"],
        )
        self.assertIn("README.md: left aside, not a bill", self.source.last_import_message)

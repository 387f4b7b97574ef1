import json
from decimal import Decimal
from pathlib import Path

from odoo.tests import new_test_user, tagged

from ..models.cloud_cost_bill_import import ImportRefused
from .bill_files import focus_csv, focus_row
from .common_import import ImportCase


def october_rows():
    return [
        focus_row(day=1, BilledCost="12.3456789012", EffectiveCost="10.0000000001"),
        focus_row(
            day=2,
            BilledCost="0.0000000001",
            EffectiveCost="0.0000000003",
            ServiceName="AWS Backup",
            Tags=json.dumps({"team": "platform", "tenant": "acme"}),
        ),
        focus_row(day=3, BilledCost="-2.5000000000", EffectiveCost="-2.5000000000", ChargeCategory="Credit", Tags="{}"),
        focus_row(
            day=3,
            BilledCost="1.1900000000",
            EffectiveCost="1.1900000000",
            ChargeCategory="Tax",
            ServiceName="Tax",
            ResourceId="",
            Tags="",
        ),
        focus_row(
            day=4,
            BilledCost="100.0000000005",
            EffectiveCost="90.1234567891",
            ChargeCategory="Purchase",
            ChargeDescription="Savings Plan upfront fee",
        ),
    ]


@tagged("post_install", "-at_install")
class TestImportPipeline(ImportCase):
    def test_batch_totals_are_the_exact_sums_of_the_file(self):
        rows = october_rows()
        data = focus_csv(rows, gzip_it=True)
        self.write("focus-2026-10.csv.gz", data)
        result = self.source._run_import()

        self.assertEqual(len(result.batches), 1)
        batch = result.batches[0]
        self.assertEqual(batch.state, "imported")
        self.assertEqual((str(batch.billing_period_start), str(batch.billing_period_end)), ("2026-10-01", "2026-10-31"))
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(self.line_count(batch), 5)
        totals = self.totals(batch)
        for category in ("Usage", "Credit", "Tax", "Purchase"):
            n = sum(1 for r in rows if r["ChargeCategory"] == category)
            self.assertEqual(
                totals[(category, "EUR")],
                (
                    n,
                    self.sums(rows, "BilledCost", ChargeCategory=category),
                    self.sums(rows, "EffectiveCost", ChargeCategory=category),
                ),
            )
        billed, effective = self.sql(
            "SELECT sum(billed_cost)::text, sum(effective_cost)::text FROM cloud_cost_line WHERE batch_id = %s",
            batch.id,
        )[0]
        self.assertEqual(Decimal(billed), self.sums(rows, "BilledCost"))
        self.assertEqual(Decimal(effective), self.sums(rows, "EffectiveCost"))
        # company amounts are the same currency here: exactly the bill's, never rounded per line
        self.assertEqual(
            self.sql(
                "SELECT billed_cost_company::text FROM cloud_cost_line WHERE batch_id = %s ORDER BY source_row",
                batch.id,
            ),
            [("12.3456789012",), ("0.0000000001",), ("-2.5000000000",), ("1.1900000000",), ("100.0000000005",)],
        )

        # provenance: every line names its file and row; the file is kept with its checksum
        self.assertEqual(
            self.sql(
                "SELECT source_file, source_row FROM cloud_cost_line WHERE batch_id = %s ORDER BY source_row", batch.id
            ),
            [("focus-2026-10.csv.gz", n) for n in range(1, 6)],
        )
        self.assertEqual(batch.file_ids.mapped("name"), ["focus-2026-10.csv.gz"])
        self.assertEqual(batch.file_ids.sha256, self.sha256(data))
        self.assertEqual(batch.file_ids.row_count, 5)
        self.assertEqual(batch.file_ids.attachment_id.raw, data)
        self.assertEqual(self.source.batch_ids, batch)

    def test_the_bill_file_is_kept_in_the_filestore_as_ir_attachment_keeps_files(self):
        import hashlib
        from unittest.mock import patch

        data = focus_csv(october_rows(), gzip_it=True)
        self.write("focus-2026-10.csv.gz", data)
        Attachment = type(self.env["ir.attachment"])
        with patch.object(Attachment, "_get_datas_related_values", side_effect=AssertionError("bytes handed over")):
            batch = self.source._run_import().batches[0]
        attachment = batch.file_ids.attachment_id
        sha1 = hashlib.sha1(data).hexdigest()  # noqa: S324 - ir.attachment's naming
        # copied a piece at a time where ir.attachment would have put it, and read back as any attachment
        self.assertEqual(
            (attachment.store_fname, attachment.checksum, attachment.file_size), (f"{sha1[:2]}/{sha1}", sha1, len(data))
        )
        with open(attachment._full_path(attachment.store_fname), "rb") as kept:
            self.assertEqual(kept.read(), data)
        self.assertEqual(attachment.raw, data)
        self.assertEqual(
            (attachment.res_model, attachment.res_id, attachment.mimetype),
            ("cloud.cost.import.batch", batch.id, "application/octet-stream"),
        )
        self.assertEqual(batch.file_ids.size, len(data))
        # nothing else of the copy is left in the filestore
        leftovers = [p for p in Path(attachment._filestore()).iterdir() if p.name.startswith(".cloud-cost-")]
        self.assertEqual(leftovers, [])

    def test_a_copy_kept_before_a_later_file_is_refused_goes_with_the_filestore_garbage(self):
        import hashlib

        good = focus_csv(october_rows())
        rows = october_rows()
        rows[3]["BilledCost"] = "twelve"
        keys = ["data/part-1.csv", "data/part-2.csv"]
        self.write(keys[0], good)
        self.write(keys[1], focus_csv(rows))
        self.write(
            "metadata/acme-Manifest.json",
            json.dumps({"billingPeriod": "2026-10", "dataFiles": [f"s3://bucket/{key}" for key in keys]}).encode(),
        )
        with self.assertRaisesRegex(ImportRefused, r"data/part-2.csv, row 4, column BilledCost: not a number"):
            self.source._run_import()
        self.assertEqual(self.line_count(), 0)
        Attachment = self.env["ir.attachment"]
        sha1 = hashlib.sha1(good).hexdigest()  # noqa: S324 - ir.attachment's naming
        kept = Path(Attachment._full_path(f"{sha1[:2]}/{sha1}"))
        self.assertTrue(kept.exists(), "part-1 was kept before part-2 was read")
        self.assertFalse(Attachment.search([("checksum", "=", sha1)]))
        Attachment._gc_file_store_unsafe()  # what the filestore's garbage collection does for files no one holds
        self.assertFalse(kept.exists())

    def test_the_same_file_twice_leaves_one_set_of_lines(self):
        self.write("focus-2026-10.csv", focus_csv(october_rows()))
        first = self.source._run_import()
        again = self.source._run_import()
        self.assertEqual(len(first.batches), 1)
        self.assertEqual(again.batches, [])
        self.assertEqual(again.unchanged, ["focus-2026-10.csv"])
        self.assertEqual(self.line_count(), 5)
        self.assertEqual(self.source.batch_ids, first.batches[0])
        # the same content under another name is the same file
        self.write("copy/of-the-same.csv", focus_csv(october_rows()))
        self.remove("focus-2026-10.csv")
        self.assertEqual(self.source._run_import().batches, [])
        self.assertEqual(self.line_count(), 5)

    def test_a_restated_month_supersedes_the_earlier_batch_and_shows_the_difference(self):
        rows = october_rows()
        self.write("focus-2026-10.csv", focus_csv(rows))
        old = self.source._run_import().batches[0]

        restated = october_rows()
        restated[0]["BilledCost"] = "13.3456789012"  # +1 on usage
        restated[0]["EffectiveCost"] = "11.0000000001"
        restated.pop(2)  # the credit is withdrawn
        restated.append(focus_row(day=5, ChargeCategory="Adjustment", BilledCost="0.75", EffectiveCost="0.75"))
        self.write("focus-2026-10.csv", focus_csv(restated))
        new = self.source._run_import().batches[0]

        self.assertEqual(old.state, "superseded")
        self.assertEqual(old.superseded_by_id, new)
        self.assertEqual(new.state, "imported")
        self.assertEqual(new.previous_batch_id, old)
        # the earlier batch and its lines are kept for the audit trail
        self.assertEqual((self.line_count(old), self.line_count(new)), (5, 5))
        totals = self.totals(new)
        self.assertEqual(totals[("Usage", "EUR")][1], self.sums(restated, "BilledCost", ChargeCategory="Usage"))
        self.assertEqual(totals[("Credit", "EUR")], (0, Decimal(0), Decimal(0)))
        differences = dict(
            ((c, cur), (Decimal(b), Decimal(e)))
            for c, cur, b, e in self.sql(
                """SELECT charge_category, billing_currency, billed_cost_difference::text,
                          effective_cost_difference::text
                     FROM cloud_cost_import_total WHERE batch_id = %s""",
                new.id,
            )
        )
        self.assertEqual(differences[("Usage", "EUR")], (Decimal(1), Decimal(1)))
        self.assertEqual(differences[("Credit", "EUR")], (Decimal("2.5"), Decimal("2.5")))
        self.assertEqual(differences[("Adjustment", "EUR")], (Decimal("0.75"), Decimal("0.75")))
        self.assertEqual(differences[("Tax", "EUR")], (Decimal(0), Decimal(0)))
        self.assertAlmostEqual(new.billed_cost_difference, 1 + 2.5 + 0.75, places=2)
        self.assertAlmostEqual(new.billed_cost_total - old.billed_cost_total, new.billed_cost_difference, places=2)
        # reports and allocations read the current batch only
        current = self.env["cloud.cost.line"].search(
            [("batch_id.state", "=", "imported"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(current), 5)

    def test_one_batch_per_billing_period_and_only_bill_files_are_read(self):
        self.write("2026-09/focus.csv", focus_csv([focus_row(period="2026-09", day=d) for d in (1, 2)]))
        self.write("2026-10/focus.csv", focus_csv([focus_row(period="2026-10", day=d) for d in (1, 2, 3)]))
        self.write("README.txt", b"exports of the payer account")
        result = self.source._run_import()
        self.assertEqual([str(b.billing_period_start) for b in result.batches], ["2026-09-01", "2026-10-01"])
        self.assertEqual([b.row_count for b in result.batches], [2, 3])
        self.assertEqual([b.file_ids.name for b in result.batches], ["2026-09/focus.csv", "2026-10/focus.csv"])
        self.assertEqual(self.source.last_import_state, False)  # only buttons and schedules record it
        self.source._import_and_record()
        self.assertEqual(self.source.last_import_state, "unchanged")

    def test_bad_input_is_refused_whole_naming_file_row_and_column(self):
        self.write("focus-2026-10.csv", focus_csv(october_rows()))
        batch = self.source._run_import().batches[0]
        before = self.sql("SELECT count(*), sum(billed_cost)::text FROM cloud_cost_line")

        # a restatement whose seventh row is broken: the first chunks are read and stored before it
        rows = [focus_row(day=d, BilledCost="2") for d in range(1, 10)]
        rows[6]["BilledCost"] = "12,5O"
        self.write("focus-2026-10.csv", focus_csv(rows))
        # two rows at a time: the first chunks are stored before the bad row is read
        self.patch(type(self.env["cloud.cost.bill.import"]), "_import_chunk_rows", 2)
        source = self.source
        with self.assertRaises(ImportRefused) as refusal:
            source._run_import()
        message = str(refusal.exception.args[0])
        self.assertIn("focus-2026-10.csv", message)
        self.assertIn("7", message)
        self.assertIn("BilledCost", message)
        self.assertEqual(self.sql("SELECT count(*), sum(billed_cost)::text FROM cloud_cost_line"), before)
        self.assertEqual(self.source.batch_ids, batch)
        self.assertEqual(batch.state, "imported")
        self.assertFalse(batch.superseded_by_id)

        # through the schedule, the refusal is kept on the source, and nothing else
        source._import_and_record()
        self.assertEqual(self.source.last_import_state, "failed")
        self.assertIn("BilledCost", self.source.last_import_message)
        self.assertEqual(self.sql("SELECT count(*), sum(billed_cost)::text FROM cloud_cost_line"), before)

    def test_mapping_rules_classify_at_import_and_the_rest_stays_unallocated(self):
        plan = self.env["account.analytic.plan"].create({"name": "BU"})
        payments = self.env["account.analytic.account"].create(
            {"name": "Payments", "code": "PAY", "plan_id": plan.id, "company_id": self.company.id}
        )
        Rule = self.env["cloud.cost.mapping.rule"]
        Rule.create(
            {
                "name": "payments team",
                "company_id": self.company.id,
                "sequence": 1,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "analytic_account_id": payments.id,
            }
        )
        Rule.create(
            {
                "name": "tenant from tag",
                "company_id": self.company.id,
                "sequence": 2,
                "value_tag_key": "tenant",
                "value_target": "tenant",
            }
        )
        self.write("focus.csv", focus_csv(october_rows()))
        batch = self.source._run_import().batches[0]
        lines = self.env["cloud.cost.line"].search([("batch_id", "=", batch.id)], order="source_row")
        self.assertEqual(lines.mapped(lambda line: line.analytic_account_id.code), ["PAY", False, False, False, "PAY"])
        self.assertEqual(lines.mapped("tenant"), [False, "acme", False, False, False])
        self.assertEqual(lines.mapped("is_unallocated"), [False, True, True, True, False])
        # unallocated effective cost in EUR: 0.00 + (-2.50) + 1.19
        self.assertAlmostEqual(batch.unallocated_cost, -1.31, places=2)

    def test_upload_wizard_imports_files_into_a_batch(self):
        data = focus_csv(october_rows())
        attachment = self.upload("october.csv", data)
        wizard = self.env["cloud.cost.import.wizard"].create(
            {"source_id": self.source.id, "company_id": self.company.id, "attachment_ids": [(6, 0, attachment.ids)]}
        )
        action = wizard.action_import()
        batch = self.env["cloud.cost.import.batch"].browse(action["res_id"])
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(batch.file_ids.sha256, self.sha256(data))
        self.assertFalse(attachment.exists())
        # uploading it again says so and changes nothing
        attachment = self.upload("october.csv", data)
        wizard = self.env["cloud.cost.import.wizard"].create(
            {"source_id": self.source.id, "company_id": self.company.id, "attachment_ids": [(6, 0, attachment.ids)]}
        )
        wizard.action_import()
        self.assertIn("already imported", wizard.result_message)
        self.assertEqual(self.line_count(), 5)

    def test_an_impossible_date_is_refused_naming_its_row(self):
        rows = [focus_row(day=d) for d in (1, 2, 3)]
        rows[2]["ChargePeriodStart"] = "2026-10-32T00:00:00Z"
        self.write("focus-bad-date.csv", focus_csv(rows))
        with self.assertRaises(ImportRefused) as refusal:
            self.source._run_import()
        message = str(refusal.exception.args[0])
        self.assertIn("focus-bad-date.csv", message)
        self.assertIn("row 3", message)
        self.assertRegex(message.lower(), "charge_?period_?start")
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.source.batch_ids)

    def test_an_accountant_uploads_bills_without_administrator_rights(self):
        accountant = new_test_user(
            self.env,
            login="cc_bill_accountant",
            groups="base.group_user,cloud_cost.group_cloud_cost_accountant",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        env = self.env(user=accountant)
        attachment = self.upload("october.csv", focus_csv(october_rows()), env=env)
        wizard = env["cloud.cost.import.wizard"].create(
            {"source_id": self.source.id, "company_id": self.company.id, "attachment_ids": [(6, 0, attachment.ids)]}
        )
        batch = env["cloud.cost.import.batch"].browse(wizard.action_import()["res_id"])
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(len(batch.line_ids), 5)
        self.assertEqual(self.source.last_import_state, "done")


@tagged("post_install", "-at_install")
class TestLargeExports(ImportCase):
    """The files of an export are each opened once, hashed, then imported from the same open file, a piece
    at a time."""

    def write_export(self):
        keys = [f"data/BILLING_PERIOD=2026-10/part-{n}.csv" for n in (1, 2)]
        for n, key in enumerate(keys, 1):
            self.write(key, focus_csv([focus_row(day=n, BilledCost=f"{n}.5")] * (10 * n)))
        self.write(
            "metadata/BILLING_PERIOD=2026-10/acme-Manifest.json",
            json.dumps({"billingPeriod": "2026-10", "dataFiles": [f"s3://bucket/{key}" for key in keys]}).encode(),
        )

    def test_each_file_is_opened_once_and_read_a_piece_at_a_time(self):
        from unittest.mock import patch

        from ..core.bill_stores import LocalStore

        self.write_export()
        opened, reads = [], {}
        open_file = LocalStore.open

        class Watched:
            """The stream of a file, each read's size noted."""

            def __init__(self, key, stream):
                self.key, self.stream = key, stream

            def read(self, size=-1):  # pylint: disable=method-required-super
                reads.setdefault(self.key, []).append(size)
                return self.stream.read(size)

            def __getattr__(self, name):
                return getattr(self.stream, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                self.stream.close()

        def watched_open(store, key):
            opened.append(key)
            return Watched(key, open_file(store, key))

        with patch.object(LocalStore, "open", watched_open):
            batch = self.source._run_import().batches[0]
        self.assertEqual(batch.row_count, 30)
        self.assertEqual(sorted(batch.file_ids.mapped("row_count")), [0, 10, 20])  # the manifest, two parts
        self.assertEqual(self.totals(batch)[("Usage", "EUR")][1:], (Decimal("65"), Decimal("30")))
        # the manifest once to plan, each part once: hashed, parsed and kept from the same open file
        self.assertEqual(
            sorted(opened),
            [
                "data/BILLING_PERIOD=2026-10/part-1.csv",
                "data/BILLING_PERIOD=2026-10/part-2.csv",
                "metadata/BILLING_PERIOD=2026-10/acme-Manifest.json",
            ],
        )
        for key in opened[1:]:
            self.assertTrue(reads[key] and all(0 < size <= 4 << 20 for size in reads[key]), (key, reads[key]))

    def test_a_file_changed_while_it_is_imported_is_refused_and_nothing_written(self):
        from unittest.mock import patch

        from ..models.cloud_cost_bill_import import CloudCostBillImport

        self.write_export()
        import_file = CloudCostBillImport._import_file
        part = self.folder / "data/BILLING_PERIOD=2026-10/part-2.csv"

        def change_then_import(importer, run, obj, stream, fmt):
            if obj.name.endswith("part-2.csv"):
                # rewritten in place after it was hashed: the open file reads the new bytes
                with open(part, "r+b") as rewrite:
                    rewrite.write(part.read_bytes().replace(b"2.5", b"9.5"))
            return import_file(importer, run, obj, stream, fmt)

        with (
            patch.object(CloudCostBillImport, "_import_file", change_then_import),
            self.assertRaisesRegex(ImportRefused, "part-2.csv changed while it was being imported"),
        ):
            self.source._run_import()
        self.assertFalse(self.source.batch_ids)
        self.assertEqual(self.line_count(), 0)

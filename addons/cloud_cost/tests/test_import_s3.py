"""The S3 source over real HTTP, against moto's S3 server, with an AWS Data Exports layout."""

import gzip
import json

import boto3
from moto.server import ThreadedMotoServer

from odoo.tests import tagged

from ..models.cloud_cost_bill_import import ImportRefused
from .bill_files import focus_csv, focus_row
from .common_import import ImportCase
from .server_options import server_options
from .test_bill_formats import CUR2_HEADER, cur2_row, to_csv

BUCKET = "acme-billing"
PREFIX = "exports/cur2/acme/"
KEYS = {"aws_access_key_id": "AKIATESTTESTTEST", "aws_secret_access_key": "test-secret"}


def manifest(period, data_keys, **extra):
    """A Data Exports manifest (metadata/BILLING_PERIOD=.../<export>-Manifest.json)."""
    return json.dumps(
        {
            "exportArn": "arn:aws:bcm-data-exports:us-east-1:111111111111:export/acme-0a1b2c",
            "exportName": "acme",
            "billingPeriod": period,
            "bucket": BUCKET,
            "dataFiles": [f"s3://{BUCKET}/{key}" for key in data_keys],
            "executionId": f"exec-{period}",
            **extra,
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestImportS3(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"
        # the test's own S3 on this machine: allowed by the configuration, as an administrator would
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"{host}:{port}"))
        cls.s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=cls.endpoint, **KEYS)
        cls.s3_source = cls.env["cloud.cost.source"].create(
            {
                "name": "AWS Data Exports",
                "company_id": cls.company.id,
                "source_type": "s3",
                "bill_format": "focus",
                "s3_bucket": BUCKET,
                "s3_prefix": PREFIX,
                "s3_region": "us-east-1",
                "s3_endpoint_url": cls.endpoint,
                **KEYS,
            }
        )

    def setUp(self):
        super().setUp()
        self.s3.create_bucket(Bucket=BUCKET)
        self.addCleanup(self._empty_bucket)

    def _empty_bucket(self):
        for item in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            self.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        self.s3.delete_bucket(Bucket=BUCKET)

    def put(self, key, data):
        self.s3.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=data)
        return PREFIX + key

    def export_october(self):
        part1 = self.put(
            "data/BILLING_PERIOD=2026-10/acme-00001.csv.gz",
            focus_csv([focus_row(day=d, BilledCost="1.0000000001") for d in (1, 2, 3)], gzip_it=True),
        )
        part2 = self.put(
            "data/BILLING_PERIOD=2026-10/acme-00002.csv.gz",
            focus_csv([focus_row(day=d, BilledCost="2.5") for d in (4, 5)], gzip_it=True),
        )
        # left over from an earlier run of the export: no manifest lists it
        self.put(
            "data/BILLING_PERIOD=2026-10/acme-00009.csv.gz",
            focus_csv([focus_row(day=9, BilledCost="1000")], gzip_it=True),
        )
        self.put("metadata/BILLING_PERIOD=2026-10/acme-Manifest.json", manifest("2026-10", [part1, part2]))
        return part1, part2

    def test_reads_only_the_files_a_complete_manifest_lists(self):
        part1, part2 = self.export_october()
        result = self.s3_source._run_import()
        self.assertEqual(len(result.batches), 1)
        batch = result.batches[0]
        self.assertEqual(str(batch.billing_period_start), "2026-10-01")
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(self.totals(batch)[("Usage", "EUR")][1], 3 * self.sums([{"c": "1.0000000001"}], "c") + 5)
        data_files = batch.file_ids.filtered(lambda f: f.kind == "data")
        self.assertEqual(sorted(data_files.mapped("name")), [part1, part2])
        self.assertEqual(sorted(data_files.mapped("row_count")), [2, 3])
        self.assertEqual(
            batch.file_ids.filtered(lambda f: f.kind == "manifest").name,
            PREFIX + "metadata/BILLING_PERIOD=2026-10/acme-Manifest.json",
        )
        self.assertEqual(
            self.sql("SELECT DISTINCT source_file FROM cloud_cost_line WHERE batch_id = %s ORDER BY 1", batch.id),
            [(part1,), (part2,)],
        )
        # the same manifest again: nothing to do, not even a download
        again = self.s3_source._run_import()
        self.assertEqual(again.batches, [])
        self.assertEqual(self.line_count(), 5)

    def test_an_incomplete_export_waits_for_a_later_run(self):
        self.export_october()
        november = self.put(
            "data/BILLING_PERIOD=2026-11/acme-00001.csv.gz",
            focus_csv([focus_row(period="2026-11", day=1)], gzip_it=True),
        )
        self.put("metadata/BILLING_PERIOD=2026-11/acme-Manifest.json", manifest("2026-11", [november], complete=False))
        result = self.s3_source._run_import()
        self.assertEqual([str(b.billing_period_start) for b in result.batches], ["2026-10-01"])
        self.assertTrue(any("2026-11" in note for note in result.notes), result.notes)

    def test_a_manifest_pointing_at_a_missing_file_is_refused_whole(self):
        part1, part2 = self.export_october()
        self.s3.delete_object(Bucket=BUCKET, Key=part2)
        with self.assertRaises(ImportRefused) as refusal:
            self.s3_source._run_import()
        message = str(refusal.exception.args[0])
        self.assertIn("acme-Manifest.json", message)
        self.assertIn("acme-00002.csv.gz", message)
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.s3_source.batch_ids)

    def test_a_restated_export_supersedes_the_period(self):
        part1, _part2 = self.export_october()
        first = self.s3_source._run_import().batches[0]
        # AWS rewrites the period's files and manifest while the month is restated
        part1 = self.put(
            "data/BILLING_PERIOD=2026-10/acme-00001.csv.gz",
            focus_csv([focus_row(day=d, BilledCost="1.5") for d in (1, 2, 3)], gzip_it=True),
        )
        self.put("metadata/BILLING_PERIOD=2026-10/acme-Manifest.json", manifest("2026-10", [part1]))
        second = self.s3_source._run_import().batches[0]
        self.assertEqual(first.state, "superseded")
        self.assertEqual(second.previous_batch_id, first)
        self.assertEqual(self.totals(second)[("Usage", "EUR")][1], 3 * self.sums([{"c": "1.5"}], "c"))

    def test_cur2_data_files_become_focus_lines(self):
        eur = {"line_item_currency_code": "EUR"}
        rows = [
            cur2_row("Usage", "0.3840000000", **eur),
            cur2_row(
                "SavingsPlanCoveredUsage",
                "0.384",
                savings_plan_savings_plan_effective_cost="0.27",
                savings_plan_savings_plan_a_r_n="arn:aws:savingsplans::999999999999:savingsplan/abc",
                **eur,
            ),
            cur2_row("Tax", "19.00", resource_tags="", **eur),
            cur2_row("Credit", "-5.00", **eur),
        ]
        key = self.put(
            "data/BILLING_PERIOD=2026-10/acme-00001.csv.gz", gzip.compress(to_csv(rows, header=CUR2_HEADER), mtime=0)
        )
        self.put(
            "metadata/BILLING_PERIOD=2026-10/acme-Manifest.json",
            manifest("2026-10", [key], columns=[{"name": c, "type": "string"} for c in CUR2_HEADER]),
        )
        self.s3_source.bill_format = "aws_cur2"
        batch = self.s3_source._run_import().batches[0]
        self.assertEqual(batch.row_count, 4)
        totals = self.totals(batch)
        self.assertEqual(
            totals[("Usage", "EUR")],
            (2, self.sums(rows[:2], "line_item_unblended_cost"), self.sums([{"c": "0.384"}, {"c": "0.27"}], "c")),
        )
        self.assertEqual(totals[("Tax", "EUR")][1:], (19, 19))
        self.assertEqual(totals[("Credit", "EUR")][1:], (-5, -5))
        tags = self.sql(
            "SELECT tags->>'user_team' FROM cloud_cost_line WHERE batch_id = %s AND source_row = 1", batch.id
        )
        self.assertEqual(tags, [("retail",)])

    def test_without_manifests_a_bill_under_another_name_is_read_by_its_first_bytes(self):
        eur = {"line_item_currency_code": "EUR"}
        self.put("daily/cur-2026-10-07.log", to_csv([cur2_row("Usage", "0.5", **eur)] * 3, header=CUR2_HEADER))
        self.put("daily/_SUCCESS", b"")
        self.put("daily/run.txt", b"exported at 2026-10-08T02:00:00Z by the nightly job\n" + b"x" * 600_000)
        self.s3_source.bill_format = "auto"
        result = self.s3_source._run_import()
        self.assertEqual([b.file_ids.name for b in result.batches], [PREFIX + "daily/cur-2026-10-07.log"])
        self.assertEqual(
            self.totals(result.batches[0]),
            {("Usage", "EUR"): (3, self.sums([{"c": "1.5"}], "c"), self.sums([{"c": "1.5"}], "c"))},
        )
        self.assertEqual(result.notes[0], f"{PREFIX}daily/_SUCCESS: left aside, an empty file")
        self.assertTrue(result.notes[1].startswith(f"{PREFIX}daily/run.txt: left aside, not a bill"), result.notes)

    def test_the_standard_credential_chain_without_keys(self):
        self.export_october()
        source = self.s3_source.copy({"name": "Chain", "aws_access_key_id": False, "aws_secret_access_key": False})
        with _environ(AWS_ACCESS_KEY_ID="AKIACHAINCHAINCHAIN", AWS_SECRET_ACCESS_KEY="chain-secret"):
            result = source._run_import()
        self.assertEqual(result.batches[0].row_count, 5)
        # an s3:// address given to the import (as the command line does) reads the same export
        self.assertEqual(self.s3_source._run_import(f"s3://{BUCKET}/{PREFIX}").batches[0].row_count, 5)


class _environ:
    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        import os  # noqa: PLC0415

        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        import os  # noqa: PLC0415

        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

"""A run over summed bill rows traced from its journal item down to the bill rows themselves.

A December FOCUS export (two Parquet files, a manifest) is summed by DuckDB from a folder, or by
Athena in S3 (moto's server over real HTTP: moto runs no SQL, it is given the result DuckDB
computes from the same files; the trace then fetches the S3 objects and reads them with DuckDB
here). The run of December takes the summed cost lines, is approved and posted; the trace of the
Retail journal item lists, for each summed cost line, the rows of its bill file it stands for,
and those rows sum exactly to each cost line and, through the allocation lines, to the item.
"""

import io
import json
import random
import shutil
import socket
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import requests
from moto.server import ThreadedMotoServer

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost_athena.core.aggregation import build_query
from odoo.addons.cloud_cost_athena.core.engines import run_duckdb
from odoo.addons.cloud_cost_audit.tests import test_cli
from odoo.addons.cloud_cost_audit.tests.common import AuditCase

DECEMBER = ("2026-12-01", "2026-12-31")
PERIOD = "2026-12"
BUCKET, PREFIX = "acme-billing", "exports/focus/acme/"
DATA_KEYS = [f"{PREFIX}data/BILLING_PERIOD={PERIOD}/part-{n}.parquet" for n in (1, 2)]
MANIFEST_KEY = f"{PREFIX}metadata/BILLING_PERIOD={PERIOD}/acme-Manifest.json"
KEYS = {"aws_access_key_id": "AKIATESTTESTTEST", "aws_secret_access_key": "test-secret"}
MONEY = pa.decimal128(38, 10)
TIME = pa.timestamp("ms", tz="UTC")

# (file, day, tags, EffectiveCost): rows of one day, file and tags are summed into one cost line
ROWS = [
    (0, 2, {"team": "retail"}, "1.10"),
    (0, 2, {"team": "retail", "owner": "ann"}, "2.20"),
    (0, 2, {"team": "retail"}, "3.30"),
    (0, 3, {"team": "retail"}, "4.00"),
    (1, 3, {"team": "retail"}, "0.01"),
    (1, 2, {"team": "retail"}, "7.77"),
    (0, 2, {"platform": "shared"}, "50.00"),
    (1, 2, {"platform": "shared"}, "30.00"),
    (1, 4, {"platform": "shared"}, "15.00"),
    (1, 4, {"platform": "shared"}, "5.00"),
    (0, 5, {}, "5.00"),
    (1, 5, {}, "1.00"),
]
RETAIL_DIRECT = Decimal("18.38")  # 1.10 + 2.20 + 3.30 + 4.00 + 0.01 + 7.77
PLATFORM = Decimal("100.00")


def december_files(currency, seed=3):
    """{key: Parquet bytes} of the December export, the rows of each file shuffled, and
    {key: {row number: (tags, EffectiveCost)}} of what each row is."""
    rng = random.Random(seed)
    per_file = defaultdict(list)
    for index, (file, day, tags, cost) in enumerate(ROWS):
        per_file[file].append((index, day, tags, cost))
    files, expected = {}, {}
    start = datetime.fromisoformat(f"{PERIOD}-01T00:00:00+00:00")
    for file, rows in sorted(per_file.items()):
        rng.shuffle(rows)
        columns = defaultdict(list)
        for index, day, tags, cost in rows:
            hour = start + timedelta(days=day - 1, hours=rng.randrange(24))
            values = {
                "BilledCost": Decimal(cost) + Decimal("0.5"),
                "EffectiveCost": Decimal(cost),
                "ListCost": Decimal(cost),
                "ContractedCost": Decimal(cost),
                "BillingAccountId": "999999999999",
                "BillingCurrency": currency,
                "BillingPeriodStart": start,
                "BillingPeriodEnd": datetime.fromisoformat("2027-01-01T00:00:00+00:00"),
                "ChargeCategory": "Usage",
                "ChargeDescription": f"usage {index}",
                "ChargePeriodStart": hour,
                "ChargePeriodEnd": hour + timedelta(hours=1),
                "ProviderName": "AWS",
                "RegionId": "eu-west-1",
                "ResourceId": f"i-{index:04d}",
                "ServiceName": "Amazon Elastic Compute Cloud",
                "SubAccountId": "111111111111",
                "Tags": sorted(tags.items()),
            }
            for name, value in values.items():
                columns[name].append(value)
        types = {
            "BilledCost": MONEY,
            "EffectiveCost": MONEY,
            "ListCost": MONEY,
            "ContractedCost": MONEY,
            "BillingPeriodStart": TIME,
            "BillingPeriodEnd": TIME,
            "ChargePeriodStart": TIME,
            "ChargePeriodEnd": TIME,
            "Tags": pa.map_(pa.string(), pa.string()),
        }
        table = pa.table(
            {name: pa.array(values, type=types.get(name, pa.string())) for name, values in columns.items()}
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        files[DATA_KEYS[file]] = sink.getvalue().to_pybytes()
        expected[DATA_KEYS[file]] = {
            number: (tags, Decimal(cost)) for number, (_i, _day, tags, cost) in enumerate(rows, start=1)
        }
    return files, expected


def manifest():
    return json.dumps(
        {
            "exportName": "acme",
            "billingPeriod": PERIOD,
            "bucket": BUCKET,
            "dataFiles": [f"s3://{BUCKET}/{key}" for key in DATA_KEYS],
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestSummedTrace(AuditCase):
    command = test_cli.TestVerifyCommand.command

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.import_root = Path(tempfile.mkdtemp(prefix="cloud-cost-root-"))
        cls.addClassCleanup(shutil.rmtree, cls.import_root, ignore_errors=True)
        cls.startClassPatcher(server_options(cloud_cost_import_roots=str(cls.import_root)))
        cls.set_driver(cls.cpu, {cls.retail: 3, cls.payments: 1}, period=DECEMBER)
        cls.files, cls.expected = december_files(cls.company.currency_id.name)

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="cloud-cost-bills-", dir=self.import_root))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def write_folder(self, files):
        for key, data in {**files, MANIFEST_KEY: manifest()}.items():
            path = self.folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def december_run(self):
        run = self.new_run(user=self.controller, date_from=DECEMBER[0], date_to=DECEMBER[1])
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        run.with_user(self.controller).action_post()
        return run

    def retail_item(self, run):
        item = run.move_ids.line_ids.filtered(
            lambda line: line.cloud_cost_side == "receiver" and line.cloud_cost_receiver_id == self.retail
        )
        self.assertEqual(len(item), 1)
        return item

    def assert_trace_reaches_the_bill_rows(self, run, checksums):
        """The Retail item's trace: every summed cost line's rows found again, summing exactly to it, and
        the rows of the item's allocation lines summing to the item; ``checksums``: {file: what the trace
        prints of its checksum}."""
        item = self.retail_item(run)
        trace = item.with_user(self.auditor)._cloud_cost_trace(rows_per_line=None)
        item_total = direct = shared = Decimal(0)
        listed = defaultdict(dict)
        for traced in trace["lines"]:
            line = traced["line"]
            rows_total = Decimal(0)
            for cost_row in traced["rows"]:
                found = cost_row["bill_rows"]
                self.assertTrue(found, "every cost line of the run is a summed one")
                self.assertTrue(found["matches"])
                self.assertEqual(found["effective_cost"], found["line_effective_cost"])
                self.assertEqual(found["effective_cost"], sum(r["effective_cost"] for r in found["rows"]))
                self.assertEqual(found["count"], int(found["group"]["rows"]))
                key = found["file"].removeprefix(f"s3://{BUCKET}/")
                for bill_row in found["rows"]:
                    tags, cost = self.expected[key][bill_row["row"]]
                    # the row listed is that row of the file: its own values, its own cost
                    self.assertEqual(Decimal(bill_row["values"]["EffectiveCost"]), cost)
                    self.assertEqual(bill_row["effective_cost"], cost)
                    self.assertEqual(dict(bill_row["values"]["Tags"]), tags)
                    self.assertNotIn(bill_row["row"], listed[key])
                    listed[key][bill_row["row"]] = line.line_type
                rows_total += found["effective_cost"]
            self.assertEqual(traced["summed"]["effective_cost"], rows_total)
            self.assertTrue(traced["summed"]["matches"])
            self.assertEqual(rows_total, traced["rows_amount"], "the company currency is the bill's")
            if line.line_type == "direct":
                self.assertEqual(rows_total, traced["amount"], "a direct line is its bill rows, exactly")
                direct += rows_total
                item_total += rows_total
            else:
                self.assertEqual(rows_total, PLATFORM, "a pool's share: of all the pool's rows")
                item_total += traced["amount"]
                shared += traced["amount"]
        self.assertEqual(direct, RETAIL_DIRECT)
        self.assertEqual(shared, PLATFORM * 3 / 4)
        self.assertEqual(
            item_total, Decimal(str(item.debit)).quantize(Decimal("0.01")), "the bill rows sum to the journal item"
        )
        # exactly the retail and platform rows of the export, each once; the untagged ones are not behind it
        expected = {
            key: {
                n
                for n, (tags, _cost) in rows.items()
                if tags.get("team") == "retail" or tags.get("platform") == "shared"
            }
            for key, rows in self.expected.items()
        }
        self.assertEqual({key: set(rows) for key, rows in listed.items()}, expected)

        status, out, err = self.command(self.auditor, "trace", str(item.id), "--all-rows")
        self.assertEqual(status, 0, err)
        for key, checksum in checksums.items():
            self.assertIn(f"bill row(s) of {key}  {checksum}", out)
        self.assertRegex(out, r"sums 3 bill row\(s\) of \S+part-1\.parquet")
        self.assertRegex(out, r"3 bill row\(s\), EffectiveCost 6\.6 = the cost line's 6\.6 \(exact\)")
        self.assertRegex(out, r"part-1\.parquet  row \d+  EffectiveCost 2\.2  \{.*\"ResourceId\":\"i-0001\"")
        self.assertIn("their bill rows: 6, EffectiveCost 18.38 = the cost lines' (exact)", out)
        self.assertIn("their bill rows: 4, EffectiveCost 100 = the cost lines' (exact)", out)
        self.assertIn("cost lines behind it: 4, EffectiveCost 18.38, taken 18.38\n", out)
        self.assertNotIn("MISMATCH", out)

        # the auditor pack lists the same rows, each cost line's followed by its sum check
        workbook = openpyxl.load_workbook(io.BytesIO(run.with_user(self.auditor)._auditor_pack_xlsx()))
        sheet = list(workbook["Summed Bill Rows"].iter_rows(values_only=True))
        header, rows = sheet[0], [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
        self.assertIn("Row values", header)
        bill_rows = [row for row in rows if not row["Check"]]
        checks = [row for row in rows if row["Check"]]
        self.assertEqual(len(bill_rows), len(ROWS), "every bill row of the run, the untagged ones too")
        self.assertTrue(checks and all(row["Check"].endswith("(exact)") for row in checks))
        self.assertEqual(
            sum(Decimal(row["EffectiveCost"]) for row in bill_rows), sum(Decimal(cost) for *_x, cost in ROWS)
        )
        return item

    def test_duckdb_folder_trace_from_the_journal_item_to_the_bill_rows_and_a_changed_file_refused(self):
        self.write_folder(self.files)
        source = self.env["cloud.cost.source"].create(
            {
                "name": "Summed by DuckDB",
                "company_id": self.company.id,
                "source_type": "file",
                "bill_format": "focus",
                "location": str(self.folder),
                "aggregation": "duckdb",
            }
        )
        (batch,) = source._run_import().batches
        self.assertEqual(batch.aggregated_row_count, len(ROWS))
        self.assertLess(batch.row_count, len(ROWS))
        summed = batch.file_ids.filtered(lambda f: f.kind == "summed")
        self.assertEqual(
            {f.name: (f.sha256, f.size, f.row_count, f.location) for f in summed},
            {
                key: (self.sha256(data), len(data), len([r for r in ROWS if DATA_KEYS[r[0]] == key]), str(self.folder))
                for key, data in self.files.items()
            },
        )
        self.assertEqual(batch.aggregation_grouping["tag_keys"], ["platform", "team"])

        run = self.december_run()
        item = self.assert_trace_reaches_the_bill_rows(
            run, {key: f"sha256 {self.sha256(data)}" for key, data in self.files.items()}
        )
        self.assertTrue(run._verify_seal()["match"], "the seal covers the summed files' records")
        cost_line = item.cloud_cost_allocation_line_ids.filtered(lambda line: line.line_type == "direct")
        direct = self.env["cloud.cost.line"].browse(
            self.env["cloud.cost.allocation.run.cost"].search(cost_line._trace_cost_domain()).cost_line_id.ids
        )
        self.assertIn("(exact)", direct[0].with_user(self.auditor).summed_rows_content or "")

        # a bill file rewritten since import: its rows are not listed, the trace says why
        changed = dict(self.files)
        changed[DATA_KEYS[0]] = december_files(self.company.currency_id.name, seed=4)[0][DATA_KEYS[0]]
        self.assertNotEqual(changed[DATA_KEYS[0]], self.files[DATA_KEYS[0]])
        self.write_folder(changed)
        status, out, err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 2)
        self.assertIn(
            f"{DATA_KEYS[0]}: the bill file changed since import (SHA-256 "
            f"{self.sha256(self.files[DATA_KEYS[0]])} at import",
            err,
        )
        with self.assertRaisesRegex(UserError, "the bill file changed since import"):
            run.with_user(self.auditor)._auditor_pack_xlsx()
        direct.invalidate_recordset(["summed_rows_content"])
        self.assertIn("the bill file changed since import", direct[0].with_user(self.auditor).summed_rows_content)
        self.write_folder(self.files)  # as imported again, but one file gone
        (self.folder / DATA_KEYS[1]).unlink()
        with self.assertRaisesRegex(UserError, "part-2.parquet cannot be fetched"):
            self.env["cloud.cost.line"].browse(direct.ids)._trace_summed_rows()

    def athena_import(self, versioned):
        """The export in a bucket of moto's S3, summed by "Athena": (S3 client, {key: put_object answer})."""
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        self.addCleanup(server.stop)
        endpoint = f"http://127.0.0.1:{port}"
        # moto's state is the process's: none found, none left for other tests
        requests.post(f"{endpoint}/moto-api/reset", timeout=10)
        self.addCleanup(requests.post, f"{endpoint}/moto-api/reset", timeout=10)
        self.startPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{port}"))
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, **KEYS)
        s3.create_bucket(Bucket=BUCKET)
        if versioned:
            s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        objects = {key: s3.put_object(Bucket=BUCKET, Key=key, Body=data) for key, data in self.files.items()}
        s3.put_object(Bucket=BUCKET, Key=MANIFEST_KEY, Body=manifest())
        athena = boto3.client("athena", region_name="eu-west-1", endpoint_url=endpoint, **KEYS)
        athena.create_work_group(
            Name="finops", Configuration={"ResultConfiguration": {"OutputLocation": "s3://acme-athena-results/"}}
        )
        # what Athena would answer: the same query, run by DuckDB over the same files
        rule_specs = [r._rule_spec() for r in self.env["cloud.cost.mapping.rule"]._company_rules(self.company)]
        paths = {f"s3://{BUCKET}/{key}": data for key, data in self.files.items()}
        expected = build_query(
            "focus", database="billing", table="acme_focus", files=sorted(paths), rule_specs=rule_specs
        )
        answer = run_duckdb(expected.sql, paths, database="billing", table="acme_focus")
        header = {"Data": [{"VarCharValue": name} for name in answer.columns]}
        rows = [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in answer.rows]
        response = requests.post(
            f"{endpoint}/moto-api/static/athena/query-results",
            timeout=10,
            json={
                "region": "eu-west-1",
                "results": [
                    {
                        "rows": [header, *rows],
                        "column_info": [{"Name": name, "Type": "varchar"} for name in answer.columns],
                    }
                ],
            },
        )
        self.assertEqual(response.status_code, 201)
        source = self.env["cloud.cost.source"].create(
            {
                "name": "Summed by Athena",
                "company_id": self.company.id,
                "source_type": "s3",
                "bill_format": "focus",
                "s3_bucket": BUCKET,
                "s3_prefix": PREFIX,
                "s3_region": "eu-west-1",
                "s3_endpoint_url": endpoint,
                "aggregation": "athena",
                "athena_database": "billing",
                "athena_table": "acme_focus",
                "athena_workgroup": "finops",
                "athena_output_location": "s3://acme-athena-results/cloudcost/",
                "athena_endpoint_url": endpoint,
                **KEYS,
            }
        )
        (batch,) = source._run_import().batches
        self.assertEqual(batch.aggregation, "athena")
        # not fetched at import: S3's own checksum, and the version summed when the bucket keeps versions
        self.assertEqual(
            {f.name: (f.sha256, f.etag, f.version_id, f.size) for f in batch.file_ids if f.kind == "summed"},
            {
                f"s3://{BUCKET}/{key}": (False, objects[key]["ETag"], objects[key].get("VersionId", False), len(data))
                for key, data in self.files.items()
            },
        )
        return s3, objects

    def test_athena_trace_fetches_the_s3_objects_and_refuses_an_object_changed_since(self):
        s3, objects = self.athena_import(versioned=False)
        run = self.december_run()
        item = self.assert_trace_reaches_the_bill_rows(
            run,
            {
                f"s3://{BUCKET}/{key}": f"ETag {objects[key]['ETag']}, sha256 {self.sha256(data)} as fetched"
                for key, data in self.files.items()
            },
        )
        # the seal covers what names each object's bytes in S3
        self.assertTrue(run._verify_seal()["match"])
        self.env.cr.execute(
            "UPDATE cloud_cost_import_file SET etag = '\"0\"' WHERE kind = 'summed' AND name = %s",
            [f"s3://{BUCKET}/{DATA_KEYS[1]}"],
        )
        self.env.invalidate_all()
        seal = run._verify_seal()
        self.assertFalse(seal["match"])
        self.assertEqual(
            seal["changed"],
            [
                f"where bill file s3://{BUCKET}/{DATA_KEYS[1]} was read and what names "
                "its bytes there (S3 ETag, version)"
            ],
        )
        self.env.cr.execute(
            "UPDATE cloud_cost_import_file SET etag = %s WHERE kind = 'summed' AND name = %s",
            [objects[DATA_KEYS[1]]["ETag"], f"s3://{BUCKET}/{DATA_KEYS[1]}"],
        )
        self.env.invalidate_all()

        changed = december_files(self.company.currency_id.name, seed=4)[0][DATA_KEYS[0]]
        s3.put_object(Bucket=BUCKET, Key=DATA_KEYS[0], Body=changed)
        status, _out, err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 2)
        self.assertIn(
            f"s3://{BUCKET}/{DATA_KEYS[0]}: the bill file changed since import (ETag "
            f"{objects[DATA_KEYS[0]]['ETag']} at import",
            err,
        )
        with self.assertRaisesRegex(UserError, "the bill file changed since import"):
            run.with_user(self.auditor)._auditor_pack_xlsx()

    def test_athena_trace_reads_the_version_summed_in_a_bucket_that_keeps_versions(self):
        s3, objects = self.athena_import(versioned=True)
        run = self.december_run()
        checksums = {
            f"s3://{BUCKET}/{key}": f"ETag {objects[key]['ETag']} version {objects[key]['VersionId']}, "
            f"sha256 {self.sha256(data)} as fetched"
            for key, data in self.files.items()
        }
        self.assert_trace_reaches_the_bill_rows(run, checksums)
        # the object overwritten since: the version summed is the one read, its rows the rows summed
        changed = december_files(self.company.currency_id.name, seed=4)[0][DATA_KEYS[0]]
        s3.put_object(Bucket=BUCKET, Key=DATA_KEYS[0], Body=changed)
        item = self.assert_trace_reaches_the_bill_rows(run, checksums)
        # that version deleted: the bytes summed are gone
        s3.delete_object(Bucket=BUCKET, Key=DATA_KEYS[0], VersionId=objects[DATA_KEYS[0]]["VersionId"])
        status, _out, err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 2)
        self.assertIn(f"s3://{BUCKET}/{DATA_KEYS[0]} cannot be fetched to list its rows", err)

    @staticmethod
    def sha256(data):
        import hashlib

        return hashlib.sha256(data).hexdigest()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

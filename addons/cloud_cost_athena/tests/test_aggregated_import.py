"""Summed imports give the cost of every receiver to the cent, as importing every bill row does.

The same generated FOCUS export (Parquet, a manifest per billing period) is imported three
ways by sources of one company: every row, summed by DuckDB from a folder, and summed by
Athena from S3, over real HTTP against moto's server (moto does not run SQL: it is given
the result DuckDB computes from the same files and must be sent the same query).
"""

import json
import socket
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import boto3
import requests
from moto.server import ThreadedMotoServer

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused
from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.server_options import server_options

from ..core.aggregation import build_query
from ..core.engines import run_duckdb
from .generated_bills import focus_table, parquet_bytes

BUCKET, PREFIX = "acme-billing", "exports/focus/acme/"
KEYS = {"aws_access_key_id": "AKIATESTTESTTEST", "aws_secret_access_key": "test-secret"}
PERIOD = "2026-10"
DATA_KEYS = [f"{PREFIX}data/BILLING_PERIOD={PERIOD}/part-{n}.parquet" for n in (1, 2)]
MANIFEST_KEY = f"{PREFIX}metadata/BILLING_PERIOD={PERIOD}/acme-Manifest.json"


def manifest():
    return json.dumps(
        {
            "exportName": "acme",
            "billingPeriod": PERIOD,
            "bucket": BUCKET,
            "dataFiles": [f"s3://{BUCKET}/{key}" for key in DATA_KEYS],
        }
    ).encode()


def cents(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestAggregatedImport(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.usd.id, "name": "2026-09-01", "rate": 1.1, "company_id": cls.company.id}
        )
        Account = cls.env["account.analytic.account"]
        plan = cls.env["account.analytic.plan"].create({"name": "Business units"})
        cls.data = Account.create({"name": "Data", "plan_id": plan.id, "company_id": cls.company.id})
        cls.payments = Account.create({"name": "Payments", "plan_id": plan.id, "company_id": cls.company.id})
        cls.search_bu = Account.create({"name": "Search", "plan_id": plan.id, "company_id": cls.company.id})
        Rule = cls.env["cloud.cost.mapping.rule"]
        common = {"company_id": cls.company.id}
        Rule.create(
            {
                **common,
                "name": "Databases",
                "sequence": 1,
                "match_service": "Amazon Relational*",
                "analytic_account_id": cls.data.id,
            }
        )
        Rule.create(
            {
                **common,
                "name": "Payments team",
                "sequence": 2,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "analytic_account_id": cls.payments.id,
            }
        )
        Rule.create(
            {
                **common,
                "name": "Search in the EU",
                "sequence": 3,
                "match_tag_key": "team",
                "match_tag_value": "search",
                "match_region": "eu-*",
                "analytic_account_id": cls.search_bu.id,
            }
        )
        Rule.create(
            {**common, "name": "Environment tag", "sequence": 4, "value_tag_key": "env", "value_target": "environment"}
        )
        cls.files = {key: parquet_bytes(focus_table(2500, period=PERIOD, seed=n)) for n, key in enumerate(DATA_KEYS)}

    def write_export(self):
        for key, data in self.files.items():
            self.write(key, data)
        self.write(MANIFEST_KEY, manifest())

    def new_source(self, name, **values):
        return self.env["cloud.cost.source"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "source_type": "file",
                "bill_format": "focus",
                "location": str(self.folder),
                **values,
            }
        )

    def receivers(self, source):
        """{(business unit, environment): [billed, effective exactly; billed, effective in EUR to the cent]}."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT a.name, l.environment, sum(l.billed_cost), sum(l.effective_cost),
                      sum(l.billed_cost_company), sum(l.effective_cost_company)
                 FROM cloud_cost_line l JOIN cloud_cost_import_batch b ON b.id = l.batch_id
            LEFT JOIN account_analytic_account a ON a.id = l.analytic_account_id
                WHERE b.source_id = %s AND b.state = 'imported'
             GROUP BY 1, 2""",
            [source.id],
        )
        return {
            (name and name["en_US"], env): [b, e, cents(bc), cents(ec)]
            for name, env, b, e, bc, ec in self.env.cr.fetchall()
        }

    def test_duckdb_sums_give_every_receiver_the_cost_of_the_raw_rows(self):
        self.write_export()
        raw_source = self.new_source("Every row")
        raw = raw_source._run_import().batches
        summed_source = self.new_source("Summed by DuckDB", aggregation="duckdb")
        result = summed_source._run_import()
        summed = result.batches

        self.assertEqual(len(raw), 1)
        self.assertEqual(len(summed), 1)
        self.assertEqual(raw[0].row_count, 5000)
        self.assertEqual(summed[0].aggregated_row_count, 5000)
        self.assertLess(summed[0].row_count, 5000)
        receivers = self.receivers(raw_source)
        self.assertEqual(self.receivers(summed_source), receivers)
        self.assertGreaterEqual(len(receivers), 8)  # 3 BUs + unallocated, several environments
        self.assertEqual(summed[0].unallocated_cost, raw[0].unallocated_cost)
        # the same totals per charge category and currency, exactly
        totals = {(t.charge_category, t.billing_currency): (t.billed_cost, t.effective_cost) for t in raw[0].total_ids}
        self.assertEqual(
            {(t.charge_category, t.billing_currency): (t.billed_cost, t.effective_cost) for t in summed[0].total_ids},
            totals,
        )
        # provenance: each line names its bill file and the rows it sums; the batch keeps the query
        per_file = defaultdict(int)
        for line in summed[0].line_ids:
            extra = line.provider_extra
            per_file[extra["x_SourceFile"]] += int(extra["x_SourceRows"])
        self.assertEqual(per_file, dict.fromkeys(DATA_KEYS, 2500))
        self.assertEqual(summed[0].aggregation, "duckdb")
        self.assertIn("GROUP BY", summed[0].aggregation_sql)
        self.assertIn(MANIFEST_KEY, summed[0].file_ids.mapped("name"))
        self.assertIn("5000 bill row(s)", result.summary())
        # each bill file summed is recorded with its checksum, and what the query grouped by
        files = summed[0].file_ids.filtered(lambda f: f.kind == "summed")
        self.assertEqual(
            {f.name: (f.sha256, f.size, f.row_count, f.location, f.etag) for f in files},
            {key: (self.sha256(data), len(data), 2500, str(self.folder), False) for key, data in self.files.items()},
        )
        self.assertEqual(summed[0].aggregation_grouping["tag_keys"], ["env", "team"])
        # every cost line's rows found again: each bill row in exactly one line, each line's rows summing to it
        found = summed[0].line_ids._summed_bill_rows()
        self.assertEqual(set(found), set(summed[0].line_ids.ids))
        self.assertTrue(all(entry["matches"] for entry in found.values()))
        for line in summed[0].line_ids[:50]:
            entry = found[line.id]
            self.assertEqual(entry["count"], int(line.provider_extra["x_SourceRows"]))
            self.assertEqual(entry["file"], line.provider_extra["x_SourceFile"])
            self.assertEqual(entry["effective_cost"], sum(Decimal(r["values"]["EffectiveCost"]) for r in entry["rows"]))
        rows = defaultdict(list)
        for entry in found.values():
            rows[entry["file"]] += [row["row"] for row in entry["rows"]]
        self.assertEqual(
            {key: sorted(numbers) for key, numbers in rows.items()}, dict.fromkeys(DATA_KEYS, list(range(1, 2501)))
        )

        # what the import recorded is the suite's: refused to any caller, administrators included
        with self.assertRaises(AccessError):  # the test's environment, not the import's
            self.env["cloud.cost.import.batch"].browse(summed[0].id).write(
                {"aggregation_grouping": {"layout": "focus", "dimensions": [], "tag_keys": []}}
            )
        with self.assertRaises(AccessError):
            self.env["cloud.cost.import.file"].browse(files[0].id).write({"sha256": "0" * 64})
        with self.assertRaises(AccessError):
            self.env["cloud.cost.import.file"].create(
                {"batch_id": summed[0].id, "name": "x.parquet", "kind": "summed", "etag": '"0"'}
            )

        # the same export again: nothing new, no query needed
        again = summed_source._run_import()
        self.assertFalse(again.batches)
        self.assertEqual(len(summed_source.batch_ids), 1)

    def test_summing_a_csv_export_with_duckdb_is_refused_and_writes_nothing(self):
        self.write("bill.csv", b"BilledCost,ChargePeriodStart\n1,2026-10-01\n")
        source = self.new_source("CSV export", aggregation="duckdb")
        with self.assertRaisesRegex(ImportRefused, r"Parquet exports: bill\.csv is not one"):
            source._run_import()
        self.assertFalse(source.batch_ids)

    def test_athena_is_sent_the_query_and_its_result_gives_the_raw_rows_cost(self):
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        self.addCleanup(server.stop)
        endpoint = f"http://127.0.0.1:{port}"
        self.startPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{port}"))  # S3 and Athena of the test
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, **KEYS)
        s3.create_bucket(Bucket=BUCKET)
        for key, data in self.files.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=data)
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
        batch = source._run_import().batches[0]

        (query_id,) = athena.list_query_executions(WorkGroup="finops")["QueryExecutionIds"]
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        self.assertEqual(execution["Query"], expected.sql)
        self.assertEqual(execution["QueryExecutionContext"]["Database"], "billing")
        self.assertTrue(
            execution["ResultConfiguration"]["OutputLocation"].startswith("s3://acme-athena-results/cloudcost/")
        )
        self.assertEqual(
            (batch.aggregation, batch.aggregation_query_id, batch.aggregated_row_count), ("athena", query_id, 5000)
        )
        # the objects Athena read are named by S3's checksum: not fetched for it
        heads = {key: s3.head_object(Bucket=BUCKET, Key=key) for key in DATA_KEYS}
        self.assertEqual(
            {f.name: (f.sha256, f.etag, f.size, f.row_count) for f in batch.file_ids if f.kind == "summed"},
            {f"s3://{BUCKET}/{key}": (False, head["ETag"], head["ContentLength"], 2500) for key, head in heads.items()},
        )

        self.write_export()
        raw_source = self.new_source("Every row")
        raw_source._run_import()
        self.assertEqual(self.receivers(source), self.receivers(raw_source))

"""The BigQuery source over real HTTP, against a local server answering the BigQuery REST API (bigquery_server),
with a billing export table of the standard schema: an invoice month read row by row and summed in BigQuery."""

import io
import random
from argparse import Namespace
from collections import defaultdict
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

from google.auth.credentials import AnonymousCredentials

from odoo.tests import common, tagged

from odoo.addons.cloud_cost.cli import run_import
from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.server_options import server_options

from .bigquery_server import FakeBigQuery

PROJECT = "acme-billing"
TABLE = f"{PROJECT}.billing.gcp_billing_export_v1_01ABCD_234567_89EFGH"
LABELS = "STRUCT(key VARCHAR, value VARCHAR)[]"
COLUMNS = f"""billing_account_id VARCHAR, service STRUCT(id VARCHAR, description VARCHAR),
    sku STRUCT(id VARCHAR, description VARCHAR), usage_start_time TIMESTAMP, usage_end_time TIMESTAMP,
    project STRUCT(id VARCHAR, number VARCHAR, name VARCHAR, labels {LABELS}), labels {LABELS},
    system_labels {LABELS}, location STRUCT(location VARCHAR, country VARCHAR, region VARCHAR, zone VARCHAR),
    export_time TIMESTAMP, cost DOUBLE, currency VARCHAR, currency_conversion_rate DOUBLE,
    usage STRUCT(amount DOUBLE, unit VARCHAR, amount_in_pricing_units DOUBLE, pricing_unit VARCHAR),
    credits STRUCT(name VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR, type VARCHAR)[],
    invoice STRUCT(month VARCHAR), cost_type VARCHAR"""
SERVICES = [("6F81-5844-456A", "Compute Engine"), ("9662-B51E-5089", "Cloud SQL"), ("24E6-581D-38E5", "BigQuery")]
PROJECTS = [
    ("shop-prod", "Shop prod", "payments"),
    ("search-prod", "Search prod", "search"),
    ("data-lake", "Data lake", None),
]
NINE = Decimal("0.000000001")


def numeric(value):
    """A FLOAT64 as BigQuery's CAST(... AS NUMERIC) gives it."""
    return Decimal(repr(value)).quantize(NINE, rounding=ROUND_HALF_UP)


def cents(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def billing_rows(count, month="202610", seed=7, export_time=datetime(2026, 11, 2, 6, 0)):
    """Rows of a standard usage cost export; a tenth of them of the month before (another invoice)."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        invoice = month if index % 10 else f"{month[:4]}{int(month[4:]) - 1:02d}"
        day = datetime(int(invoice[:4]), int(invoice[4:]), 1 + (index // 24) % 28, index % 24)
        service = SERVICES[index % 3]
        project_id, project_name, team = PROJECTS[rng.randrange(3)]
        labels = [{"key": "env", "value": rng.choice(["prod", "dev"])}]
        if rng.random() < 0.3:
            labels.append({"key": "team", "value": "search"})  # a resource label overrides the project's
        credits = [
            {
                "name": "Sustained usage discount",
                "amount": -round(rng.uniform(0, 0.2), 6),
                "full_name": None,
                "id": None,
                "type": "SUSTAINED_USAGE_DISCOUNT",
            }
            for _i in range(rng.choice([0, 0, 1, 2]))
        ]
        rows.append(
            (
                "01ABCD-234567-89EFGH",
                {"id": service[0], "description": service[1]},
                {"id": f"SKU-{index % 7}", "description": f"{service[1]} SKU {index % 7}"},
                day,
                day + timedelta(hours=1),
                {
                    "id": project_id,
                    "number": "1234",
                    "name": project_name,
                    "labels": [{"key": "team", "value": team}] if team else [],
                },
                labels,
                [],
                {
                    "location": "europe-west1" if index % 4 else "us-central1",
                    "country": None,
                    "region": "europe-west1" if index % 4 else "us-central1",
                    "zone": None,
                },
                export_time,
                round(rng.uniform(0, 3), 6),
                "EUR",
                1.0,
                {"amount": 3600.0, "unit": "seconds", "amount_in_pricing_units": 1.0, "pricing_unit": "hour"},
                credits,
                {"month": invoice},
                "tax" if index % 37 == 0 else "regular",
            )
        )
    return rows


def net_cost(rows, month="202610"):
    return sum(
        (
            numeric(r[10]) + sum((numeric(c["amount"]) for c in r[14]), Decimal(0))
            for r in rows
            if r[15]["month"] == month
        ),
        Decimal(0),
    )


@tagged("post_install", "-at_install")
class TestImportBigQuery(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bigquery = FakeBigQuery(page_rows=40).start()
        cls.addClassCleanup(cls.bigquery.stop)
        # the test's own BigQuery on this machine: allowed by the configuration, as an administrator would
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{cls.bigquery.port}"))
        Source = type(cls.env["cloud.cost.source"])
        cls.startClassPatcher(patch.object(Source, "_bigquery_credentials", lambda self: AnonymousCredentials()))
        Account = cls.env["account.analytic.account"]
        plan = cls.env["account.analytic.plan"].create({"name": "Business units"})
        cls.data = Account.create({"name": "Data", "plan_id": plan.id, "company_id": cls.company.id})
        cls.payments = Account.create({"name": "Payments", "plan_id": plan.id, "company_id": cls.company.id})
        cls.search_bu = Account.create({"name": "Search", "plan_id": plan.id, "company_id": cls.company.id})
        Rule = cls.env["cloud.cost.mapping.rule"]
        common_values = {"company_id": cls.company.id}
        Rule.create(
            {
                **common_values,
                "name": "Databases",
                "sequence": 1,
                "match_service": "Cloud SQL*",
                "analytic_account_id": cls.data.id,
            }
        )
        Rule.create(
            {
                **common_values,
                "name": "Payments team",
                "sequence": 2,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "analytic_account_id": cls.payments.id,
            }
        )
        Rule.create(
            {
                **common_values,
                "name": "Search in the EU",
                "sequence": 3,
                "match_tag_key": "team",
                "match_tag_value": "search",
                "match_region": "europe-*",
                "analytic_account_id": cls.search_bu.id,
            }
        )
        Rule.create(
            {
                **common_values,
                "name": "Environment tag",
                "sequence": 4,
                "value_tag_key": "env",
                "value_target": "environment",
            }
        )

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        if urlsplit(request.url).hostname == "127.0.0.1":  # the test's own BigQuery
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.rows = billing_rows(330)
        self.bigquery.create_table(TABLE, COLUMNS, self.rows)
        self.bigquery.requests.clear()
        self.bigquery.errors.clear()

    def new_source(self, name, **values):
        return self.env["cloud.cost.source"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "source_type": "bigquery",
                "bill_format": "gcp",
                "bigquery_table": TABLE,
                "bigquery_month": "2026-10",
                "bigquery_location": "EU",
                "bigquery_endpoint_url": self.bigquery.endpoint,
                **values,
            }
        )

    def receivers(self, source):
        """{(business unit, environment): [billed, effective exactly; billed in EUR to the cent]}."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT a.name, l.environment, sum(l.billed_cost), sum(l.effective_cost), sum(l.billed_cost_company)
                 FROM cloud_cost_line l JOIN cloud_cost_import_batch b ON b.id = l.batch_id
            LEFT JOIN account_analytic_account a ON a.id = l.analytic_account_id
                WHERE b.source_id = %s AND b.state = 'imported'
             GROUP BY 1, 2""",
            [source.id],
        )
        return {
            (name and name["en_US"], env): [Decimal(str(b)), Decimal(str(e)), cents(bc)]
            for name, env, b, e, bc in self.env.cr.fetchall()
        }

    def sent(self, kind):
        return [(method, path, params) for method, path, params, _body in self.bigquery.requests if kind in path]

    # ------------------------------------------------------------------ a month, two ways
    def test_a_month_read_row_by_row_and_summed_gives_each_receiver_the_same_cost(self):
        october = [r for r in self.rows if r[15]["month"] == "202610"]
        raw_source = self.new_source("Every row")
        raw = raw_source._run_import().batches
        self.assertEqual(len(raw), 1)
        self.assertEqual(str(raw[0].billing_period_start), "2026-10-01")
        self.assertEqual(raw[0].row_count, len(october))
        # read a page at a time: jobs.query gave the first page, getQueryResults the others by their token
        pages = [params for _m, path, params in self.sent("/queries/") if "pageToken" in params]
        self.assertEqual([p["pageToken"][0] for p in pages], [str(n) for n in range(40, len(october), 40)])
        row_query = self.bigquery.queries()[-1]
        self.assertIn(f"FROM `{TABLE}`\n WHERE invoice.month = @invoice_month", row_query)
        self.assertIn("CAST(cost AS NUMERIC) AS cost", row_query)
        self.assertIn("credits", row_query)
        bodies = [body for method, path, _p, body in self.bigquery.requests if path.endswith("/queries")]
        self.assertTrue(
            all(
                body["queryParameters"]
                == [
                    {
                        "name": "invoice_month",
                        "parameterType": {"type": "STRING"},
                        "parameterValue": {"value": "202610"},
                    }
                ]
                for body in bodies
            )
        )
        self.assertFalse(any(body.get("useLegacySql") for body in bodies))

        self.bigquery.requests.clear()
        summed_source = self.new_source("Summed in BigQuery", aggregation="bigquery")
        result = summed_source._run_import()
        summed = result.batches
        self.assertEqual(len(summed), 1)
        self.assertEqual(summed[0].aggregation, "bigquery")
        self.assertEqual(summed[0].aggregated_row_count, len(october))
        self.assertLess(summed[0].row_count, len(october))
        sum_query = summed[0].aggregation_sql
        self.assertEqual(self.bigquery.queries()[-1], sum_query)
        for part in (
            f"FROM `{TABLE}`\n   WHERE invoice.month = @invoice_month",
            "IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0) AS credits",
            "SUM(cost + credits) AS BilledCost",
            "COUNT(*) AS x_SourceRows",
            "GROUP BY",
            "service.description AS ServiceName",
            "WHERE l.key = 'team'",
            "WHERE l.key = 'env'",
        ):
            self.assertIn(part, sum_query)
        self.assertTrue(summed[0].aggregation_query_id.startswith("job_"))

        receivers = self.receivers(raw_source)
        self.assertEqual(self.receivers(summed_source), receivers)
        self.assertGreaterEqual(len(receivers), 7)  # 3 business units + unallocated, two environments
        # credits folded into the net cost, exactly
        self.assertEqual(sum(v[0] for v in receivers.values()), net_cost(self.rows))
        totals = {(t.charge_category, t.billing_currency): (t.billed_cost, t.effective_cost) for t in raw[0].total_ids}
        self.assertEqual(
            {(t.charge_category, t.billing_currency): (t.billed_cost, t.effective_cost) for t in summed[0].total_ids},
            totals,
        )
        self.assertEqual(set(totals), {("Usage", "EUR"), ("Tax", "EUR")})
        # provenance: each line of sums names what it sums
        per_file = defaultdict(int)
        for line in summed[0].line_ids:
            per_file[line.provider_extra["x_SourceFile"]] += int(line.provider_extra["x_SourceRows"])
        self.assertEqual(dict(per_file), {f"bigquery://{TABLE}/invoice.month=202610": len(october)})

    def test_an_unchanged_month_is_not_read_again_and_a_restated_one_supersedes(self):
        source = self.new_source("Every row")
        first = source._run_import().batches[0]
        self.bigquery.requests.clear()
        again = source._run_import()
        self.assertEqual(again.batches, [])
        self.assertEqual(again.unchanged, [f"bigquery://{TABLE}/invoice.month=202610/fingerprint.json"])
        self.assertTrue(all("COUNT(*) AS row_count" in q for q in self.bigquery.queries()), "only the fingerprint")

        # Google restates the month: rows exported again, one cost changed
        restated = billing_rows(330, export_time=datetime(2026, 11, 3, 6, 0))
        changed = list(restated[1])
        changed[10] = 100.0
        restated[1] = tuple(changed)
        self.bigquery.create_table(TABLE, COLUMNS, restated)
        second = source._run_import().batches[0]
        self.assertEqual(first.state, "superseded")
        self.assertEqual(second.previous_batch_id, first)
        self.assertEqual(sum(v[0] for v in self.receivers(source).values()), net_cost(restated))

    def test_the_address_of_the_command_line_reads_the_month_it_names(self):
        source = self.new_source("By address", bigquery_table=False, bigquery_month=False)
        result = source._run_import(f"bigquery://{TABLE}?month=2026-09")
        self.assertEqual([str(b.billing_period_start) for b in result.batches], ["2026-09-01"])
        self.assertEqual(result.batches[0].row_count, len([r for r in self.rows if r[15]["month"] == "202609"]))
        self.assertEqual(self.env["cloud.cost.source"]._location_source_type(f"bigquery://{TABLE}"), "bigquery")

    # ------------------------------------------------------------------ refusals
    def test_an_error_answer_is_stored_on_the_source_and_nothing_written(self):
        source = self.new_source("Forbidden")
        self.bigquery.errors.append(
            (403, "accessDenied", "Access Denied: Table acme-billing:billing.gcp: User x@y has no permission")
        )
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("HTTP 403 (Forbidden), accessDenied", source.last_import_message)
        self.assertNotIn("x@y", source.last_import_message)  # the service's own words are not repeated
        self.assertFalse(source.batch_ids)
        self.assertEqual(self.line_count(), 0)

    def test_a_failing_summing_query_is_stored_on_the_source_and_nothing_written(self):
        source = self.new_source("Summed", aggregation="bigquery")
        real_answer = self.bigquery.answer

        def refuse_sums(method, path, params, body):
            if "GROUP BY" in (body.get("query") or ""):
                return 400, {
                    "error": {
                        "code": 400,
                        "message": "Syntax error at [3:1] near secret",
                        "errors": [{"reason": "invalidQuery", "message": "Syntax error"}],
                    }
                }
            return real_answer(method, path, params, body)

        with patch.object(self.bigquery, "answer", refuse_sums):
            source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("BigQuery: HTTP 400 (Bad Request), invalidQuery", source.last_import_message)
        self.assertNotIn("secret", source.last_import_message)
        self.assertFalse(source.batch_ids)
        self.assertEqual(self.line_count(), 0)

    def test_a_bad_row_is_refused_naming_month_row_and_column(self):
        rows = sorted((r for r in self.rows if r[15]["month"] == "202610"), key=lambda r: (r[3], r[4]))
        bad = list(rows[4])
        bad[16] = "mystery"
        rows[4] = tuple(bad)
        self.bigquery.create_table(TABLE, COLUMNS, rows)
        source = self.new_source("Every row")
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn(
            f"bigquery://{TABLE}/invoice.month=202610, row 5, column cost_type: unknown cost type",
            source.last_import_message,
        )
        self.assertEqual(self.line_count(), 0)

    def test_a_table_that_is_not_a_billing_export_is_refused(self):
        self.bigquery.create_table(f"{PROJECT}.billing.orders", "id BIGINT, cost DOUBLE", [(1, 2.0)])
        source = self.new_source("Orders", bigquery_table=f"{PROJECT}.billing.orders")
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("not a Cloud Billing export table", source.last_import_message)

    def test_a_target_the_server_does_not_call_is_refused_before_any_traffic(self):
        source = self.new_source("Somewhere")
        self.startPatcher(server_options(cloud_cost_allowed_hosts=None))
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("a loopback address", source.last_import_message)
        self.assertEqual(self.bigquery.requests, [])

    def test_scheduled_by_its_action(self):
        source = self.new_source("Scheduled")
        cron = source.cron_id
        self.assertTrue(cron.active)
        self.assertEqual(cron.code, f"model.browse({source.id})._cron_import()")
        source.bigquery_table = False  # nothing to read: no schedule
        self.assertFalse(cron.active)

    def test_the_command_line_prints_the_batch_summary(self):
        source = self.new_source("Command line", bigquery_table=False, bigquery_month=False)
        address = f"bigquery://{TABLE}?month=2026-10"
        args = Namespace(location=address, source=source.name, import_root=[])
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = run_import(self.env, args)
        self.assertEqual(status, 0, err.getvalue())
        october = len([r for r in self.rows if r[15]["month"] == "202610"])
        self.assertIn(f"source Command line (id {source.id}): 1 batch(es), {october} rows", out.getvalue())
        self.assertIn("2026-10-01", out.getvalue())
        # refused: printed, exit status 2, nothing written
        self.bigquery.errors.append((404, "notFound", "Not found: Dataset acme-billing:billing"))
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            status = run_import(
                self.env, Namespace(location=f"bigquery://{TABLE}?month=2026-09", source=source.name, import_root=[])
            )
        self.assertEqual(status, 2)
        self.assertIn("cloudcost import: refused, nothing written:", err.getvalue())
        self.assertIn("HTTP 404 (Not Found), notFound", err.getvalue())
        self.assertEqual(len(source.batch_ids), 1)

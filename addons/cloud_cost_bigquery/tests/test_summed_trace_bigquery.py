"""The rows behind each cost line summed in BigQuery, queried again in the billing export table by the group's
key and invoice month, against the local BigQuery REST server: listed with their identity, values and cost,
summing exactly to the cost line; a month restated since import is refused, not shown."""

import json
from collections import Counter
from decimal import Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

from google.auth.credentials import AnonymousCredentials

from odoo.tests import common, tagged

from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost_athena.models.cloud_cost_import_file import SummedRowsRefused

from .bigquery_server import FakeBigQuery
from .test_import_bigquery import COLUMNS, TABLE, billing_rows, numeric


def identity(values):
    """A bill row as the test wrote it: its start, project, SKU and cost."""
    return (values["usage_start_time"][:19], values["project"]["id"], values["sku"]["id"], values["cost"])


@tagged("post_install", "-at_install")
class TestBigQuerySummedTrace(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bigquery = FakeBigQuery(page_rows=40).start()
        cls.addClassCleanup(cls.bigquery.stop)
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{cls.bigquery.port}"))
        Source = type(cls.env["cloud.cost.source"])
        cls.startClassPatcher(patch.object(Source, "_bigquery_credentials", lambda self: AnonymousCredentials()))
        plan = cls.env["account.analytic.plan"].create({"name": "Business units"})
        cls.search_bu = cls.env["account.analytic.account"].create(
            {"name": "Search", "plan_id": plan.id, "company_id": cls.company.id}
        )
        Rule = cls.env["cloud.cost.mapping.rule"]
        Rule.create(
            {
                "company_id": cls.company.id,
                "name": "Search team",
                "sequence": 1,
                "match_tag_key": "team",
                "match_tag_value": "search",
                "analytic_account_id": cls.search_bu.id,
            }
        )
        Rule.create(
            {
                "company_id": cls.company.id,
                "name": "Environment tag",
                "sequence": 2,
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
        self.source = self.env["cloud.cost.source"].create(
            {
                "name": "Summed in BigQuery",
                "company_id": self.company.id,
                "source_type": "bigquery",
                "bill_format": "gcp",
                "bigquery_table": TABLE,
                "bigquery_month": "2026-10",
                "bigquery_location": "EU",
                "bigquery_endpoint_url": self.bigquery.endpoint,
                "aggregation": "bigquery",
            }
        )
        (self.batch,) = self.source._run_import().batches
        self.october = [r for r in self.rows if r[15]["month"] == "202610"]
        self.bigquery.requests.clear()

    def test_each_summed_line_lists_its_rows_summing_exactly_to_it(self):
        lines = self.batch.line_ids
        self.assertLess(len(lines), len(self.october))
        found = lines._summed_bill_rows()
        self.assertEqual(set(found), set(lines.ids))
        listed = Counter()
        for line in lines:
            entry = found[line.id]
            self.assertEqual(entry["file"], f"bigquery://{TABLE}/invoice.month=202610")
            self.assertTrue(entry["matches"], line.id)
            self.assertEqual(entry["count"], int(line.provider_extra["x_SourceRows"]))
            self.assertEqual(entry["effective_cost"], sum(r["effective_cost"] for r in entry["rows"]))
            self.assertEqual(entry["effective_cost"], entry["line_effective_cost"])
            self.assertEqual(entry["line_effective_cost"], Decimal(str(line.effective_cost)))
            for row in entry["rows"]:
                values = row["values"]
                # the row's own cost, credits folded in as the summing did
                net = numeric(float(values["cost"])) + sum(
                    (numeric(float(c["amount"])) for c in values["credits"]), Decimal(0)
                )
                self.assertEqual(row["effective_cost"], net)
                self.assertEqual(values["invoice"], {"month": "202610"})
                self.assertRegex(row["row"], r"^[0-9a-f]{16}$")
                listed[identity(values)] += 1
        # every row of the month, each behind exactly one cost line; none of another month
        expected = Counter((r[3].isoformat()[:19], r[5]["id"], r[2]["id"], repr(r[10])) for r in self.october)
        self.assertEqual(listed, expected)
        self.assertEqual(
            sum(e["effective_cost"] for e in found.values()),
            sum(Decimal(str(v)) for v in lines.mapped("effective_cost")),
        )

    def test_the_query_sent_is_parametrized_by_the_group_key_and_month(self):
        line = self.batch.line_ids.filtered(lambda cost_line: cost_line.tags.get("team") == "search")[:1]
        self.assertTrue(line)
        entry = line._summed_bill_rows()[line.id]
        self.assertTrue(entry["matches"])
        (sql,) = self.bigquery.queries()
        self.assertEqual(entry["query"], sql)
        for part in (
            f"FROM `{TABLE}`\n   WHERE invoice.month = @invoice_month",
            "CAST(DATE(usage_start_time) AS STRING) AS x_key_1",
            "x_key_1 IS NOT DISTINCT FROM @g0_1",
            "WHERE l.key = 'team'",
            "WHERE x_Group IS NOT NULL",
        ):
            self.assertIn(part, sql)
        # the group's values are parameters, never text of the query
        project = entry["rows"][0]["values"]["project"]["id"]
        self.assertNotIn(project, sql)
        (body,) = [b for m, p, _q, b in self.bigquery.requests if m == "POST" and p.endswith("/queries")]
        parameters = {p["name"]: (p.get("parameterValue") or {}).get("value") for p in body["queryParameters"]}
        self.assertEqual(parameters["invoice_month"], "202610")
        self.assertEqual(parameters["g0_1"], str(line.charge_period_start)[:10])
        self.assertIn(project, parameters.values())
        self.assertIn("search", parameters.values())
        self.assertFalse(body.get("useLegacySql"))

    def test_a_month_restated_since_import_is_refused_not_shown(self):
        line = self.batch.line_ids[0]
        entry = line._summed_bill_rows()[line.id]
        target = identity(entry["rows"][0]["values"])
        restated = [list(r) for r in self.rows]
        for row in restated:
            if (row[3].isoformat()[:19], row[5]["id"], row[2]["id"], repr(row[10])) == target:
                row[10] = row[10] + 1.0
        self.bigquery.create_table(TABLE, COLUMNS, [tuple(r) for r in restated])
        with self.assertRaisesRegex(
            SummedRowsRefused,
            rf"bigquery://{TABLE}/invoice\.month=202610: the table "
            rf"changed since import \({entry['count']} row\(s\), EffectiveCost ",
        ):
            line._summed_bill_rows()
        # a group the restatement did not touch is still listed, exactly
        day = line.charge_period_start
        other = self.batch.line_ids.filtered(lambda cost_line: cost_line.charge_period_start != day)[0]
        self.assertTrue(other._summed_bill_rows()[other.id]["matches"])

    def test_an_error_answer_is_refused_naming_its_reason(self):
        line = self.batch.line_ids[0]
        self.bigquery.errors.append((403, "accessDenied", "Access Denied: user x@y"))
        with self.assertRaisesRegex(
            SummedRowsRefused, r"cannot be queried again: HTTP 403 \(Forbidden\), " r"accessDenied"
        ) as caught:
            line._summed_bill_rows()
        self.assertNotIn("x@y", str(caught.exception))

    def test_the_batch_keeps_how_its_groups_are_queried_again(self):
        grouping = self.batch.aggregation_grouping
        self.assertEqual(
            (grouping["layout"], grouping["table"], grouping["month"], grouping["location"]),
            ("bigquery", TABLE, "202610", "EU"),
        )
        self.assertEqual(grouping["tag_keys"], ["env", "team"])
        self.assertIn("credits", grouping["columns"])
        self.assertEqual(json.loads(json.dumps(grouping)), grouping)

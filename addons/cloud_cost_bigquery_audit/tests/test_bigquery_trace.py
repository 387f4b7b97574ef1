"""A run over cost lines summed in BigQuery, traced from its posted journal item down to the rows of the billing
export table, queried again in the local BigQuery REST server: the command line and the auditor pack list them,
their net costs summing exactly to each cost line and to the item; a month restated since import is refused."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

import openpyxl
from google.auth.credentials import AnonymousCredentials

from odoo.exceptions import UserError
from odoo.tests import common, tagged

from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost_audit.tests import test_cli
from odoo.addons.cloud_cost_audit.tests.common import AuditCase
from odoo.addons.cloud_cost_bigquery.tests.bigquery_server import FakeBigQuery
from odoo.addons.cloud_cost_bigquery.tests.test_import_bigquery import COLUMNS, TABLE

DECEMBER = ("2026-12-01", "2026-12-31")
SOURCE_FILE = f"bigquery://{TABLE}/invoice.month=202612"
# (day, labels, cost, credits): rows of one day and labels are summed into one cost line
ROWS = [
    (2, {"team": "retail"}, 1.10, []),
    (2, {"team": "retail"}, 2.20, [-0.10]),
    (3, {"team": "retail"}, 4.00, []),
    (2, {"platform": "shared"}, 50.00, []),
    (4, {"platform": "shared"}, 30.00, [-10.00]),
    (5, {}, 5.00, []),
]
RETAIL_DIRECT = Decimal("7.20")
PLATFORM = Decimal("70.00")


def table_rows(currency, costs=None):
    rows = []
    for index, (day, labels, cost, credits) in enumerate(ROWS):
        start = datetime(2026, 12, day, index)
        rows.append(
            (
                "01ABCD-234567-89EFGH",
                {"id": "6F81-5844-456A", "description": "Compute Engine"},
                {"id": "SKU-1", "description": "N2 core"},
                start,
                start + timedelta(hours=1),
                {"id": "shop-prod", "number": "1234", "name": "Shop prod", "labels": []},
                [{"key": key, "value": value} for key, value in labels.items()],
                [],
                {"location": "europe-west1", "country": None, "region": "europe-west1", "zone": None},
                datetime(2027, 1, 2, 6),
                (costs or {}).get(index, cost),
                currency,
                1.0,
                {"amount": 3600.0, "unit": "seconds", "amount_in_pricing_units": 1.0, "pricing_unit": "hour"},
                [
                    {"name": "Discount", "amount": amount, "full_name": None, "id": None, "type": "DISCOUNT"}
                    for amount in credits
                ],
                {"month": "202612"},
                "regular",
            )
        )
    # a row of another invoice month is behind no line of December's
    rows.append((*rows[0][:15], {"month": "202611"}, "regular"))
    return rows


@tagged("post_install", "-at_install")
class TestBigQueryTrace(AuditCase):
    command = test_cli.TestVerifyCommand.command

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bigquery = FakeBigQuery(page_rows=2).start()
        cls.addClassCleanup(cls.bigquery.stop)
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{cls.bigquery.port}"))
        Source = type(cls.env["cloud.cost.source"])
        cls.startClassPatcher(patch.object(Source, "_bigquery_credentials", lambda self: AnonymousCredentials()))
        cls.set_driver(cls.cpu, {cls.retail: 3, cls.payments: 1}, period=DECEMBER)

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        if urlsplit(request.url).hostname == "127.0.0.1":  # the test's own BigQuery
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.currency = self.company.currency_id.name
        self.bigquery.create_table(TABLE, COLUMNS, table_rows(self.currency))
        source = self.env["cloud.cost.source"].create(
            {
                "name": "Summed in BigQuery",
                "company_id": self.company.id,
                "source_type": "bigquery",
                "bill_format": "gcp",
                "bigquery_table": TABLE,
                "bigquery_month": "2026-12",
                "bigquery_endpoint_url": self.bigquery.endpoint,
                "aggregation": "bigquery",
            }
        )
        (self.batch,) = source._run_import().batches
        self.assertEqual(self.batch.aggregated_row_count, len(ROWS))
        self.assertLess(self.batch.row_count, len(ROWS))
        self.bigquery.requests.clear()

    def december_item(self):
        run = self.new_run(user=self.controller, date_from=DECEMBER[0], date_to=DECEMBER[1])
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        run.with_user(self.controller).action_post()
        item = run.move_ids.line_ids.filtered(
            lambda line: line.cloud_cost_side == "receiver" and line.cloud_cost_receiver_id == self.retail
        )
        self.assertEqual(len(item), 1)
        return run, item

    def test_the_journal_items_trace_reaches_the_rows_of_the_table(self):
        run, item = self.december_item()
        trace = item.with_user(self.auditor)._cloud_cost_trace(rows_per_line=None)
        direct = item_total = Decimal(0)
        for traced in trace["lines"]:
            rows_total = Decimal(0)
            for cost_row in traced["rows"]:
                found = cost_row["bill_rows"]
                self.assertTrue(found and found["matches"])
                self.assertEqual(found["file"], SOURCE_FILE)
                self.assertEqual(found["effective_cost"], sum(r["effective_cost"] for r in found["rows"]))
                self.assertTrue(all(r["values"]["invoice"] == {"month": "202612"} for r in found["rows"]))
                rows_total += found["effective_cost"]
            self.assertTrue(traced["summed"]["matches"])
            if traced["line"].line_type == "direct":
                self.assertEqual(rows_total, traced["amount"], "a direct line is its rows, exactly")
                direct += rows_total
                item_total += rows_total
            else:
                self.assertEqual(rows_total, PLATFORM, "a pool's share: of all the pool's rows")
                item_total += traced["amount"]
        self.assertEqual(direct, RETAIL_DIRECT)
        self.assertEqual(item_total, Decimal(str(item.debit)).quantize(Decimal("0.01")))
        # the rows were queried again, by parameters
        self.assertTrue(self.bigquery.queries())
        self.assertTrue(
            all("@invoice_month" in sql and "IS NOT DISTINCT FROM @g0_1" in sql for sql in self.bigquery.queries())
        )

        status, out, err = self.command(self.auditor, "trace", str(item.id), "--all-rows")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, rf"sums 2 bill row\(s\) of {SOURCE_FILE}  sha256 [0-9a-f]{{64}}")
        self.assertIn("2 bill row(s), EffectiveCost 3.2 = the cost line's 3.2 (exact)", out)
        self.assertRegex(out, rf"{SOURCE_FILE}  row [0-9a-f]{{16}}  EffectiveCost 2\.1  \{{.*\"cost\":\"2\.2\"")
        self.assertIn("their bill rows: 3, EffectiveCost 7.2 = the cost lines' (exact)", out)
        self.assertIn("their bill rows: 2, EffectiveCost 70 = the cost lines' (exact)", out)
        self.assertNotIn("MISMATCH", out)

        workbook = openpyxl.load_workbook(io.BytesIO(run.with_user(self.auditor)._auditor_pack_xlsx()))
        sheet = list(workbook["Summed Bill Rows"].iter_rows(values_only=True))
        rows = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
        bill_rows = [row for row in rows if not row["Check"]]
        self.assertEqual(len(bill_rows), len(ROWS), "every row of the month the run took, the untagged one too")
        self.assertEqual(sum(Decimal(row["EffectiveCost"]) for row in bill_rows), Decimal("82.20"))
        self.assertTrue(all(row["Check"].endswith("(exact)") for row in rows if row["Check"]))
        self.assertEqual({row["Bill file"] for row in rows}, {SOURCE_FILE})

    def test_a_month_restated_since_import_is_refused_by_the_trace_and_the_pack(self):
        run, item = self.december_item()
        self.bigquery.create_table(TABLE, COLUMNS, table_rows(self.currency, costs={2: 4.5}))
        status, _out, err = self.command(self.auditor, "trace", str(item.id))
        self.assertEqual(status, 2)
        self.assertIn(
            f"{SOURCE_FILE}: the table changed since import (1 row(s), EffectiveCost 4 at import; "
            "1 row(s), EffectiveCost 4.5 now",
            err,
        )
        with self.assertRaisesRegex(UserError, "the table changed since import"):
            run.with_user(self.auditor)._auditor_pack_xlsx()

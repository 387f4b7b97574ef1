"""Azure export runs summed by DuckDB where they lie, over real HTTP against Azurite: DuckDB's Azure extension
(loaded from its PyPI package) reads the run's CSV or Parquet blobs in place; each receiver's cost is the one the
row-by-row import gives, exactly; the blobs are recorded by their ETag and size, and the trace reads each cost
line's rows again from the blob, refusing one that changed since."""

import json
from decimal import Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

from azure.storage.blob import BlobServiceClient

from odoo.tests import common, tagged

from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost.tests.test_bill_formats import AZURE_HEADER, azure_row, to_csv
from odoo.addons.cloud_cost_athena.models.cloud_cost_import_file import SummedRowsRefused

from ..core import azure_duckdb
from ..core.azure_exports import AzureBlobStore
from . import test_import_azure as azure_import
from .azurite import ACCOUNT, AzuriteServer
from .test_import_azure import CONTAINER, ROOT, run_folder


def october_rows(amortized=False):
    """Rows of two subscriptions over three days, tagged as the mapping rules read them; usage a reservation
    covers, and (in an amortized export only) the reservation's unused part."""
    rows = []
    for day in (1, 1, 2, 3):
        rows.append(
            azure_row(
                Date=f"10/{day:02d}/2026",
                CostInBillingCurrency=f"{day}.125",
                Tags='"tenant": "regulated","env": "prod"',
            )
        )
    rows.append(
        azure_row(
            Date="10/01/2026",
            CostInBillingCurrency="0.375",
            Tags='{"tenant": "retail"}',
            SubscriptionId="5b7a9c0d",
            SubscriptionName="tenant-retail",
        )
    )
    rows.append(
        azure_row(
            Date="10/02/2026",
            CostInBillingCurrency="2.5",
            Tags="",
            SubscriptionId="5b7a9c0d",
            SubscriptionName="tenant-retail",
            ResourceLocation="northeurope",
        )
    )
    rows.append(
        azure_row(
            Date="10/02/2026",
            CostInBillingCurrency="6.10",
            PricingModel="Reservation",
            BenefitId="r1",
            Tags='"env": "dev"',
        )
    )
    if not amortized:  # the reservation bought: billed, and no effective cost (the usage it covers is)
        rows.append(
            azure_row(
                Date="10/01/2026",
                CostInBillingCurrency="700",
                ChargeType="Purchase",
                PricingModel="Reservation",
                BenefitId="r1",
                Tags="",
                MeterCategory="Reservations",
            )
        )
    if amortized:
        rows.append(
            azure_row(
                Date="10/03/2026",
                CostInBillingCurrency="1.20",
                ChargeType="UnusedReservation",
                PricingModel="Reservation",
                BenefitId="r1",
                Tags="",
            )
        )
    return rows


@tagged("post_install", "-at_install")
class TestSummedAzure(ImportCase):
    # the runs laid out as the row-by-row tests lay them (the class itself is not imported: it would run here)
    deliver = azure_import.TestImportAzure.deliver
    put = azure_import.TestImportAzure.put

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.azurite = AzuriteServer().start()
        cls.addClassCleanup(cls.azurite.stop)
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{cls.azurite.port}"))
        service = BlobServiceClient.from_connection_string(cls.azurite.connection_string())
        cls.container = service.get_container_client(CONTAINER)
        cls.container.create_container()
        plan = cls.env["account.analytic.plan"].create({"name": "Tenants"})
        Account = cls.env["account.analytic.account"]
        cls.regulated = Account.create({"name": "Regulated", "plan_id": plan.id, "company_id": cls.company.id})
        cls.retail = Account.create({"name": "Retail", "plan_id": plan.id, "company_id": cls.company.id})
        Rule = cls.env["cloud.cost.mapping.rule"]
        for sequence, (value, account) in enumerate((("regulated", cls.regulated), ("retail", cls.retail)), 1):
            Rule.create(
                {
                    "company_id": cls.company.id,
                    "name": f"Tenant {value}",
                    "sequence": sequence,
                    "match_tag_key": "tenant",
                    "match_tag_value": value,
                    "analytic_account_id": account.id,
                }
            )
        Rule.create(
            {
                "company_id": cls.company.id,
                "name": "Environment",
                "sequence": 9,
                "value_tag_key": "env",
                "value_target": "environment",
            }
        )

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        if urlsplit(request.url).hostname == "127.0.0.1":  # the test's own emulator
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.addCleanup(self._empty_container)

    def _empty_container(self):
        for blob in self.container.list_blobs():
            self.container.delete_blob(blob.name)

    def new_source(self, name, **values):
        return self.env["cloud.cost.source"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "source_type": "azure_blob",
                "bill_format": "azure",
                "location": f"azure://{ACCOUNT}/{CONTAINER}/{ROOT}",
                "azure_connection_string": self.azurite.connection_string(),
                **values,
            }
        )

    def set_export_type(self, run_id, export_type):
        name = f"{run_folder(run_id)}/manifest.json"
        manifest = json.loads(self.container.download_blob(name).readall())
        manifest["exportConfig"]["type"] = export_type
        self.put(name, json.dumps(manifest).encode())

    def receivers(self, source):
        """{(tenant, environment, category): (billed, effective)} of the source's imported lines, exactly."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT a.name->>'en_US', l.environment, l.charge_category, sum(l.billed_cost)::text,
                      sum(l.effective_cost)::text
                 FROM cloud_cost_line l JOIN cloud_cost_import_batch b ON b.id = l.batch_id
            LEFT JOIN account_analytic_account a ON a.id = l.analytic_account_id
                WHERE b.source_id = %s AND b.state = 'imported' GROUP BY 1, 2, 3""",
            [source.id],
        )
        return {(a, e, c): (Decimal(b), Decimal(f)) for a, e, c, b, f in self.env.cr.fetchall()}

    def import_both(self, fmt, export_type=None):
        rows = october_rows(amortized=export_type == "AmortizedCost")
        names = self.deliver("run-0001", [rows[:4], rows[4:]], fmt=fmt)
        if export_type:
            self.set_export_type("run-0001", export_type)
        raw_source = self.new_source("Every row")
        (raw,) = raw_source._run_import().batches
        summed_source = self.new_source("Summed in place", aggregation="duckdb")
        # read in place: the import does not download a data blob (only the manifest, to plan the run)
        real_open = AzureBlobStore.open

        def manifests_only(store, key, *args, **kwargs):
            self.assertTrue(key.endswith("manifest.json"), f"{key} was downloaded")
            return real_open(store, key, *args, **kwargs)

        with patch.object(AzureBlobStore, "open", manifests_only):
            (summed,) = summed_source._run_import().batches
        return names, raw_source, raw, summed_source, summed

    def assert_same_receivers(self, raw_source, raw, summed_source, summed):
        self.assertEqual(summed.aggregation, "duckdb")
        self.assertEqual(summed.aggregated_row_count, raw.row_count)
        self.assertLess(summed.row_count, raw.row_count)
        receivers = self.receivers(raw_source)
        self.assertEqual(self.receivers(summed_source), receivers)
        self.assertIn(("Regulated", "prod", "Usage"), receivers)
        self.assertIn(("Retail", None, "Usage"), receivers)
        # the same totals, of fewer lines
        self.assertEqual(
            {k: v[1:] for k, v in self.totals(summed).items()}, {k: v[1:] for k, v in self.totals(raw).items()}
        )

    def test_a_csv_run_summed_in_place_gives_each_receiver_the_row_by_row_cost(self):
        names, raw_source, raw, summed_source, summed = self.import_both("Csv")
        self.assert_same_receivers(raw_source, raw, summed_source, summed)
        # actual cost: every row billed as it is; the reservation's purchase is no effective cost
        totals = self.totals(summed)
        self.assertEqual(totals[("Usage", "EUR")][1:], (Decimal("16.475"), Decimal("16.475")))
        self.assertEqual(totals[("Purchase", "EUR")][1:], (Decimal(700), Decimal(0)))
        self.assertEqual(summed.aggregation_grouping["layout"], "azure_actual")
        self.assertIn("json_extract_string", summed.aggregation_sql)
        # the blobs summed, each named by its ETag and size as the storage account tells them
        files = summed.file_ids.filtered(lambda f: f.kind == "summed")
        properties = {name: self.container.get_blob_client(name).get_blob_properties() for name in names}
        self.assertEqual(
            {f.name: (f.etag, f.size, f.row_count, f.location) for f in files},
            {
                name: (properties[name].etag, properties[name].size, rows, f"azure://{ACCOUNT}/" f"{CONTAINER}/{ROOT}")
                for name, rows in zip(names, (4, 4), strict=True)
            },
        )
        self.assertFalse(any(files.mapped("sha256")), "not fetched: the ETag names the bytes")

    def test_an_amortized_parquet_run_summed_in_place_gives_each_receiver_the_row_by_row_cost(self):
        _names, raw_source, raw, summed_source, summed = self.import_both("Parquet", export_type="AmortizedCost")
        self.assert_same_receivers(raw_source, raw, summed_source, summed)
        self.assertEqual(summed.aggregation_grouping["layout"], "azure_amortized")
        # amortized: covered usage and the unused reservation are effective cost, billed by the purchase
        billed, effective = self.totals(summed)[("Usage", "EUR")][1:]
        self.assertEqual(effective - billed, Decimal("6.10") + Decimal("1.20"))

    def test_the_trace_reads_each_lines_rows_again_from_the_blob_and_refuses_a_changed_one(self):
        names, _raw_source, _raw, _summed_source, summed = self.import_both("Csv")
        lines = summed.line_ids
        found = lines._summed_bill_rows()
        self.assertEqual(set(found), set(lines.ids))
        listed = []
        for line in lines:
            entry = found[line.id]
            self.assertTrue(entry["matches"])
            self.assertEqual(entry["effective_cost"], Decimal(str(line.effective_cost)))
            self.assertEqual(entry["etag"], self.container.get_blob_client(entry["file"]).get_blob_properties().etag)
            listed += [(entry["file"], row["row"], row["values"]["CostInBillingCurrency"]) for row in entry["rows"]]
        rows = october_rows()
        self.assertEqual(
            sorted(listed),
            sorted(
                [(names[0], n, r["CostInBillingCurrency"]) for n, r in enumerate(rows[:4], 1)]
                + [(names[1], n, r["CostInBillingCurrency"]) for n, r in enumerate(rows[4:], 1)]
            ),
        )

        # the blob rewritten since import, with the same rows: another ETag, refused
        self.put(names[1], to_csv(rows[4:], header=AZURE_HEADER))
        with self.assertRaisesRegex(SummedRowsRefused, rf"{names[1]}: the bill file changed since import \(ETag "):
            lines._summed_bill_rows()
        # the blob gone
        self.container.delete_blob(names[1])
        with self.assertRaisesRegex(SummedRowsRefused, rf"{names[1]} cannot be fetched to list its rows"):
            lines._summed_bill_rows()

    def test_a_blob_holding_other_rows_than_its_manifest_counts_is_refused_and_nothing_written(self):
        rows = october_rows()

        def one_more(blobs):
            return [{**blobs[0], "dataRowCount": 5}, blobs[1]]

        names = self.deliver("run-0001", [rows[:4], rows[4:]], listed=one_more)
        source = self.new_source("Summed in place", aggregation="duckdb")
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn(f"{names[0]}: 4 row(s) summed, the export run's manifest says 5", source.last_import_message)
        self.assertFalse(source.batch_ids)
        self.assertEqual(self.line_count(), 0)

    def test_an_incomplete_run_is_refused_before_anything_is_summed(self):
        rows = october_rows()
        names = self.deliver("run-0001", [rows[:4], rows[4:]])
        self.container.delete_blob(names[1])
        source = self.new_source("Summed in place", aggregation="duckdb")
        with patch.object(azure_duckdb, "preparer", side_effect=AssertionError("summed")):
            source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("an incomplete run", source.last_import_message)
        self.assertEqual(self.line_count(), 0)

    def test_the_extension_is_the_packaged_one_for_the_duckdb_installed(self):
        import duckdb

        path = azure_duckdb.extension_path()
        self.assertTrue(
            path.endswith(f"duckdb_extension_azure/extensions/v{duckdb.__version__}/azure.duckdb_extension")
        )

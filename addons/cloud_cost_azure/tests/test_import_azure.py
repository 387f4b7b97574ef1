"""The Azure Blob Storage source over real HTTP, against Azurite, with export runs laid out as Cost Management
writes them: <root>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/manifest.json beside partitioned CSV and Parquet blobs."""

import io
import json
from argparse import Namespace
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

from odoo.tests import common, tagged

from odoo.addons.cloud_cost.cli import run_import
from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost.tests.test_bill_formats import AZURE_HEADER, azure_row, to_csv

from ..core import azure_exports
from .azurite import ACCOUNT, ACCOUNT_KEY, AzuriteServer

CONTAINER = "cost-exports"
ROOT = "billing/acme-actual"


def run_folder(run_id, month="2026-10"):
    return f"{ROOT}/{month.replace('-', '')}01-{month.replace('-', '')}31/{run_id}"


def parquet(rows, header=AZURE_HEADER):
    """Rows as Cost Management writes Parquet: costs as doubles, the rest as text."""
    numbers = {"CostInBillingCurrency", "Quantity", "PayGPrice"}
    table = pa.table(
        {
            name: pa.array(
                [float(r[name]) if name in numbers else r[name] for r in rows],
                type=pa.float64() if name in numbers else pa.string(),
            )
            for name in header
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestImportAzure(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.azurite = AzuriteServer().start()
        cls.addClassCleanup(cls.azurite.stop)
        # the test's own storage account on this machine: allowed by the configuration, as an administrator would
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{cls.azurite.port}"))
        service = BlobServiceClient.from_connection_string(cls.azurite.connection_string())
        cls.container = service.get_container_client(CONTAINER)
        cls.container.create_container()
        cls.location = f"azure://{ACCOUNT}/{CONTAINER}/{ROOT}"
        cls.azure_source = cls.env["cloud.cost.source"].create(
            {
                "name": "Azure actual cost",
                "company_id": cls.company.id,
                "source_type": "azure_blob",
                "bill_format": "azure",
                "location": cls.location,
                "azure_connection_string": cls.azurite.connection_string(),
            }
        )

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # the test's own emulator; azure-core gives (connect, read) timeouts, which the test base cannot compare
        if urlsplit(request.url).hostname == "127.0.0.1":
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.addCleanup(self._empty_container)

    def _empty_container(self):
        for blob in self.container.list_blobs():
            self.container.delete_blob(blob.name)

    def put(self, name, data):
        self.container.upload_blob(name, data, overwrite=True)
        return name

    def deliver(
        self,
        run_id,
        parts,
        *,
        month="2026-10",
        submitted="2026-11-02T06:12:00Z",
        fmt="Csv",
        blob_count=None,
        listed=None,
    ):
        """An export run: its blobs (``parts``: lists of rows, one per blob) and then its manifest."""
        folder = run_folder(run_id, month)
        blobs = []
        for index, rows in enumerate(parts):
            data = parquet(rows) if fmt == "Parquet" else to_csv(rows, header=AZURE_HEADER)
            name = self.put(f"{folder}/part_{index}_0001.{fmt.lower()}", data)
            blobs.append({"blobName": name, "byteCount": len(data), "dataRowCount": len(rows)})
        listed = blobs if listed is None else listed(blobs)
        manifest = {
            "manifestVersion": "2024-04-01",
            "byteCount": sum(b["byteCount"] for b in listed),
            "blobCount": len(listed) if blob_count is None else blob_count,
            "dataRowCount": sum(b["dataRowCount"] for b in listed),
            "exportConfig": {
                "exportName": "acme-actual",
                "resourceId": "/providers/Microsoft.Billing/billingAccounts/EA-1/providers/"
                "Microsoft.CostManagement/exports/acme-actual",
                "dataVersion": "2023-12-01-preview",
                "apiVersion": "2023-07-01-preview",
                "type": "ActualCost",
                "timeFrame": "BillingMonthToDate",
                "granularity": "Daily",
            },
            "deliveryConfig": {
                "partitionData": True,
                "dataOverwriteBehavior": "CreateNewReport",
                "fileFormat": fmt,
                "compressionMode": "snappy" if fmt == "Parquet" else "None",
                "containerUri": f"/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/"
                f"storageAccounts/{ACCOUNT}",
                "rootFolderPath": "billing",
            },
            "runInfo": {
                "executionType": "Scheduled",
                "submittedTime": submitted,
                "runId": run_id,
                "startDate": f"{month}-01T00:00:00",
                "endDate": f"{month}-31T00:00:00",
            },
            "blobs": listed,
        }
        self.put(f"{folder}/manifest.json", json.dumps(manifest).encode())
        return [b["blobName"] for b in blobs]

    @staticmethod
    def october(cost_first="9.216", cost_second="2.5"):
        first = [azure_row(Date=f"10/{day:02d}/2026", CostInBillingCurrency=cost_first) for day in (1, 2, 3)]
        second = [
            azure_row(
                Date=f"10/{day:02d}/2026",
                CostInBillingCurrency=cost_second,
                SubscriptionId="5b7a9c0d",
                SubscriptionName="tenant-retail",
            )
            for day in (4, 5)
        ]
        return [first, second]

    def assert_refused_on_source(self, *needles):
        self.azure_source._import_and_record()
        self.assertEqual(self.azure_source.last_import_state, "failed")
        message = self.azure_source.last_import_message
        for needle in needles:
            self.assertIn(needle, message)
        self.assertEqual(self.line_count(), 0)
        self.assertFalse(self.azure_source.batch_ids)
        return message

    # ------------------------------------------------------------------ complete runs
    def test_a_complete_csv_run_is_imported_with_exact_totals(self):
        names = self.deliver("run-0001", self.october())
        # blobs of another export's run, and stray files, are not read
        self.put(f"{ROOT}/README.txt", b"written by the storage team")
        self.azure_source._import_and_record()
        self.assertEqual(self.azure_source.last_import_state, "done", self.azure_source.last_import_message)
        batch = self.azure_source.batch_ids
        self.assertEqual(len(batch), 1)
        self.assertEqual(str(batch.billing_period_start), "2026-10-01")
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(
            self.totals(batch)[("Usage", "EUR")],
            (5, Decimal("9.216") * 3 + Decimal("2.5") * 2, Decimal("9.216") * 3 + Decimal("2.5") * 2),
        )
        data = batch.file_ids.filtered(lambda f: f.kind == "data")
        self.assertEqual(sorted(data.mapped("name")), names)
        self.assertEqual(sorted(data.mapped("row_count")), [2, 3])
        self.assertEqual(
            batch.file_ids.filtered(lambda f: f.kind == "manifest").name, f"{run_folder('run-0001')}/manifest.json"
        )
        by_subscription = self.sql(
            "SELECT sub_account, sum(billed_cost)::text FROM cloud_cost_line "
            "WHERE batch_id = %s GROUP BY 1 ORDER BY 1",
            batch.id,
        )
        self.assertEqual(
            [(sub, Decimal(cost)) for sub, cost in by_subscription],
            [("5b7a9c0d", Decimal("5")), ("8f3c2d1e", Decimal("27.648"))],
        )
        # the same run again: nothing new, nothing written twice
        again = self.azure_source._run_import()
        self.assertEqual(again.batches, [])
        self.assertEqual(again.unchanged, [f"{run_folder('run-0001')}/manifest.json"])
        self.assertEqual(self.line_count(), 5)

    def test_a_complete_parquet_run_is_imported_with_exact_totals(self):
        self.deliver("run-0001", self.october(cost_first="0.125", cost_second="1.75"), fmt="Parquet")
        batch = self.azure_source._run_import().batches[0]
        self.assertEqual(batch.row_count, 5)
        self.assertEqual(self.totals(batch)[("Usage", "EUR")][1], Decimal("0.375") + Decimal("3.5"))
        self.assertEqual(
            sorted(batch.file_ids.filtered(lambda f: f.kind == "data").mapped("name")),
            [f"{run_folder('run-0001')}/part_0_0001.parquet", f"{run_folder('run-0001')}/part_1_0001.parquet"],
        )

    def test_a_sas_token_reads_the_same_run(self):
        self.deliver("run-0001", self.october())
        sas = generate_container_sas(
            ACCOUNT,
            CONTAINER,
            account_key=ACCOUNT_KEY,
            permission=ContainerSasPermissions(read=True, list=True),
            expiry=datetime.now(timezone.utc) + timedelta(hours=1),
        )
        source = self.azure_source.copy(
            {"name": "Azure by SAS", "azure_endpoint_url": self.azurite.endpoint, "azure_sas_token": sas}
        )
        self.assertFalse(source.azure_connection_string)
        self.assertEqual(source._run_import().batches[0].row_count, 5)

    # ------------------------------------------------------------------ runs that are not imported
    def test_an_incomplete_run_is_refused_and_nothing_written(self):
        names = self.deliver("run-0001", self.october())
        self.container.delete_blob(names[1])  # the run is still writing its second blob
        self.assert_refused_on_source("an incomplete run", "run-0001/manifest.json", "part_1_0001.csv")

    def test_a_manifest_counting_more_blobs_than_it_lists_is_refused(self):
        self.deliver("run-0001", self.october(), blob_count=3)
        self.assert_refused_on_source("an incomplete run", "counts 3 blob(s) and lists 2")

    def test_blobs_without_a_manifest_are_refused(self):
        self.put(f"{run_folder('run-0001')}/part_0_0001.csv", to_csv([azure_row()], header=AZURE_HEADER))
        self.assert_refused_on_source("no Cost Management export manifest")

    def test_a_changed_blob_is_refused(self):
        names = self.deliver("run-0001", self.october())
        # rewritten after the run: another size than the manifest gives
        self.put(names[0], to_csv([azure_row(CostInBillingCurrency="99")] * 4, header=AZURE_HEADER))
        self.assert_refused_on_source(names[0], "the blob changed since the run wrote it")

    def test_a_blob_of_the_same_size_with_other_rows_is_refused(self):
        def fewer_rows(blobs):
            return [{**blobs[0], "dataRowCount": 4}, blobs[1]]

        names = self.deliver("run-0001", self.october(), listed=fewer_rows)
        self.assert_refused_on_source(names[0], "3 row(s) read, the export run's manifest says 4")

    def test_a_bad_value_is_refused_naming_blob_row_and_column(self):
        parts = self.october()
        parts[1][1]["CostInBillingCurrency"] = "twelve"
        names = self.deliver("run-0001", parts)
        message = self.assert_refused_on_source(names[1], "row 2", "CostInBillingCurrency")
        self.assertTrue(message.startswith(names[1]), message)

    # ------------------------------------------------------------------ re-delivered months
    def test_a_redelivered_month_supersedes_the_earlier_batch(self):
        self.deliver("run-0001", self.october(), submitted="2026-10-31T06:00:00Z")
        first = self.azure_source._run_import().batches[0]
        # the next day's run restates the month in a folder of its own; the earlier run stays in the container
        self.deliver("run-0002", self.october(cost_first="10", cost_second="2.5"), submitted="2026-11-01T06:00:00Z")
        result = self.azure_source._run_import()
        second = result.batches[0]
        self.assertEqual(first.state, "superseded")
        self.assertEqual(second.previous_batch_id, first)
        self.assertEqual(self.totals(second)[("Usage", "EUR")][1], Decimal(35))
        self.assertTrue(
            any("run-0001/manifest.json: an earlier run of 2026-10" in note for note in result.notes), result.notes
        )
        self.assertEqual(self.line_count(second), 5)
        # a run whose blobs are the same as the imported ones writes nothing
        self.deliver("run-0003", self.october(cost_first="10", cost_second="2.5"), submitted="2026-11-02T06:00:00Z")
        third = self.azure_source._run_import()
        self.assertEqual(third.batches, [])
        self.assertEqual(third.unchanged, [f"{run_folder('run-0003')}/manifest.json"])

    def test_each_month_is_its_own_batch(self):
        self.deliver("run-0001", self.october())
        november = [
            [
                azure_row(
                    Date="11/03/2026",
                    BillingPeriodStartDate="11/01/2026",
                    BillingPeriodEndDate="11/30/2026",
                    CostInBillingCurrency="4",
                )
            ]
        ]
        self.deliver("run-0002", november, month="2026-11", submitted="2026-12-01T06:00:00Z")
        batches = self.azure_source._run_import().batches
        self.assertEqual(sorted(str(b.billing_period_start) for b in batches), ["2026-10-01", "2026-11-01"])

    # ------------------------------------------------------------------ failures on the source
    def test_credentials_refused_by_the_account_are_a_failure_on_the_source(self):
        self.deliver("run-0001", self.october())
        wrong = self.azurite.connection_string().replace(ACCOUNT_KEY, "d3Jvbmcta2V5LXdyb25nLWtleQ==")
        source = self.azure_source.copy({"name": "Wrong key", "azure_connection_string": wrong})
        source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("cannot list blobs: HTTP 403 (Forbidden)", source.last_import_message)
        self.assertFalse(source.batch_ids)

    def test_an_unreachable_account_is_a_failure_on_the_source(self):
        self.startPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{self.azurite.port},127.0.0.1:9"))
        source = self.azure_source.copy(
            {
                "name": "Gone",
                "azure_endpoint_url": "http://127.0.0.1:9/devstoreaccount1",
                "azure_sas_token": "sv=2024&sig=x",
            }
        )
        with patch.dict(azure_exports.RETRY, initial_backoff=0.1, increment_base=1):  # tried again, briefly
            source._import_and_record()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("cannot list blobs: cannot connect to the storage account", source.last_import_message)

    def test_a_target_the_server_does_not_call_is_refused_before_any_traffic(self):
        self.deliver("run-0001", self.october())
        self.startPatcher(server_options(cloud_cost_allowed_hosts=None))
        self.azure_source._import_and_record()
        self.assertEqual(self.azure_source.last_import_state, "failed")
        self.assertIn("a loopback address", self.azure_source.last_import_message)
        self.assertFalse(self.azure_source.batch_ids)

    def test_scheduled_by_its_action(self):
        self.assertIn("azure_blob", self.env["cloud.cost.source"]._scheduled_source_types())
        cron = self.azure_source.cron_id
        self.assertTrue(cron.active)
        self.assertEqual(cron.code, f"model.browse({self.azure_source.id})._cron_import()")
        self.azure_source.active = False
        self.assertFalse(cron.active)

    def test_the_command_line_prints_the_batch_summary(self):
        self.deliver("run-0001", self.october())
        args = Namespace(location=self.location, source=self.azure_source.name, import_root=[])
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = run_import(self.env, args)
        self.assertEqual(status, 0, err.getvalue())
        printed = out.getvalue()
        self.assertIn(f"source {self.azure_source.name} (id {self.azure_source.id}): 1 batch(es), 5 rows", printed)
        self.assertIn("2026-10-01", printed)
        # the same run again: nothing new
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(run_import(self.env, args), 0)
        self.assertIn(f"unchanged, already imported: {run_folder('run-0001')}/manifest.json", out.getvalue())
        # an address of its own makes a source of its own, reading with the server's identity
        self.assertEqual(self.env["cloud.cost.source"]._location_source_type(self.location), "azure_blob")

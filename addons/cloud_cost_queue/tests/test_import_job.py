"""Bill imports in the background from an S3 export, over real HTTP (moto's S3 server), down and back."""

import re
import socket

import boto3
from moto.server import ThreadedMotoServer

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row
from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost.tests.test_import_s3 import BUCKET, KEYS, PREFIX, manifest

from .common import CommittedCase

BACKOFF = {1: 60, 2: 300, 3: 900}  # the job function's retry pattern


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestImportInBackground(CommittedCase):
    def setUp(self):
        super().setUp()
        self.accountant_id = self.committed_user("queue_import_accountant", "group_cloud_cost_accountant")
        self.port = free_port()  # nothing answers there until a test starts S3 on it
        self.startPatcher(server_options(cloud_cost_allowed_hosts=f"127.0.0.1:{self.port}"))
        with self.transaction() as env:
            company = env.ref("base.main_company")
            self.currency = company.currency_id.name
            source = env["cloud.cost.source"].create(
                {
                    "name": f"Queue test S3 export {self.port}",
                    "company_id": company.id,
                    "source_type": "s3",
                    "bill_format": "focus",
                    "s3_bucket": BUCKET,
                    "s3_prefix": PREFIX,
                    "s3_region": "us-east-1",
                    "s3_endpoint_url": f"http://127.0.0.1:{self.port}",
                    **KEYS,
                }
            )
            self.source_id = source.id
        self.remove_later("cloud.cost.source", [self.source_id])
        self.addCleanup(self._remove_imports)

    def _remove_imports(self):
        with self.transaction() as env:
            env["queue.job"].search([("identity_key", "=like", f"cloud_cost_import:{self.source_id}%")]).unlink()
            batches = env["cloud.cost.import.batch"].search([("source_id", "=", self.source_id)])
            attachments = env["ir.attachment"].search(
                [("res_model", "=", "cloud.cost.import.batch"), ("res_id", "in", batches.ids)]
            )
            batches._suite().unlink()
            attachments.exists().unlink()  # most go with their batch

    def start_s3(self):
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self.addCleanup(server.stop)
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{self.port}", **KEYS)
        s3.create_bucket(Bucket=BUCKET)
        for period, days in (("2026-09", (1, 2)), ("2026-10", (1, 2, 3))):
            key = f"{PREFIX}data/BILLING_PERIOD={period}/export-00001.csv.gz"
            rows = [
                focus_row(period=period, day=d, BilledCost="2.50", EffectiveCost="2.00", BillingCurrency=self.currency)
                for d in days
            ]
            s3.put_object(Bucket=BUCKET, Key=key, Body=focus_csv(rows, gzip_it=True))
            s3.put_object(
                Bucket=BUCKET,
                Key=f"{PREFIX}metadata/BILLING_PERIOD={period}/export-Manifest.json",
                Body=manifest(period, [key]),
            )

    def press_import_in_background(self):
        """The accountant presses "Import in Background" on the source's form: (job id, queue job uuid)."""
        with self.transaction(self.accountant_id) as env:
            source = env["cloud.cost.source"].browse(self.source_id)
            source.action_import_background()
            job = source.job_ids[:1]
            return job.id, job.queue_job_id.sudo().uuid

    def source(self):
        return self.read("cloud.cost.source", self.source_id, ["last_import_state", "last_import_message"])

    def jobs(self, kind):
        with self.transaction() as env:
            jobs = env["cloud.cost.job"].search([("source_id", "=", self.source_id), ("kind", "=", kind)], order="id")
            return [(job.id, job.period, job.queue_job_id.uuid) for job in jobs]

    def test_an_unreachable_store_is_retried_later_and_later_then_reported_on_the_source(self):
        job_id, uuid = self.press_import_in_background()
        for attempt in (1, 2, 3):
            self.runner_enqueues(uuid)
            self.assertTrue(self.run_job(uuid))
            queued = self.queue_job(uuid)
            self.assertEqual((queued["state"], queued["retry"]), ("pending", attempt))
            # tried again later, and later each time: the job function's backoff
            self.assertTrue(BACKOFF[attempt] - 30 < queued["eta_in"] <= BACKOFF[attempt], queued["eta_in"])
            self.assertIn("cannot list objects", queued["result"])
            job = self.read("cloud.cost.job", job_id, ["state", "attempts"])
            self.assertEqual((job["state"], job["attempts"]), ("queued", attempt))
            self.assertFalse(self.source()["last_import_state"], "not reported while it will be tried again")

        self.runner_enqueues(uuid)
        self.assertFalse(self.run_job(uuid))
        failed = self.queue_job(uuid)
        self.assertEqual((failed["state"], failed["retry"]), ("failed", 4))
        self.assertIn("Max. retries (4) reached", failed["exc_message"])
        job = self.read("cloud.cost.job", job_id, ["state", "failure"])
        self.assertEqual(job["state"], "failed")
        self.assertIn("cannot list objects", job["failure"])
        source = self.source()
        self.assertEqual(source["last_import_state"], "failed")
        self.assertIn("cannot list objects", source["last_import_message"])
        with self.transaction() as env:
            messages = env["cloud.cost.source"].browse(self.source_id).message_ids.mapped("body")
        self.assertTrue(any("Import refused, nothing was written" in str(body) for body in messages), messages)

    def test_each_billing_period_is_imported_in_a_job_of_its_own_once_the_store_answers(self):
        plan_id, plan_uuid = self.press_import_in_background()
        self.runner_enqueues(plan_uuid)
        self.assertTrue(self.run_job(plan_uuid), self.queue_job(plan_uuid))
        self.assertEqual(self.queue_job(plan_uuid)["state"], "pending")  # S3 down: tried again later

        self.start_s3()
        self.runner_enqueues(plan_uuid)
        self.assertTrue(self.run_job(plan_uuid), self.queue_job(plan_uuid))
        self.assertEqual(self.queue_job(plan_uuid)["state"], "done")
        self.assertIn(
            "2 import(s) queued: 2026-09, 2026-10", self.read("cloud.cost.job", plan_id, ["result"])["result"]
        )
        imports = self.jobs("import")
        self.assertEqual([period for _id, period, _uuid in imports], ["2026-09", "2026-10"])

        # pressed again while they wait: no second job for the same source and period
        again_id, again_uuid = self.press_import_in_background()
        self.runner_enqueues(again_uuid)
        self.assertTrue(self.run_job(again_uuid))
        result = self.read("cloud.cost.job", again_id, ["result"])["result"]
        self.assertIn("0 import(s) queued", result)
        self.assertIn("already waiting or running: 2026-09", result)
        self.assertEqual(len(self.jobs("import")), 2)

        for job_id, _period, uuid in imports:
            self.assertEqual(
                self.read("cloud.cost.job", job_id, ["state", "progress"]),
                {"id": job_id, "state": "queued", "progress": 0.0},
            )
            self.runner_enqueues(uuid)
            self.assertTrue(self.run_job(uuid), self.queue_job(uuid))
            job = self.read("cloud.cost.job", job_id, ["state", "progress", "progress_message"])
            self.assertEqual((job["state"], job["progress"]), ("done", 100.0))
            self.assertIn("1 batch(es)", job["progress_message"])
        with self.transaction() as env:
            batches = env["cloud.cost.import.batch"].search(
                [("source_id", "=", self.source_id)], order="billing_period_start"
            )
            self.assertEqual(
                [(str(b.billing_period_start), b.state, b.row_count, b.billed_cost_total) for b in batches],
                [("2026-09-01", "imported", 2, 5.0), ("2026-10-01", "imported", 3, 7.5)],
            )
        self.assertEqual(self.source()["last_import_state"], "done")

        # nothing new: the manifests are known, no import is queued
        last_id, last_uuid = self.press_import_in_background()
        self.runner_enqueues(last_uuid)
        self.assertTrue(self.run_job(last_uuid))
        self.assertIn("0 import(s) queued", self.read("cloud.cost.job", last_id, ["result"])["result"])
        self.assertEqual(len(self.jobs("import")), 2)

    def test_a_running_import_tells_its_job_and_its_source_how_far_it_got(self):
        from unittest.mock import patch

        from odoo.addons.cloud_cost.models import cloud_cost_bill_import

        self.start_s3()
        _plan_id, plan_uuid = self.press_import_in_background()
        self.runner_enqueues(plan_uuid)
        self.assertTrue(self.run_job(plan_uuid), self.queue_job(plan_uuid))
        job_id, _period, uuid = next(job for job in self.jobs("import") if job[1] == "2026-10")
        key = f"{PREFIX}data/BILLING_PERIOD=2026-10/export-00001.csv.gz"

        def running():
            job = self.read("cloud.cost.job", job_id, ["state", "progress", "progress_message"])
            return job if re.search(r"[1-9][\d,]* row\(s\) read", job["progress_message"] or "") else None

        # another user holds the cost lines' table: the import waits there with its first rows read
        with (
            patch.object(cloud_cost_bill_import, "PROGRESS_SECONDS", 0),
            patch.object(cloud_cost_bill_import.CloudCostBillImport, "_import_chunk_rows", 1),
        ):
            self.runner_enqueues(uuid)
            with self.transaction() as holder:
                holder.cr.execute("LOCK TABLE cloud_cost_line IN SHARE MODE")
                worker = self.run_job_in_thread(uuid)
                job = self.wait_for(running, "the job to tell the rows it read")
                source = self.read(
                    "cloud.cost.source",
                    self.source_id,
                    ["import_running", "import_file", "import_rows_read", "import_rows_stored"],
                )
            worker.join(timeout=300)
        self.assertTrue(worker.outcome["ok"])
        self.assertEqual(job["state"], "running")
        self.assertIn(f"{key} (file 1 of 1): ", job["progress_message"])
        self.assertRegex(job["progress_message"], r"[123] row\(s\) read, 0 stored")
        self.assertTrue(5 <= job["progress"] < 100, job)
        self.assertEqual(
            (source["import_running"], source["import_file"], source["import_rows_stored"]), (True, key, 0)
        )
        self.assertTrue(1 <= source["import_rows_read"] <= 3, source)
        done = self.read("cloud.cost.job", job_id, ["state", "progress"])
        self.assertEqual((done["state"], done["progress"]), ("done", 100.0))
        self.assertFalse(self.read("cloud.cost.source", self.source_id, ["import_running"])["import_running"])

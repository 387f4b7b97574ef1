"""The background search for new bills queues no import beyond the server's bound of files per run."""

import shutil
import tempfile
from pathlib import Path

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row
from odoo.addons.cloud_cost.tests.server_options import server_options

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestImportBound(CommittedCase):
    def setUp(self):
        super().setUp()
        root = Path(tempfile.mkdtemp(prefix="cloud-cost-queue-root-"))
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        self.startPatcher(server_options(cloud_cost_import_roots=str(root), cloud_cost_max_files_per_run="2"))
        self.folder = root / "bills"
        self.folder.mkdir()
        self.accountant_id = self.committed_user("queue_bound_accountant", "group_cloud_cost_accountant")
        with self.transaction() as env:
            company = env.ref("base.main_company")
            currency = company.currency_id.name
            source = env["cloud.cost.source"].create(
                {
                    "name": f"Queue bound test {root.name}",
                    "company_id": company.id,
                    "source_type": "file",
                    "bill_format": "focus",
                    "location": str(self.folder),
                }
            )
            self.source_id = source.id
        for period in ("2026-07", "2026-08", "2026-09"):
            (self.folder / f"focus-{period}.csv").write_bytes(
                focus_csv([focus_row(period=period, day=1, BillingCurrency=currency)])
            )
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
            attachments.exists().unlink()

    def plan(self):
        """Import in Background pressed, and the search for new bills run: its result."""
        with self.transaction(self.accountant_id) as env:
            source = env["cloud.cost.source"].browse(self.source_id)
            source.action_import_background()
            job = source.job_ids.filtered(lambda j: j.kind == "plan").sorted("id")[-1:]
            job_id, uuid = job.id, job.queue_job_id.sudo().uuid
        self.runner_enqueues(uuid)
        self.assertTrue(self.run_job(uuid), self.queue_job(uuid))
        return self.read("cloud.cost.job", job_id, ["result"])["result"]

    def imports(self):
        with self.transaction() as env:
            jobs = env["cloud.cost.job"].search(
                [("source_id", "=", self.source_id), ("kind", "=", "import")], order="id"
            )
            return [(job.period, job.queue_job_id.uuid) for job in jobs]

    def test_no_job_beyond_the_bound_and_the_rest_waits_for_the_next_run(self):
        result = self.plan()
        self.assertIn("2 import(s) queued: focus-2026-07.csv, focus-2026-08.csv", result)
        self.assertIn(
            "1 file(s) left for the next run, at most 2 read per run (server option "
            "cloud_cost_max_files_per_run): focus-2026-09.csv",
            result,
        )
        imports = self.imports()
        self.assertEqual([period for period, _uuid in imports], ["focus-2026-07.csv", "focus-2026-08.csv"])
        for _period, uuid in imports:
            self.runner_enqueues(uuid)
            self.assertTrue(self.run_job(uuid), self.queue_job(uuid))

        result = self.plan()  # the file left over first, then one imported before, checked again
        self.assertIn("2 import(s) queued: focus-2026-07.csv, focus-2026-09.csv", result)
        self.assertNotIn("left for the next run", result)
        self.assertEqual(len(self.imports()), 4)

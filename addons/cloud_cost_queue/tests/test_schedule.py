"""A source's scheduled action queues the search for new bills instead of importing inline."""

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.server_options import server_options

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestScheduledImport(CommittedCase):
    def setUp(self):
        super().setUp()
        self.startPatcher(server_options(cloud_cost_import_roots="/nonexistent"))
        with self.transaction() as env:
            source = env["cloud.cost.source"].create(
                {"name": "Queue test missing folder", "source_type": "file", "location": "/nonexistent/bills"}
            )
            self.source_id = source.id
        self.remove_later("cloud.cost.source", [self.source_id])
        self.addCleanup(self._remove_jobs)

    def _remove_jobs(self):
        with self.transaction() as env:
            env["queue.job"].search([("identity_key", "=like", f"cloud_cost_import:{self.source_id}%")]).unlink()

    def trigger_schedule(self):
        with self.transaction() as env:
            env["cloud.cost.source"].browse(self.source_id).cron_id.method_direct_trigger()

    def test_the_scheduled_action_queues_one_search_and_a_refusal_lands_on_the_source(self):
        self.trigger_schedule()
        self.trigger_schedule()  # the next tick while the first waits: no second job
        with self.transaction() as env:
            source = env["cloud.cost.source"].browse(self.source_id)
            self.assertEqual(source.job_ids.mapped("kind"), ["plan"])
            self.assertEqual(source.job_ids.state, "queued")
            self.assertFalse(source.last_import_state, "nothing imported inline by the scheduled action")
            job_id, uuid = source.job_ids.id, source.job_ids.queue_job_id.uuid

        self.runner_enqueues(uuid)
        self.assertFalse(self.run_job(uuid), "a missing folder is not worth trying again")
        self.assertEqual(self.queue_job(uuid)["retry"], 1)
        job = self.read("cloud.cost.job", job_id, ["state", "failure"])
        self.assertEqual(job["state"], "failed")
        self.assertIn("/nonexistent/bills", job["failure"])
        source = self.read("cloud.cost.source", self.source_id, ["last_import_state", "last_import_message"])
        self.assertEqual(source["last_import_state"], "failed")
        self.assertIn("/nonexistent/bills", source["last_import_message"])

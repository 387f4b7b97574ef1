from odoo.tests import TransactionCase, new_test_user, tagged

from .server_options import server_options


@tagged("post_install", "-at_install")
class TestSourceSchedule(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(server_options(cloud_cost_import_roots="/nonexistent"))

    def _crons(self, source):
        return (
            self.env["ir.cron"]
            .with_context(active_test=False)
            .search([("code", "=", f"model.browse({source.id})._cron_import()")])
        )

    def test_one_scheduled_action_per_active_source(self):
        source = self.env["cloud.cost.source"].create(
            {
                "name": "Nightly FOCUS",
                "source_type": "file",
                "location": "/nonexistent",
                "interval_type": "hours",
                "interval_number": 6,
            }
        )
        cron = self._crons(source)
        self.assertEqual(len(cron), 1)
        self.assertEqual(source.cron_id, cron)
        self.assertTrue(cron.active)
        self.assertEqual((cron.interval_number, cron.interval_type), (6, "hours"))
        self.assertIn("Nightly FOCUS", cron.name)

        source.write({"interval_number": 1, "interval_type": "days"})
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        source.active = False
        self.assertFalse(cron.active)
        source.active = True
        self.assertTrue(cron.active)
        self.assertEqual(len(self._crons(source)), 1)

        source.unlink()
        self.assertFalse(cron.exists())

    def test_upload_sources_have_no_schedule(self):
        source = self.env["cloud.cost.source"].create({"name": "Uploads", "source_type": "upload"})
        self.assertFalse(self._crons(source))
        source.source_type = "s3"
        self.assertFalse(self._crons(source), "nothing to read yet: no schedule")
        source.s3_bucket = "acme-billing"
        self.assertTrue(self._crons(source).active)
        source.source_type = "upload"
        self.assertFalse(self._crons(source).active)

    def test_importing_now_records_a_refusal_on_the_source(self):
        # the scheduled action imports the same way, or queues it when cloud_cost_queue is installed
        source = self.env["cloud.cost.source"].create(
            {"name": "Missing folder", "source_type": "file", "location": "/nonexistent/bills"}
        )
        source.action_import_now()
        self.assertEqual(source.last_import_state, "failed")
        self.assertIn("/nonexistent/bills", source.last_import_message)
        self.assertFalse(source.batch_ids)

    def test_s3_secrets_are_for_administrators_only(self):
        source = self.env["cloud.cost.source"].create(
            {
                "name": "CUR",
                "source_type": "s3",
                "s3_bucket": "bills",
                "aws_access_key_id": "AKIAEXAMPLE",
                "aws_secret_access_key": "s3cr3t",
            }
        )
        controller = new_test_user(
            self.env, login="cc_s3_controller", groups="base.group_user,cloud_cost.group_cloud_cost_controller"
        )
        as_controller = source.with_user(controller)
        self.assertEqual(as_controller.s3_bucket, "bills")
        self.assertNotIn("aws_secret_access_key", as_controller.fields_get())
        self.assertNotIn("aws_access_key_id", as_controller.fields_get())
        self.assertEqual(source.aws_secret_access_key, "s3cr3t")

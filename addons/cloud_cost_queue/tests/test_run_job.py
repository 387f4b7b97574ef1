"""An allocation run computed in the background, as a controller starts it from the run's form."""

import uuid

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestRunInBackground(CommittedCase):
    def setUp(self):
        super().setUp()
        self.controller_id = self.committed_user("queue_run_controller", "group_cloud_cost_controller")
        # names, codes and a month of this test only, whatever an interrupted run left behind
        tag = uuid.uuid4().hex[:6].upper()
        year = 2200 + int(tag, 16) % 700
        self.period = PERIOD = (f"{year}-03-01", f"{year}-03-31")
        with self.transaction() as env:
            company = env.ref("base.main_company")
            plan = env["account.analytic.plan"].create({"name": f"Queue test units {tag}"})
            retail, payments = env["account.analytic.account"].create(
                [{"name": name, "plan_id": plan.id, "company_id": company.id} for name in ("Q Retail", "Q Payments")]
            )
            pool = env["cloud.cost.pool"].create(
                {"name": f"Q platform {tag}", "code": f"P{tag}", "company_id": company.id}
            )
            key = env["cloud.cost.allocation.key"].create(
                {"name": f"Q CPU {tag}", "code": f"C{tag}", "unit": "core-hours", "company_id": company.id}
            )
            source = env["cloud.cost.source"].create(
                {"name": f"Queue test bills {tag}", "company_id": company.id, "source_type": "upload"}
            )
            batch = env["cloud.cost.import.batch"]._suite_create(
                {
                    "source_id": source.id,
                    "company_id": company.id,
                    "state": "imported",
                    "billing_period_start": PERIOD[0],
                    "billing_period_end": PERIOD[1],
                }
            )
            rows = [(pool, None, 300.0), (None, retail, 100.0), (None, payments, 50.0), (None, None, 25.0)]
            env["cloud.cost.line"]._suite_create(
                [
                    {
                        "batch_id": batch.id,
                        "company_id": company.id,
                        "charge_category": "Usage",
                        "billing_period_start": PERIOD[0],
                        "charge_period_start": f"{PERIOD[0]} 00:00:00",
                        "service_name": "Amazon EKS",
                        "effective_cost_company": amount,
                        "billed_cost_company": amount,
                        "effective_cost": amount,
                        "billed_cost": amount,
                        "cost_pool_id": p.id if p else False,
                        "analytic_account_id": a.id if a else False,
                        "source_file": "bill.csv",
                        "source_row": n,
                    }
                    for n, (p, a, amount) in enumerate(rows, start=1)
                ]
            )
            values = env["cloud.cost.driver.value"].create(
                [
                    {
                        "key_id": key.id,
                        "company_id": company.id,
                        "date_from": PERIOD[0],
                        "date_to": PERIOD[1],
                        "analytic_account_id": account.id,
                        "value": value,
                    }
                    for account, value in ((retail, 30), (payments, 10))
                ]
            )
            policy = env["cloud.cost.allocation.policy"].create(
                {
                    "name": f"Queue month-end {tag}",
                    "code": f"M{tag}",
                    "company_id": company.id,
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "sequence": 1,
                                "name": "Platform by CPU",
                                "sender_pool_id": pool.id,
                                "method": "driver",
                                "key_id": key.id,
                            },
                        )
                    ],
                }
            )
            run = env["cloud.cost.allocation.run"].create(
                {
                    "policy_id": policy.id,
                    "company_id": company.id,
                    "date_from": PERIOD[0],
                    "date_to": PERIOD[1],
                }
            )
            self.run_id, self.retail_id, self.payments_id = run.id, retail.id, payments.id
            made = [
                ("account.analytic.plan", plan),
                ("account.analytic.account", retail | payments),
                ("cloud.cost.pool", pool),
                ("cloud.cost.allocation.key", key),
                ("cloud.cost.driver.value", values),
                ("cloud.cost.source", source),
                ("cloud.cost.import.batch", batch),
                ("cloud.cost.allocation.policy", policy),
            ]
        for model, records in made:
            self.remove_later(model, records.ids)
        self.addCleanup(self._remove_run)

    def _remove_run(self):
        with self.transaction() as env:
            run = env["cloud.cost.allocation.run"].browse(self.run_id)
            env["queue.job"].search([("identity_key", "=", run._compute_identity())]).unlink()
            run = run._suite()
            run._clear_results()
            run.write({"state": "cancelled"})
            run.unlink()

    def _start_from_form(self):
        """The controller presses "Compute in Background" on the run's form."""
        with self.transaction(self.controller_id) as env:
            run = env["cloud.cost.allocation.run"].browse(self.run_id)
            run.action_compute_background()
            job = run.job_id
            return job.id, job.queue_job_id.sudo().uuid

    def test_run_computes_in_the_background_and_its_progress_moves(self):
        job_id, uuid = self._start_from_form()
        form = self.read("cloud.cost.allocation.run", self.run_id, ["state", "job_state", "job_progress"])
        self.assertEqual((form["state"], form["job_state"], form["job_progress"]), ("draft", "queued", 0.0))
        self.assertEqual(self.queue_job(uuid)["state"], "pending")

        # Another user holds the allocation lines' table: the job stops there, before writing its lines,
        # long enough for the run's form to be read from another session.
        self.runner_enqueues(uuid)
        with self.transaction() as holder:
            holder.cr.execute("LOCK TABLE cloud_cost_allocation_line IN SHARE MODE")
            worker = self.run_job_in_thread(uuid)
            seen = self.wait_for(
                lambda: (lambda r: r if r["job_progress"] >= 50 else None)(
                    self.read(
                        "cloud.cost.allocation.run", self.run_id, ["state", "job_state", "job_progress", "job_message"]
                    )
                ),
                "the job's progress to reach the writing of the allocation lines",
            )
        worker.join(timeout=300)
        self.assertFalse(worker.is_alive())
        # mid-way: the job is running, half done, and has written nothing yet
        self.assertEqual((seen["state"], seen["job_state"], seen["job_progress"]), ("draft", "running", 50.0))
        self.assertIn("writing them", seen["job_message"])

        self.assertTrue(worker.outcome["ok"])
        done = self.read(
            "cloud.cost.allocation.run",
            self.run_id,
            ["state", "job_state", "job_progress", "job_message", "total_cost", "checks_passed"],
        )
        self.assertEqual((done["state"], done["job_state"], done["job_progress"]), ("computed", "done", 100.0))
        self.assertTrue(done["checks_passed"])
        self.assertEqual(done["total_cost"], 475.0)
        self.assertIn("Computed: 4 cost lines", done["job_message"])
        with self.transaction() as env:
            lines = env["cloud.cost.allocation.line"].search([("run_id", "=", self.run_id), ("is_final", "=", True)])
            totals = {}
            for line in lines:
                key = line.analytic_account_id.id or line.line_type
                totals[key] = round(totals.get(key, 0.0) + line.amount, 2)
        # the platform pool split 30:10 by CPU, direct cost kept, unallocated visible
        self.assertEqual(totals[self.retail_id], 325.0)
        self.assertEqual(totals[self.payments_id], 125.0)
        self.assertEqual(self.queue_job(uuid)["state"], "done")

    def test_one_background_compute_per_run_at_a_time(self):
        self._start_from_form()
        with self.assertRaisesRegex(UserError, "already being computed"):
            self._start_from_form()

    def test_a_waiting_compute_is_cancelled_and_changes_nothing(self):
        job_id, uuid = self._start_from_form()
        with self.transaction(self.controller_id) as env:
            env["cloud.cost.allocation.run"].browse(self.run_id).action_cancel_background()
        self.assertEqual(self.queue_job(uuid)["state"], "cancelled")
        run = self.read("cloud.cost.allocation.run", self.run_id, ["state", "job_state"])
        self.assertEqual((run["state"], run["job_state"]), ("draft", "cancelled"))

    def test_a_running_compute_stops_at_its_next_step_and_writes_nothing(self):
        job_id, uuid = self._start_from_form()
        self.runner_enqueues(uuid)
        with self.transaction() as holder:
            holder.cr.execute("LOCK TABLE cloud_cost_allocation_line IN SHARE MODE")
            worker = self.run_job_in_thread(uuid)
            self.wait_for(
                lambda: self.read("cloud.cost.job", job_id, ["progress"])["progress"] >= 50,
                "the job to reach the writing of the allocation lines",
            )
            with self.transaction(self.controller_id) as env:
                env["cloud.cost.allocation.run"].browse(self.run_id).action_cancel_background()
        worker.join(timeout=300)
        self.assertTrue(worker.outcome["ok"])
        job = self.read("cloud.cost.job", job_id, ["state", "progress_message"])
        self.assertEqual(job["state"], "cancelled")
        self.assertIn("nothing was written", job["progress_message"])
        run = self.read("cloud.cost.allocation.run", self.run_id, ["state", "line_count"])
        self.assertEqual((run["state"], run["line_count"]), ("draft", 0))

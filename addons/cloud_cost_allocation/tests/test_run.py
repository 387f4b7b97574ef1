from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import cloud_cost_allocation_run as run_model
from .common import AllocationCase

EXPECTED = {"Retail": 525.0, "Payments": 425.0, "unallocated": 25.0, "idle": 100.0}


@tagged("post_install", "-at_install")
class TestRunLifeCycle(AllocationCase):
    def test_compute_approve_reset_and_cancel(self):
        run = self.new_run(user=self.accountant)
        self.assertEqual((run.state, run.name, run.period), ("draft", "MONTH 2026-10", "2026-10"))
        run.action_compute()
        self.assertEqual(run.state, "computed")
        self.assertEqual(run.computed_by_id, self.accountant)
        self.assertTrue(run.checks_passed)
        self.assertEqual(self.receiver_totals(run), EXPECTED)
        # the run total is the sum of the cost lines it took, to the cent
        self.env.cr.execute(
            "SELECT SUM(effective_cost_company) FROM cloud_cost_line WHERE batch_id = %s", [self.batch.id]
        )
        self.assertAlmostEqual(run.total_cost, self.env.cr.fetchone()[0], places=2)
        self.assertEqual(run.total_cost, 1075.0)
        self.assertEqual(run.cost_line_count, 7)
        # SAP's check: the platform is credited 100 %, the runtime keeps its untagged 100.00 visible
        senders = {s.pool_id: s for s in run.sender_ids}
        self.assertEqual(
            (senders[self.platform].credited_amount, senders[self.platform].credited_percent), (300.0, 100.0)
        )
        self.assertEqual((senders[self.runtime].credited_amount, senders[self.runtime].kept_amount), (500.0, 100.0))
        self.assertTrue(all(s.balanced for s in run.sender_ids))
        self.assertIn("100% check: OK", run.summary)
        # an accountant computes, only a controller approves
        with self.assertRaises(AccessError):
            run.with_user(self.accountant).action_approve()
        run.with_user(self.controller).action_approve()
        self.assertEqual((run.state, run.approved_by_id), ("approved", self.controller))
        with self.assertRaises(UserError):
            run.with_user(self.accountant).action_compute()
        with self.assertRaises(UserError):
            run.unlink()
        run.with_user(self.controller).action_reset_to_draft()
        self.assertEqual(run.state, "draft")
        self.assertFalse(run.line_ids)
        run.with_user(self.accountant).action_cancel()
        self.assertEqual((run.state, run.is_open), ("cancelled", False))

    def test_four_eyes_unless_the_policy_allows_self_approval(self):
        run = self.new_run(user=self.controller)
        run.action_compute()
        with self.assertRaisesRegex(UserError, "four eyes"):
            run.action_approve()
        run.with_user(self.controller_2).action_approve()
        self.assertEqual(run.state, "approved")
        self.policy.allow_self_approval = True
        run.with_user(self.controller).action_reset_to_draft()
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller).action_approve()
        self.assertEqual(run.approved_by_id, self.controller)

    def test_only_one_open_run_per_policy_and_period(self):
        first = self.new_run()
        with self.assertRaisesRegex(ValidationError, "already has an open run for 2026-10"):
            self.new_run()
        november = self.new_run(date_from="2026-11-01", date_to="2026-11-30")
        self.assertTrue(november.is_open)
        # the database refuses it too, whatever the caller
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                """INSERT INTO cloud_cost_allocation_run (company_id, policy_id, date_from, date_to, state, is_open)
                   VALUES (%s, %s, '2026-10-01', '2026-10-31', 'draft', true)""",
                [self.company.id, self.policy.id],
            )
        first.action_cancel()
        second = self.new_run()
        self.assertEqual(second.state, "draft")

    def test_recompute_after_a_restated_bill(self):
        run = self.new_run(user=self.accountant)
        run.action_compute()
        fingerprint = run.input_fingerprint
        self.assertFalse(run._check_inputs())
        # the provider restates October: a new import supersedes the first one
        restated = self.make_batch(
            [
                (self.platform, None, "400.00", "prod", "Compute"),
                (None, self.retail, "100.00", "prod", "Compute"),
            ]
        )
        self.batch._suite().write({"state": "superseded", "superseded_by_id": restated.id})
        self.assertTrue(run.inputs_changed)  # flagged by the import at once
        self.assertEqual(run._check_inputs(), run)  # and confirmed by the fingerprint
        with self.assertRaisesRegex(UserError, "recompute it first"):
            run.with_user(self.controller).action_approve()
        run.with_user(self.accountant).action_compute()
        self.assertNotEqual(run.input_fingerprint, fingerprint)
        self.assertFalse(run.inputs_changed)
        self.assertEqual(run.total_cost, 500.0)
        self.assertEqual(run.cost_line_count, 2)
        self.assertEqual(self.receiver_totals(run), {"Retail": 100.0 + 300.0, "Payments": 100.0})
        run.with_user(self.controller).action_approve()

    def test_scheduled_check_recomputes_when_a_driver_changes(self):
        run = self.new_run()
        run.action_compute()
        self.set_driver(self.cpu, {self.retail: 10, self.payments: 10})
        self.env["cloud.cost.allocation.run"]._cron_check_inputs()
        self.assertFalse(run.inputs_changed)
        self.assertEqual(self.receiver_totals(run)["Retail"], 100.0 + 150.0 + 200.0)
        # the snapshot froze what the run used
        drivers = run.snapshot["drivers"][str(self.cpu.id)]
        self.assertEqual(sorted(v for _k, _i, v in drivers), ["10.000000", "10.000000"])
        steps = run.snapshot["rules"]["steps"]
        self.assertEqual([s["method"] for s in steps], ["driver", "direct"])

    def test_test_run_computes_without_storing_anything(self):
        run = self.new_run()
        run.action_compute()
        lines_before = run.line_ids.ids
        write_date = run.write_date
        wizard = (
            self.env["cloud.cost.allocation.test.run"]
            .with_user(self.accountant)
            .create({"policy_id": self.policy.id, "date_from": "2026-10-01", "date_to": "2026-10-31"})
        )
        self.set_driver(self.cpu, {self.retail: 1, self.payments: 3})
        wizard.action_compute()
        self.assertTrue(wizard.checks_passed)
        self.assertIn("Nothing was stored", wizard.summary)
        self.assertIn("Retail", wizard.summary)
        self.assertIn("100% check: OK", wizard.summary)
        run.invalidate_recordset()
        self.assertEqual(run.line_ids.ids, lines_before)
        self.assertEqual(run.write_date, write_date)
        self.assertEqual(self.receiver_totals(run)["Retail"], 525.0)
        self.assertEqual(self.env["cloud.cost.allocation.run"].search_count([("policy_id", "=", self.policy.id)]), 1)

    def test_a_test_run_of_another_companys_policy_is_refused(self):
        theirs = self.env["cloud.cost.allocation.policy"].create(
            {"name": "Their month-end", "code": "THEIRS", "company_id": self.other_company.id}
        )
        Wizard = self.env["cloud.cost.allocation.test.run"].with_user(self.accountant)
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            Wizard.create({"policy_id": theirs.id, "date_from": "2026-10-01", "date_to": "2026-10-31"})
        wizard = Wizard.create({"policy_id": self.policy.id, "date_from": "2026-10-01", "date_to": "2026-10-31"})
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            wizard.write({"policy_id": theirs.id})
        self.assertFalse(wizard.summary)

    def test_allocation_lines_lead_to_the_cost_lines_behind_them(self):
        run = self.new_run()
        run.action_compute()
        lines = run.line_ids
        platform_line = lines.filtered(
            lambda line: line.sender_pool_id == self.platform and line.analytic_account_id == self.retail
        )
        self.assertEqual(
            (platform_line.method, platform_line.driver_value, platform_line.amount), ("driver", 30.0, 225.0)
        )
        self.assertAlmostEqual(platform_line.share, 0.75)
        self.assertEqual(platform_line.driver_key_id, self.cpu)
        behind = self.env["cloud.cost.allocation.run.cost"].search(platform_line.action_view_cost_lines()["domain"])
        self.assertEqual(behind.cost_line_id.cost_pool_id, self.platform)
        self.assertEqual(sum(behind.mapped("amount")), 300.0)
        direct = lines.filtered(lambda line: line.line_type == "direct" and line.analytic_account_id == self.payments)
        behind = self.env["cloud.cost.allocation.run.cost"].search(direct.action_view_cost_lines()["domain"])
        self.assertEqual(behind.cost_line_id.mapped("source_row"), [6])
        self.assertEqual(
            len(
                run.action_view_cost_lines()
                and self.env["cloud.cost.allocation.run.cost"].search(run.action_view_cost_lines()["domain"])
            ),
            7,
        )

    def test_policy_errors_name_the_step_and_change_nothing(self):
        self.policy.step_ids[0].key_id = self.env["cloud.cost.allocation.key"].create(
            {"name": "Empty", "code": "EMPTY", "company_id": self.company.id}
        )
        run = self.new_run()
        with self.assertRaisesRegex(UserError, r"step 1 \(Platform by CPU, \[PLAT\] Shared platform\): no receiver"):
            run.action_compute()
        self.assertEqual(run.state, "draft")
        self.assertFalse(run.line_ids)

    def test_fixed_percentages_must_add_up_to_100(self):
        with self.assertRaisesRegex(ValidationError, "add up to 99.99 %, not 100 %"):
            self.policy.write(
                {
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "sequence": 3,
                                "sender_pool_id": self.platform.id,
                                "method": "fixed",
                                "percent_ids": [
                                    (0, 0, {"analytic_account_id": self.retail.id, "percent": 60.0}),
                                    (0, 0, {"analytic_account_id": self.payments.id, "percent": 39.99}),
                                ],
                            },
                        )
                    ]
                }
            )


@tagged("post_install", "-at_install")
class TestRunStorage(AllocationCase):
    """The lines a run writes hold no database foreign key: the run keeps their references sound."""

    def test_a_deleted_record_is_cleared_from_the_lines_and_a_deleted_run_takes_its_lines(self):
        run = self.new_run(user=self.accountant)
        run.action_compute()
        lines = run.line_ids
        self.assertTrue(lines.filtered(lambda line: line.step_id))
        steps = run.policy_id.step_ids
        # a step removed from the policy: the lines keep their sequence, as ON DELETE SET NULL left them
        run.policy_id.write({"step_ids": [(2, steps[0].id)]})
        lines.invalidate_recordset()
        self.assertFalse(lines.filtered(lambda line: line.step_id.id == steps[0].id))
        self.assertTrue(all(line.step_id.exists() or not line.step_id for line in lines))
        tier = self.env["cloud.cost.service.tier"].create({"name": "Temporary", "code": "TMP"})
        self.env.cr.execute(
            "UPDATE cloud_cost_allocation_line SET service_tier_id = %s WHERE id = %s", [tier.id, lines[0].id]
        )
        tier.unlink()
        lines.invalidate_recordset()
        self.assertFalse(lines[0].service_tier_id)
        # a cancelled run that is deleted takes its lines, senders and batches with it
        run.action_cancel()
        line_ids = lines.ids
        run.unlink()
        self.env.cr.execute("SELECT count(*) FROM cloud_cost_allocation_line WHERE id = ANY(%s)", [line_ids])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute("SELECT count(*) FROM cloud_cost_allocation_run_batch WHERE run_id = %s", [run.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_lines_copied_in_many_chunks_are_the_lines_of_one_copy(self):
        columns = (
            "step_id, step_sequence, sender_pool_id, receiver_kind, analytic_account_id, receiver_pool_id, method, "
            "line_type, is_final, driver_key_id, driver_value, share, unit_price, amount, environment, tenant, "
            "service_tier_id, service_name, provider_name, service_category"
        )

        def stored(run):
            self.env.flush_all()
            self.env.cr.execute(
                f"SELECT {columns} FROM cloud_cost_allocation_line WHERE run_id = %s",  # noqa: S608 - our columns
                [run.id],
            )
            return sorted(self.env.cr.fetchall(), key=repr)

        run = self.new_run(user=self.accountant)
        run.action_compute()
        in_one_copy = stored(run)
        self.assertGreater(len(in_one_copy), 3)
        run.with_user(self.controller).action_reset_to_draft()
        with patch.object(run_model, "LINE_COPY_CHUNK", 2):
            run.action_compute()
        self.assertEqual(stored(run), in_one_copy)
        self.assertEqual(self.receiver_totals(run), EXPECTED)
        self.assertTrue(run.checks_passed)
        self.assertIn("100% check: OK", run.summary)

"""The run's controls hold in the model layer, whatever a caller writes and whatever context it sends."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import AllocationCase


@tagged("post_install", "-at_install")
class TestRunControls(AllocationCase):
    def _admin(self):
        return new_test_user(
            self.env,
            login="alloc_admin",
            groups="base.group_system,cloud_cost.group_cloud_cost_controller",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )

    def _computed_run(self, user=None):
        run = self.new_run(user=user or self.controller)
        run.action_compute()
        return run

    def test_states_and_who_did_what_are_written_by_the_actions_only(self):
        run = self._computed_run()
        before = (run.state, run.approved_by_id, run.total_cost, run.checks_passed, run.computed_by_id)
        attacks = [
            {"state": "approved", "approved_by_id": self.controller_2.id},
            {"state": "posted"},
            {"computed_by_id": self.controller_2.id},
            {"total_cost": 1.0},
            {"checks_passed": False, "inputs_changed": True},
            {"is_open": False},
            {"snapshot": {}, "summary": "100% check: OK"},
            {"self_approval_allowed": True},
        ]
        for user in (self.accountant, self.controller, self._admin()):
            for vals in attacks:
                with self.assertRaises(AccessError, msg=f"{user.login} {vals}"):
                    run.with_user(user).write(vals)
        # the superuser's environment is no suite method either
        with self.assertRaises(AccessError):
            run.sudo().write({"state": "approved"})
        self.assertEqual((run.state, run.approved_by_id, run.total_cost, run.checks_passed, run.computed_by_id), before)

    def test_no_context_key_opens_a_guarded_field(self):
        run = self._computed_run()
        for key in ("cloud_cost_suite", "cloud_cost_audit_unseal", "install_mode", "tracking_disable"):
            with self.assertRaises(AccessError, msg=key):
                run.with_context(**{key: True}).write({"state": "approved"})
        self.assertEqual(run.state, "computed")

    def test_a_new_run_starts_as_a_draft_whatever_defaults_it_is_sent(self):
        Run = self.env["cloud.cost.allocation.run"].with_user(self.controller)
        values = {
            "policy_id": self.policy.id,
            "company_id": self.company.id,
            "date_from": "2026-10-01",
            "date_to": "2026-10-31",
        }
        with self.assertRaises(AccessError):
            Run.create({**values, "state": "posted"})
        # the caller's defaults of guarded fields are dropped: the run is a draft nobody approved
        run = Run.with_context(default_state="approved", default_approved_by_id=self.controller_2.id).create(values)
        self.assertEqual((run.state, run.approved_by_id), ("draft", self.env["res.users"]))

    def test_four_eyes_hold_and_self_approval_applies_to_runs_computed_after_it(self):
        run = self._computed_run(self.controller)
        with self.assertRaisesRegex(UserError, "four eyes"):
            run.with_user(self.controller).action_approve()
        # a controller cannot switch the control off; an administrator can, for the runs computed afterwards
        with self.assertRaises(AccessError):
            self.policy.with_user(self.controller).write({"allow_self_approval": True})
        self.policy.with_user(self._admin()).write({"allow_self_approval": True})
        with self.assertRaisesRegex(UserError, "four eyes"):
            run.with_user(self.controller).action_approve()
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller).action_approve()
        self.assertEqual((run.state, run.approved_by_id), ("approved", self.controller))
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written when the transaction commits
        message = self.policy.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "allow_self_approval"
        )
        self.assertTrue(message, "the switch is tracked on the policy")

    def test_identity_is_fixed_once_computed_and_kept_runs_are_not_deleted(self):
        run = self._computed_run(self.controller)
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            run.with_user(self.controller).write({"date_from": "2026-09-01"})
        run.with_user(self.controller_2).action_approve()
        with self.assertRaises(UserError):
            run.with_user(self.controller).unlink()
        self.assertTrue(run.exists())

    def test_results_are_never_edited(self):
        run = self._computed_run()
        line = run.line_ids[:1]
        sender = run.sender_ids[:1]
        for records, vals in ((line, {"amount": 1.0}), (sender, {"credited_amount": 0.0})):
            with self.assertRaises(AccessError):
                records.sudo().write(vals)
            with self.assertRaises(AccessError):
                records.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env["cloud.cost.allocation.line"].sudo().create({"run_id": run.id, "amount": 5.0})


@tagged("post_install", "-at_install")
class TestBillFacts(AllocationCase):
    def test_bill_lines_and_batches_come_from_imports_only(self):
        line = self.batch.line_ids[:1]
        other = self.make_batch([(None, None, "1.00", None, "Other")], period=("2026-09-01", "2026-09-30"))
        with self.assertRaises(AccessError):
            self.env["cloud.cost.line"].with_user(self.accountant).create(
                {"batch_id": self.batch.id, "company_id": self.company.id, "effective_cost_company": 9.0}
            )
        with self.assertRaises(AccessError):
            self.env["cloud.cost.import.batch"].with_user(self.accountant).create(
                {
                    "source_id": self.source.id,
                    "company_id": self.company.id,
                    "billing_period_start": "2026-10-01",
                    "billing_period_end": "2026-10-31",
                }
            )
        for vals in (
            {"effective_cost_company": 1.0},
            {"billing_currency": "USD"},
            {"source_row": 99},
            {"charge_period_start": "2026-09-01 00:00:00"},
            {"batch_id": other.id},
            {"tags": {"team": "forged"}},
        ):
            with self.assertRaises(AccessError, msg=str(vals)):
                line.with_user(self.accountant).write(vals)
        with self.assertRaises(AccessError):
            line.sudo().unlink()
        with self.assertRaises(AccessError):
            self.batch.with_user(self.accountant).write({"state": "superseded"})

    def test_reclassification_is_allowed_and_tracked_with_who_and_when(self):
        line = self.batch.line_ids.filtered(lambda cost_line: not cost_line.analytic_account_id)[:1]
        line.with_user(self.accountant).write({"analytic_account_id": self.data.id, "environment": "qa"})
        self.assertEqual(line.analytic_account_id, self.data)
        changes = line.change_ids
        self.assertEqual(sorted(changes.mapped("field_name")), ["analytic_account_id", "environment"])
        unit = changes.filtered(lambda c: c.field_name == "analytic_account_id")
        self.assertEqual((unit.old_value, unit.new_value, unit.user_id), ("", "Data", self.accountant))
        self.assertTrue(unit.date)
        with self.assertRaises(AccessError):
            unit.with_user(self.accountant).unlink()
        with self.assertRaises(AccessError):
            unit.sudo().write({"new_value": "Retail"})

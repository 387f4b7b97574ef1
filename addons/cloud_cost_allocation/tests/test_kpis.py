from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AllocationCase


@tagged("post_install", "-at_install")
class TestRunKpis(AllocationCase):
    def test_kpis_of_the_october_run(self):
        run = self.new_run()
        run.action_compute()
        self.assertEqual(run.total_cost, 1075.0)
        self.assertEqual(run.direct_cost, 150.0)
        # direct 150 + platform 300 + tagged runtime 500 reached a business unit
        self.assertEqual(run.allocated_amount, 950.0)
        self.assertEqual(run.allocated_percent, 88.37)
        self.assertEqual(run.maturity, "walk")
        self.assertEqual((run.unallocated_amount, run.unallocated_kept), (25.0, 25.0))
        self.assertEqual((run.idle_amount, run.idle_kept), (100.0, 100.0))
        # staging 100 + dev 50
        self.assertEqual((run.non_production_amount, run.non_production_percent), (150.0, 13.95))
        # 50 users from the policy's users driver
        self.assertEqual(run.user_count, 50.0)
        self.assertEqual(run.cost_per_user, 21.5)
        run.transaction_count = 4300
        self.assertEqual(run.cost_per_transaction, 0.25)

    def test_spreading_unallocated_and_idle_cost_is_not_counted_as_allocated(self):
        self.policy.write({"unallocated_policy": "share", "idle_policy": "receiver", "idle_receiver_id": self.data.id})
        run = self.new_run()
        run.action_compute()
        self.assertEqual((run.unallocated_kept, run.idle_kept), (0.0, 0.0))
        self.assertEqual(run.allocated_percent, 88.37)
        totals = self.receiver_totals(run)
        self.assertEqual(totals["Data"], 100.0)
        # 25.00 shared 525 : 425 -> 13.82 / 11.18
        self.assertEqual((totals["Retail"], totals["Payments"]), (525.0 + 13.82, 425.0 + 11.18))
        self.assertEqual(sum(totals.values()), 1075.0)
        sender = run.sender_ids.filtered(lambda s: s.pool_id == self.runtime)
        self.assertEqual(sender.credited_percent, 100.0)

    def test_maturity_runs_above_90_percent(self):
        self.policy.step_ids[1].write({"remainder_target": "analytic", "remainder_analytic_id": self.data.id})
        run = self.new_run()
        run.action_compute()
        self.assertEqual(run.allocated_percent, 97.67)  # all but the 25.00 unallocated
        self.assertEqual(run.maturity, "run")


@tagged("post_install", "-at_install")
class TestRunAccess(AllocationCase):
    def test_readers_read_and_cannot_compute(self):
        run = self.new_run()
        run.action_compute()
        for reader in (self.cost_user, self.auditor):
            as_reader = run.with_user(reader)
            self.assertEqual(as_reader.total_cost, 1075.0)
            self.assertTrue(as_reader.line_ids.read(["amount"]))
            with self.assertRaises(AccessError):
                as_reader.action_compute()
            with self.assertRaises(AccessError):
                self.env["cloud.cost.allocation.policy"].with_user(reader).create({"name": "Mine", "code": "MINE"})

    def test_other_company_sees_no_run(self):
        run = self.new_run()
        run.action_compute()
        Run = self.env["cloud.cost.allocation.run"].with_user(self.other_user)
        self.assertFalse(Run.search([]))
        self.assertFalse(self.env["cloud.cost.allocation.line"].with_user(self.other_user).search([]))
        with self.assertRaises(AccessError):
            run.with_user(self.other_user).read(["total_cost"])

from decimal import Decimal

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.cloud_cost_posting.tests.test_posting import PostingCase


@tagged("post_install", "-at_install")
class TestPreviousMonthCostPerPool(PostingCase):
    """An addon's allocation method and entry grouping, end to end: a support pool split by last month's
    direct cost, the run checked, approved by a second controller and posted one entry per sender pool.

    September: direct cost Retail 120.00, Payments 60.00, Data 20.01 (weights 12000 : 6000 : 2001).
    October: the allocation test company's bill and a support pool of 1,000.01; largest remainder over 100,001
    cents gives Retail 599.98, Payments 299.99, Data 100.04."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support = cls.env["cloud.cost.pool"].create(
            {"name": "Support contract", "code": "SUPP", "company_id": cls.company.id}
        )
        cls.make_batch(
            [
                (None, cls.retail, "120.00", "prod", "Compute"),
                (None, cls.payments, "60.00", "prod", "Storage"),
                (None, cls.data, "20.01", "dev", "Compute"),
                (cls.support, None, "999.99", "prod", "Other"),  # a pool's own cost is no business unit's direct cost
            ],
            period=("2026-09-01", "2026-09-30"),
        )
        cls.make_batch([(cls.support, None, "1000.01", "prod", "Other")])
        cls.step = cls.env["cloud.cost.allocation.step"].create(
            {
                "policy_id": cls.policy.id,
                "sequence": 3,
                "name": "Support by last month",
                "sender_pool_id": cls.support.id,
                "method": "previous_cost",
            }
        )
        cls.policy.posting_grouping = "pool"

    def test_method_and_grouping_come_from_the_addon(self):
        Step = self.env["cloud.cost.allocation.step"]
        self.assertIn(
            ("previous_cost", "Proportional to last month's direct cost"),
            Step._fields["method"]._description_selection(self.env),
        )
        self.assertIn("pool", dict(self.env["cloud.cost.allocation.policy"]._fields["posting_grouping"].selection))
        # the step form shows what the method's class says it uses: receivers, exclusions, a reciprocal group
        self.assertEqual(
            [self.step[flag] for flag in ("uses_driver", "uses_fixed_shares", "uses_receivers", "reciprocal")],
            [False, False, True, True],
        )
        with Form(Step.with_context(default_policy_id=self.policy.id)) as form:
            form.sender_pool_id = self.support
            form.method = "driver"
            self.assertTrue(form.uses_driver)
            form.method = "previous_cost"
            self.assertFalse(form.uses_driver)
            self.assertTrue(form.reciprocal)
        # the base method's validation applies to it: a reciprocal group is fine, only weights are
        self.step.reciprocal_group = "SUPPORT"
        self.step.reciprocal_group = False
        with self.assertRaisesRegex(ValidationError, "choose the allocation key"):
            self.step.method = "driver"

    def test_split_by_last_month_posted_one_entry_per_pool_to_the_cent(self):
        run = self.approved_run()
        self.assertEqual(run.state, "approved")
        self.assertNotEqual(run.computed_by_id, run.approved_by_id)
        self.assertTrue(run.checks_passed)
        support = run.sender_ids.filtered(lambda sender: sender.pool_id == self.support)
        self.assertEqual(
            (support.own_amount, support.credited_amount, support.credited_percent, support.balanced),
            (1000.01, 1000.01, 100.0, True),
        )
        lines = run.line_ids.filtered(lambda line: line.step_id == self.step)
        self.assertEqual(
            {line.analytic_account_id: line.amount for line in lines},
            {self.retail: 599.98, self.payments: 299.99, self.data: 100.04},
        )
        self.assertEqual(set(lines.mapped("method")), {"previous_cost"})
        self.assertEqual(
            {line.analytic_account_id: round(line.driver_value, 2) for line in lines},
            {self.retail: 120.0, self.payments: 60.0, self.data: 20.01},
        )
        # the weights the run read are in its frozen rules (sealed, and part of the fingerprint)
        frozen = run.snapshot["rules"]["previous_month_cost"][str(self.step.id)]
        self.assertEqual(
            [(kind, ident, Decimal(cost)) for kind, ident, cost in frozen],
            [
                ("a", self.retail.id, Decimal("120.00")),
                ("a", self.payments.id, Decimal("60.00")),
                ("a", self.data.id, Decimal("20.01")),
            ],
        )

        run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "posted")
        moves = run.move_ids
        # one entry per sender pool and one for the business units' direct cost, each balanced to the cent
        senders = [
            set(
                move.line_ids.filtered(lambda line: line.cloud_cost_side == "sender").mapped(
                    "cloud_cost_sender_pool_id"
                )
            )
            for move in moves
        ]
        self.assertCountEqual(senders, [{self.platform}, {self.runtime}, {self.support}, set()])
        for move in moves:
            self.assertEqual(move.state, "posted")
            debit, credit = sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))
            self.assertEqual(round(debit, 2), round(credit, 2))
        support_move = moves.filtered(lambda move: self.support in move.line_ids.cloud_cost_sender_pool_id)
        self.assertIn(self.support.display_name, support_move.ref)
        self.assertEqual(support_move.line_ids.filtered(lambda line: line.cloud_cost_side == "sender").credit, 1000.01)
        self.assertEqual(
            {
                line.cloud_cost_receiver_id: line.debit
                for line in support_move.line_ids
                if line.cloud_cost_side == "receiver"
            },
            {self.retail: 599.98, self.payments: 299.99, self.data: 100.04},
        )
        # analytic lines per business unit = the run's final allocation lines per receiver, to the cent
        final = self.final_by_receiver(run)
        self.assertEqual({account: -amount for account, amount in self.analytic_by_account(moves).items()}, final)
        self.assertEqual(final[self.retail], 1124.98)  # 225 platform + 200 runtime + 100 direct + 599.98 support
        # every journal item leads back to the allocation lines it sums
        for item in moves.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver"):
            self.assertAlmostEqual(sum(item.cloud_cost_allocation_line_ids.mapped("amount")), item.debit, places=2)

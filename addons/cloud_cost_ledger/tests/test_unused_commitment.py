from odoo.tests import tagged

from .common import BILLING_ACCOUNT, LedgerCase

PLAN_1 = "arn:aws:savingsplans::123456789012:savingsplan/sp-1"
PLAN_2 = "arn:aws:savingsplans::123456789012:savingsplan/sp-2"


@tagged("post_install", "-at_install")
class TestUnusedCommitmentPool(LedgerCase):
    """October: Savings Plan sp-1 (1,200.00 bought) covered 90.00 of usage and left 10.01 unused; sp-2 left 3.33
    unused. A pool collecting sp-1's unused commitment is spread over the business units by a step of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prepaid = cls.env["account.account"].create(
            {
                "code": "186000",
                "name": "Prepaid cloud commitments",
                "account_type": "asset_prepayments",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.company.cloud_cost_prepaid_account_id = cls.prepaid
        cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": cls.batch.id,
                    "company_id": cls.company.id,
                    "charge_description": f"Savings Plan {status}",
                    "charge_category": category,
                    "billing_period_start": "2026-10-01",
                    "charge_period_start": "2026-10-01 00:00:00",
                    "provider_name": "AWS",
                    "billed_cost": billed,
                    "billed_cost_company": billed,
                    "effective_cost": effective,
                    "effective_cost_company": effective,
                    "commitment_discount": plan,
                    "commitment_discount_status": status,
                    "billing_account": BILLING_ACCOUNT,
                    "source_file": "focus.csv",
                    "source_row": 300 + index,
                }
                for index, (plan, category, billed, effective, status) in enumerate(
                    [
                        (PLAN_1, "Purchase", 1200.0, 0.0, ""),
                        (PLAN_1, "Usage", 0.0, 90.0, "Used"),
                        (PLAN_1, "Usage", 0.0, 6.0, "Unused"),
                        (PLAN_1, "Usage", 0.0, 4.01, "Unused"),
                        (PLAN_2, "Usage", 0.0, 3.33, "Unused"),
                    ]
                )
            ]
        )
        cls.controller_clearing = cls.env["account.account"].create(
            {
                "code": "628200",
                "name": "Unused commitment clearing",
                "account_type": "expense",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )

    def unused_lines(self, plan):
        return self.batch.line_ids.filtered(
            lambda line: line.commitment_discount == plan and line.commitment_discount_status == "Unused"
        )

    def test_the_unused_commitment_is_a_pool_of_its_own_spread_to_the_cent(self):
        pool = self.env["cloud.cost.pool"].create(
            {
                "name": "Unused Savings Plan sp-1",
                "code": "UNUSED-SP1",
                "company_id": self.company.id,
                "pool_type": "other",
                "clearing_account_id": self.controller_clearing.id,
                "unused_commitment": True,
                "unused_commitment_ref": PLAN_1,
                "unused_commitment_provider": "aws",
            }
        )
        self.assertEqual(self.unused_lines(PLAN_1).cost_pool_id, pool)
        self.assertFalse(self.unused_lines(PLAN_2).cost_pool_id)
        self.policy.write(
            {
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 3,
                            "name": "Unused commitment evenly",
                            "sender_pool_id": pool.id,
                            "method": "even",
                            "receiver_analytic_ids": [(6, 0, (self.retail | self.payments | self.data).ids)],
                        },
                    )
                ]
            }
        )
        run = self.approved_run()
        sender = run.sender_ids.filtered(lambda s: s.pool_id == pool)
        # the pool's month cost is the unused commitment of sp-1, 10.01, spread whole: 3.34 + 3.34 + 3.33
        self.assertEqual((sender.own_amount, sender.credited_amount, sender.kept_amount), (10.01, 10.01, 0.0))
        spread = run.line_ids.filtered(lambda line: line.sender_pool_id == pool and line.is_final)
        self.assertEqual(sorted(spread.mapped("amount")), [3.33, 3.34, 3.34])
        self.assertEqual(round(sum(spread.mapped("amount")), 2), 10.01)
        self.assertEqual(spread.analytic_account_id, self.retail | self.payments | self.data)
        # the month's release shows the unused commitment of every plan: sp-1's 10.01 and sp-2's 3.33
        Release = self.env["cloud.cost.commitment.release"].with_user(self.controller).with_company(self.company)
        release = Release.browse(Release.action_post_month("2026-10-01"))
        self.assertEqual((release.amortized_amount, release.unused_amount), (90.0, 13.34))
        # charged back, the pool's clearing account is credited with what it spread
        run.with_user(self.controller).action_post()
        self.assertEqual(self.balances(self.controller_clearing, "2026-10-31")[self.controller_clearing], -10.01)

    def test_rules_applied_again_leave_the_unused_commitment_to_its_pool(self):
        anywhere = self.env["cloud.cost.pool"].create(
            {
                "name": "Unused AWS commitments",
                "code": "UNUSED-AWS",
                "company_id": self.company.id,
                "pool_type": "other",
                "unused_commitment": True,
                "unused_commitment_provider": "AWS",
            }
        )
        self.assertEqual((self.unused_lines(PLAN_1) | self.unused_lines(PLAN_2)).cost_pool_id, anywhere)
        # a pool naming the commitment takes its rows from the provider's
        named = self.env["cloud.cost.pool"].create(
            {
                "name": "Unused sp-2",
                "code": "UNUSED-SP2",
                "company_id": self.company.id,
                "pool_type": "other",
                "unused_commitment": True,
                "unused_commitment_ref": PLAN_2,
            }
        )
        self.assertEqual(self.unused_lines(PLAN_2).cost_pool_id, named)
        self.assertEqual(self.unused_lines(PLAN_1).cost_pool_id, anywhere)
        self.env["cloud.cost.mapping.rule"].create(
            {
                "name": "The billing account to the platform",
                "company_id": self.company.id,
                "match_billing_account": BILLING_ACCOUNT,
                "cost_pool_id": self.platform.id,
            }
        )
        self.batch.action_reapply_rules()
        self.assertEqual(self.unused_lines(PLAN_1).cost_pool_id, anywhere)
        self.assertEqual(self.unused_lines(PLAN_2).cost_pool_id, named)
        used = self.batch.line_ids.filtered(lambda line: line.commitment_discount_status == "Used")
        self.assertEqual(used.cost_pool_id, self.platform)
        summary = self.env["cloud.cost.line.summary"].search(
            [("batch_id", "=", self.batch.id), ("cost_pool_id", "=", anywhere.id)]
        )
        self.assertEqual(round(sum(summary.mapped("effective_cost")), 2), 10.01)

from decimal import Decimal

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..core.focus_month import generate_month, month_starts


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """What a new user sees at first login: the demo estate's bills imported, classified and budgeted."""

    def test_the_last_two_months_of_bills_are_imported_and_mostly_allocated(self):
        source = self.env.ref("cloud_cost.cost_source_focus_demo")
        batches = source.batch_ids.filtered(lambda b: b.state == "imported").sorted("billing_period_start")
        months = month_starts(fields.Date.context_today(source), 2)
        self.assertEqual(batches.mapped("billing_period_start"), months)
        for batch, month in zip(batches, months, strict=True):
            rows = generate_month(month)
            self.assertEqual(batch.row_count, len(rows))
            # the file's exact totals, kept exactly (numeric) by the import
            self.env.cr.execute(
                "SELECT sum(billed_cost)::text, sum(effective_cost)::text FROM cloud_cost_import_total "
                "WHERE batch_id = %s",
                [batch.id],
            )
            self.assertEqual(
                tuple(Decimal(total) for total in self.env.cr.fetchone()),
                (sum(Decimal(r["BilledCost"]) for r in rows), sum(Decimal(r["EffectiveCost"]) for r in rows)),
            )
            share = batch.unallocated_cost / batch.effective_cost_total
            self.assertTrue(0.01 < share < 0.10, f"unallocated share {share:.1%}: untagged rows stay visible")

    def test_tags_classify_the_lines_by_business_unit_pool_and_tier(self):
        lines = self.env["cloud.cost.line"].search(
            [("source_id", "=", self.env.ref("cloud_cost.cost_source_focus_demo").id)]
        )
        retail = lines.filtered(lambda line: line.analytic_account_id == self.env.ref("cloud_cost.analytic_bu_retail"))
        self.assertTrue(retail)
        self.assertEqual(
            set(retail.mapped("service_tier_id.code")), {self.env.ref("cloud_cost.service_tier_business_critical").code}
        )
        nodes = lines.filtered(lambda line: line.resource_name and line.resource_name.startswith("eks-node-"))
        self.assertEqual(nodes.cost_pool_id, self.env.ref("cloud_cost.cost_pool_tenant_runtime"))
        regulated = lines.filtered(lambda line: line.tenant == "regulated")
        self.assertEqual(set(regulated.mapped("provider_name")), {"Microsoft"})
        sandbox = lines.filtered(lambda line: line.resource_name == "sandbox-vm")
        self.assertTrue(sandbox and all(sandbox.mapped("is_unallocated")))

    def test_retail_is_over_its_budget_last_month(self):
        budget = self.env.ref("cloud_cost_demo.budget_retail_last_month")
        self.assertTrue(budget.over_budget)
        self.assertFalse(self.env.ref("cloud_cost_demo.budget_regulated_last_month").over_budget)

    def test_the_month_end_policy_has_a_posted_and_a_computed_run(self):
        policy = self.env.ref("cloud_cost_demo.allocation_policy_month_end")
        self.assertEqual(policy.step_ids.mapped("method"), ["fixed", "driver", "driver", "driver"])
        self.assertEqual(
            policy.step_ids[0].percent_ids.pool_id,
            self.env.ref("cloud_cost.cost_pool_tenant_runtime") | self.env.ref("cloud_cost.cost_pool_resilience"),
        )
        runs = policy.run_ids.sorted("date_from")
        self.assertEqual([run.date_from for run in runs], month_starts(fields.Date.context_today(policy), 2))
        posted, computed = runs
        self.assertEqual((posted.state, computed.state), ("posted", "computed"))
        self.assertNotEqual(posted.approved_by_id, posted.computed_by_id)  # four eyes
        for run in runs:
            self.assertTrue(run.checks_passed)
            self.assertEqual(run.maturity, "run")  # more than 90 % of spend allocated
            self.assertLess(run.unallocated_amount, run.total_cost * 0.1)
        # the posted entry carries the allocation to the business units, to the cent
        final = sum(
            posted.line_ids.filtered(lambda line: line.is_final and line.receiver_kind == "analytic").mapped("amount")
        )
        self.assertAlmostEqual(posted.move_ids.amount_total, final, places=2)
        analytic = self.env["account.analytic.line"].search([("move_line_id.move_id", "in", posted.move_ids.ids)])
        self.assertAlmostEqual(-sum(analytic.mapped("amount")), final, places=2)

    def test_cluster_usage_gives_the_cpu_and_memory_drivers(self):
        cluster = self.env.ref("cloud_cost_demo.usage_source_shared_cluster")
        usage = cluster.usage_ids
        self.assertEqual(
            set(usage.mapped("name")), {"retail-prod", "wholesale-prod", "services-prod", "platform-system", "__idle__"}
        )
        retail = self.env.ref("cloud_cost.analytic_bu_retail")
        self.assertEqual(usage.filtered(lambda u: u.name == "retail-prod").analytic_account_id, retail)
        self.assertFalse(usage.filtered("is_idle").analytic_account_id)
        cpu = self.env["cloud.cost.driver.value"].search(
            [("key_id", "=", self.env.ref("cloud_cost.allocation_key_cpu").id)]
        )
        self.assertEqual(set(cpu.mapped("origin")), {"cluster_usage"})
        month = month_starts(fields.Date.context_today(cluster), 1)[0]
        retail_rows = usage.filtered(lambda u: u.name == "retail-prod" and u.day.replace(day=1) == month)
        expected = sum(max(u.cpu_request_avg, u.cpu_usage_avg) * u.minutes / 60 for u in retail_rows)
        value = cpu.filtered(lambda v: v.analytic_account_id == retail and v.date_from == month)
        self.assertAlmostEqual(value.value, expected, places=3)

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..core.focus_month import month_starts


@tagged("post_install", "-at_install")
class TestJourneys(HttpCase):
    """The main journeys on the demo estate, the way people go through them, in a real browser."""

    def test_accountant_fixes_a_mapping_rule_so_an_untagged_line_becomes_allocated(self):
        company = self.env.ref("base.main_company")
        accountant = new_test_user(
            self.env,
            login="cc_journey_accountant",
            groups="base.group_user,account.group_account_user,cloud_cost.group_cloud_cost_accountant",
            company_id=company.id,
        )
        source = self.env.ref("cloud_cost.cost_source_focus_demo")
        last_month = source.batch_ids.filtered(
            lambda b: b.state == "imported" and b.billing_period_start == month_starts(fields.Date.today(), 1)[0]
        )
        sandbox = self.env["cloud.cost.line"].search(
            [
                ("batch_id", "in", source.batch_ids.filtered(lambda b: b.state == "imported").ids),
                ("resource", "=like", "%:sandbox-vm"),
            ]
        )
        self.assertTrue(sandbox and all(sandbox.mapped("is_unallocated")), "the demo leaves the sandbox VM untagged")
        unallocated_before = last_month.unallocated_cost

        self.start_tour("/odoo", "cloud_cost_accountant_fixes_mapping", login=accountant.login)

        rule = self.env["cloud.cost.mapping.rule"].search([("name", "=", "Retail sandbox")])
        self.assertEqual(rule.create_uid, accountant)
        self.assertEqual(rule.match_resource, "*sandbox-vm")
        sandbox.invalidate_recordset()
        reviewed = sandbox.filtered(lambda line: line.batch_id == last_month)
        earlier = sandbox - reviewed
        self.assertTrue(reviewed and earlier)
        self.assertEqual(reviewed.analytic_account_id, self.env.ref("cloud_cost.analytic_bu_retail"))
        self.assertFalse(any(reviewed.mapped("is_unallocated")))
        self.assertEqual(reviewed.mapping_rule_id, rule)
        # the wizard proposed the open months only: the month before stays as it was closed
        self.assertTrue(all(earlier.mapped("is_unallocated")))
        last_month.invalidate_recordset()
        self.assertAlmostEqual(
            last_month.unallocated_cost, unallocated_before - sum(reviewed.mapped("effective_cost_company")), places=2
        )

    def test_controllers_compute_approve_and_post_last_months_run(self):
        company = self.env.ref("base.main_company")
        first, second = (
            new_test_user(
                self.env,
                login=f"cc_journey_controller_{n}",
                company_id=company.id,
                groups="base.group_user,account.group_account_manager,cloud_cost.group_cloud_cost_controller",
            )
            for n in (1, 2)
        )
        policy = self.env.ref("cloud_cost_demo.allocation_policy_month_end")
        last_month = month_starts(fields.Date.today(), 1)[0]
        run = self.env["cloud.cost.allocation.run"].search(
            [("policy_id", "=", policy.id), ("date_from", "=", last_month)]
        )
        self.assertEqual(run.state, "computed")

        self.start_tour("/odoo", "cloud_cost_controller_computes_run", login=first.login)
        self.assertEqual((run.state, run.computed_by_id), ("computed", first))
        self.start_tour("/odoo", "cloud_cost_controller_approves_and_posts_run", login=second.login)

        self.assertEqual((run.state, run.approved_by_id, run.posted_by_id), ("posted", second, second))
        move = run.move_ids
        self.assertEqual((len(move), move.state, move.date), (1, "posted", run.date_to))
        final = sum(
            run.line_ids.filtered(lambda line: line.is_final and line.receiver_kind == "analytic").mapped("amount")
        )
        self.assertAlmostEqual(move.amount_total, final, places=2)

    def test_auditor_follows_a_posted_journal_item_to_the_bill_rows(self):
        company = self.env.ref("base.main_company")
        auditor = new_test_user(
            self.env,
            login="cc_journey_auditor",
            company_id=company.id,
            groups="base.group_user,account.group_account_readonly,cloud_cost.group_cloud_cost_auditor",
        )
        policy = self.env.ref("cloud_cost_demo.allocation_policy_month_end")
        posted = policy.run_ids.filtered(lambda run: run.state == "posted")
        self.assertEqual(len(posted), 1)

        self.start_tour("/odoo", "cloud_cost_auditor_traces_journal_item", login=auditor.login)

        # what the auditor walked through holds together: the item's allocation lines add up to it, and the
        # cost lines behind them are rows of the imported bill files
        item = posted.move_ids.line_ids.sorted("sequence")[0]
        env = self.env(user=auditor)
        action = item.with_env(env).action_view_cloud_cost_allocation_lines()
        lines = env["cloud.cost.allocation.line"].search(action["domain"])
        self.assertAlmostEqual(sum(lines.mapped("amount")), abs(item.balance), places=2)
        costs = env["cloud.cost.allocation.run.cost"].search(lines[0].action_view_cost_lines()["domain"])
        self.assertTrue(costs)
        for cost in costs[:20]:
            self.assertTrue(cost.source_file.startswith("focus-") and cost.source_row > 0)
            self.assertIn(cost.source_file, cost.batch_id.file_ids.mapped("name"))
        self.assertEqual(posted.with_user(auditor).state, "posted")  # read, never changed

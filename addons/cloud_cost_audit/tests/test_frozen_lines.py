"""Mapping rules applied again leave the classification a sealed run took as it was."""

from odoo.tests import tagged

from .common import NOVEMBER, AuditCase


@tagged("post_install", "-at_install")
class TestFrozenLines(AuditCase):
    def test_rules_applied_again_skip_the_lines_of_a_sealed_run(self):
        run = self.november_run()
        batch = self.env["cloud.cost.import.batch"].search(
            [("source_id", "=", self.source.id), ("billing_period_start", "=", NOVEMBER[0])]
        )
        retail_lines = batch.line_ids.filtered(lambda line: line.analytic_account_id == self.retail)
        self.assertEqual(len(retail_lines), 2)
        # the rule now sends the team's cost to Payments
        rule = self.env["cloud.cost.mapping.rule"].search(
            [("name", "=", "Retail team"), ("company_id", "=", self.company.id)]
        )
        rule.analytic_account_id = self.payments
        self.env["cloud.cost.mapping.rule"]._apply_to_batches(batch)
        self.assertEqual(retail_lines.analytic_account_id, self.retail, "the sealed run's lines keep their unit")
        self.assertTrue(run._verify_hash())
        # once the run is back to draft, the rule applies again
        run.with_user(self.controller).action_reset_to_draft()
        self.env["cloud.cost.mapping.rule"]._apply_to_batches(batch)
        self.assertEqual(retail_lines.analytic_account_id, self.payments)

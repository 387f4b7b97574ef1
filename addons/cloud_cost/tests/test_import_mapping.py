from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestMappingRules(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Mapping Co"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        plan = cls.env["account.analytic.plan"].create({"name": "Business units"})
        Account = cls.env["account.analytic.account"]
        cls.retail = Account.create({"name": "Retail", "code": "RET", "plan_id": plan.id, "company_id": cls.company.id})
        cls.payments = Account.create(
            {"name": "Payments", "code": "PAY", "plan_id": plan.id, "company_id": cls.company.id}
        )
        cls.pool = cls.env["cloud.cost.pool"].create({"name": "Platform", "code": "PLAT", "company_id": cls.company.id})
        source = cls.env["cloud.cost.source"].create({"name": "FOCUS", "company_id": cls.company.id})
        cls.batch = cls.env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": cls.company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        rows = [
            ("Amazon Relational Database Service", "111", "eu-west-1", {"team": "payments", "env": "prod"}, "10"),
            ("Amazon Elastic Compute Cloud", "222", "us-east-1", {"tenant": "RET"}, "20"),
            ("AWS Support", "111", None, None, "5"),
            ("Amazon Simple Storage Service", "333", "eu-central-1", {"tenant": "nobody"}, "7"),
        ]
        cls.lines = cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": cls.batch.id,
                    "company_id": cls.company.id,
                    "service_name": service,
                    "sub_account": account,
                    "region": region,
                    "tags": tags,
                    "effective_cost": float(cost),
                    "effective_cost_company": float(cost),
                    "source_file": "focus.csv",
                    "source_row": row,
                }
                for row, (service, account, region, tags, cost) in enumerate(rows, start=1)
            ]
        )
        cls.Rule = cls.env["cloud.cost.mapping.rule"]

    def _apply(self):
        count = self.Rule._apply_to_batches(self.batch)
        self.assertEqual(count, 4)
        return [(line.analytic_account_id, line.environment, line.cost_pool_id) for line in self.lines]

    def rule(self, **values):
        return self.Rule.create({"company_id": self.company.id, **values})

    def test_first_rule_in_sequence_wins_and_the_rest_stays_unallocated(self):
        late = self.rule(name="EU to retail", sequence=20, match_region="eu-*", analytic_account_id=self.retail.id)
        early = self.rule(
            name="Databases to payments", sequence=10, match_service="*database*", analytic_account_id=self.payments.id
        )
        result = self._apply()
        self.assertEqual(result[0][0], self.payments)  # both match: the lower sequence wins
        self.assertEqual(result[3][0], self.retail)
        self.assertFalse(result[1][0])
        self.assertEqual(self.lines.mapped("mapping_rule_id"), early | late)
        self.assertEqual(self.lines.mapped("is_unallocated"), [False, True, True, False])
        # what nobody bears stays visible on the batch: rows 2 and 3, 20 + 5
        self.assertAlmostEqual(self.batch.unallocated_cost, 25.0)

    def test_tag_rules_and_values_taken_from_tags(self):
        self.rule(
            name="Payments team",
            match_tag_key="team",
            match_tag_value="pay*",
            analytic_account_id=self.payments.id,
            environment="production",
        )
        self.rule(name="Tenant tag", value_tag_key="tenant", value_target="analytic_account_id")
        self.rule(name="Environment tag", value_tag_key="env", value_target="environment")
        result = self._apply()
        self.assertEqual(result[0][:2], (self.payments, "production"))
        # the tenant tag names the business unit by its code
        self.assertEqual(result[1][0], self.retail)
        # an unknown tenant sets nothing and the line stays unallocated
        self.assertFalse(result[3][0])
        self.assertTrue(self.lines[3].is_unallocated)

    def test_reapplying_after_an_edit_moves_the_lines(self):
        rule = self.rule(name="Account 111", match_sub_account="111", cost_pool_id=self.pool.id)
        self.assertEqual([r[2] for r in self._apply()], [self.pool, self.pool.browse(), self.pool, self.pool.browse()])
        # already imported lines keep their classification until rules are applied again
        rule.match_sub_account = "222, 333"
        self.assertEqual(self.lines[0].cost_pool_id, self.pool)
        wizard = self.env["cloud.cost.mapping.apply.wizard"].create(
            {"company_id": self.company.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
        )
        action = wizard.action_apply()
        self.assertEqual(wizard.line_count, 4)
        self.assertEqual([bool(line.cost_pool_id) for line in self.lines], [False, True, False, True])
        self.assertEqual(self.env["cloud.cost.line"].search(action["domain"]), self.lines)
        # archiving the rule and applying again unallocates the lines
        rule.active = False
        self._apply()
        self.assertTrue(all(self.lines.mapped("is_unallocated")))
        self.assertFalse(self.lines.mapping_rule_id)

    def test_bad_rules_are_refused_when_saved(self):
        with self.assertRaisesRegex(ValidationError, "invalid regular expression"):
            self.rule(name="Broken", pattern_type="regex", match_resource="arn:(", environment="x")
        with self.assertRaisesRegex(ValidationError, "sets nothing"):
            self.rule(name="Idle", match_region="eu-*")
        with self.assertRaises(ValidationError):
            self.rule(name="Half", value_tag_key="tenant")

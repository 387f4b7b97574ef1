from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.server_options import server_options
from odoo.addons.cloud_cost_allocation.tests.common import AllocationCase


@tagged("post_install", "-at_install")
class TestTracking(AllocationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(server_options(cloud_cost_import_roots="/srv"))  # where the source's folder lies

    def tracked(self, record):
        """{field name: (old, new)} of the record's last message, once the transaction commits."""
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written when the transaction commits
        message = record.message_ids[0]
        return message, {
            value.field_id.name: (
                value._format_display_value(value.field_id.ttype, new=False)[0],
                value._format_display_value(value.field_id.ttype, new=True)[0],
            )
            for value in message.sudo().tracking_value_ids
        }

    def test_changes_to_sources_rules_pools_keys_tiers_and_policies_are_tracked(self):
        rule = self.env["cloud.cost.mapping.rule"].create(
            {"name": "Sandbox", "company_id": self.company.id, "match_service": "Amazon EC2", "environment": "dev"}
        )
        tier = self.env["cloud.cost.service.tier"].create(
            {"name": "Business critical", "code": "BC", "company_id": self.company.id}
        )
        changes = [
            (self.source, {"provider_name": "AWS", "location": "/srv/bills"}),
            (rule, {"match_service": "Amazon RDS", "cost_pool_id": self.runtime.id}),
            (self.platform, {"name": "Shared platform services", "analytic_account_id": self.data.id}),
            (self.cpu, {"unit": "vCPU-hours"}),
            (tier, {"rpo_minutes": 15, "premium_controls": "Cross-zone HA"}),
            (self.policy, {"user_key_id": False, "idle_policy": "share"}),
        ]
        for record, values in changes:
            with self.subTest(model=record._name):
                before = {name: record[name] for name in values}
                record.with_user(self.controller).write(values)
                message, tracked = self.tracked(record)
                self.assertEqual(set(tracked), set(values))
                for name, (old, new) in tracked.items():
                    field = record._fields[name]
                    if field.type == "many2one":
                        self.assertEqual((old, new), (before[name].display_name or "", record[name].display_name or ""))
                    elif field.type == "selection":
                        self.assertEqual(new, dict(field._description_selection(self.env))[values[name]])
                    else:
                        self.assertEqual(new, values[name])
                self.assertEqual(message.author_id, self.controller.partner_id)

    def test_policy_steps_and_percentages_are_tracked_in_the_policy_chatter(self):
        policy = self.policy.with_user(self.controller)
        platform_step = policy.step_ids.filtered(lambda step: step.sender_pool_id == self.platform)
        policy.write(
            {
                "step_ids": [
                    (
                        1,
                        platform_step.id,
                        {"method": "even", "key_id": False, "receiver_analytic_ids": [(6, 0, self.retail.ids)]},
                    )
                ]
            }
        )
        message = self.policy.message_ids[0]
        self.assertIn("Changed: Step 1 (Platform by CPU)", message.body)
        values = {value.field_id.name: value for value in message.sudo().tracking_value_ids}
        self.assertEqual(set(values), {"method", "key_id", "receiver_analytic_ids"})
        self.assertEqual(
            (values["method"].old_value_char, values["method"].new_value_char),
            ("Proportional to a driver", "Even split"),
        )
        self.assertEqual(
            (values["key_id"].old_value_char, values["key_id"].new_value_char), ("[CPU] CPU core-hours", "")
        )
        self.assertEqual(values["receiver_analytic_ids"].new_value_char, "Retail")
        self.assertEqual(message.author_id, self.controller.partner_id)
        # what the chatter shows the auditor, who reads policies but never writes them
        shown = message.sudo().tracking_value_ids._filter_has_field_access(self.env(user=self.auditor))
        self.assertEqual(
            {value["changedField"] for value in shown._tracking_value_format()},
            {"Method", "Allocation Key", "Receiving Business Units"},
        )

        policy.write(
            {
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 3,
                            "name": "Data by share",
                            "sender_pool_id": self.runtime.id,
                            "method": "fixed",
                            "percent_ids": [
                                (0, 0, {"analytic_account_id": self.retail.id, "percent": 60}),
                                (0, 0, {"analytic_account_id": self.payments.id, "percent": 40}),
                            ],
                        },
                    )
                ]
            }
        )
        self.assertIn("Added: Step 3 (Data by share)", " ".join(self.policy.message_ids.mapped("body")))
        step = policy.step_ids.filtered(lambda s: s.sequence == 3)
        percents = step.percent_ids.sorted("percent")
        step.write({"percent_ids": [(1, percents[0].id, {"percent": 45}), (1, percents[1].id, {"percent": 55})]})
        changed = self.policy.message_ids[:2]
        self.assertEqual(sorted(changed.sudo().tracking_value_ids.mapped("new_value_float")), [45.0, 55.0])
        self.assertIn("Step 3 (Data by share): Payments", " ".join(changed.mapped("body")))
        policy.write({"step_ids": [(2, step.id)]})
        self.assertIn("Removed: Step 3 (Data by share)", self.policy.message_ids[0].body)

    def test_chargeback_analytic_plans_are_tracked_in_the_policy_chatter(self):
        plan = self.env["account.analytic.plan"].create({"name": "Environments"})
        policy = self.policy.with_user(self.controller)
        policy.write({"posting_dimension_ids": [(0, 0, {"plan_id": plan.id, "dimension": "environment"})]})
        self.assertIn("Added: analytic plan Environments by Environment", self.policy.message_ids[0].body)
        policy.posting_dimension_ids.dimension = "tenant"
        message = self.policy.message_ids[0]
        self.assertIn("Changed: analytic plan Environments by Tenant", message.body)
        self.assertEqual(
            message.sudo().tracking_value_ids.mapped(lambda v: (v.old_value_char, v.new_value_char)),
            [("Environment", "Tenant")],
        )
        policy.write({"posting_dimension_ids": [(5, 0, 0)]})
        self.assertIn("Removed: analytic plan Environments by Tenant", self.policy.message_ids[0].body)

    def test_rate_card_changes_are_tracked_in_the_tier_chatter(self):
        tier = self.env["cloud.cost.service.tier"].create(
            {
                "name": "Mission critical",
                "code": "MC",
                "company_id": self.company.id,
                "rate_ids": [(0, 0, {"key_id": self.cpu.id, "price_per_unit": 0.04})],
            }
        )
        tier.with_user(self.controller).write({"rate_ids": [(1, tier.rate_ids.id, {"price_per_unit": 0.05})]})
        message = tier.message_ids[0]
        self.assertIn("Changed: rate per [CPU] CPU core-hours", message.body)
        self.assertEqual(
            (message.sudo().tracking_value_ids.old_value_float, message.sudo().tracking_value_ids.new_value_float),
            (0.04, 0.05),
        )

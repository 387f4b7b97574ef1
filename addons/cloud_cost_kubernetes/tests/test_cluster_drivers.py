"""Driver values from cluster usage: the worked example of readme/USAGE.md, asserted by hand."""

import base64
from datetime import date
from decimal import Decimal

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .allocation_api import allocation, worked_example
from .common import ClusterCase

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


@tagged("post_install", "-at_install")
class TestClusterDrivers(ClusterCase):
    def setUp(self):
        super().setUp()
        worked_example(self.api)
        self.source._import_days(date(2026, 10, 1), date(2026, 10, 2))
        Key = self.env["cloud.cost.allocation.key"]
        self.keys = {
            measure: Key.create(
                {"name": measure, "code": measure.upper(), "driver_source": "cluster_usage", "measure": measure}
            )
            for measure in ("pv_gib_hours", "gpu_hours", "network_gb", "cost_weighted", "compute_cost")
        }

    def test_driver_values_from_the_raw_numbers(self):
        totals = self.env["cloud.cost.usage.source"]._compute_cluster_drivers(self.company, *OCTOBER)

        # CPU, max(request, usage) x hours:
        #   Retail: day 1 max(2, 1.5) x 24 = 48 (request above usage), day 2 max(2, 2.5) x 24 = 60 (usage above)
        #   Wholesale: from noon, max(0.5, 1.25) x 12 = 15 (usage above request)
        #   sandbox-dev, no mapping rule: 0.25 x 24 = 6 unassigned; idle 30 + 20 = 50 to the idle receiver
        self.assertEqual(self.values(self.cpu), {self.retail: 108.0, self.wholesale: 15.0, self.platform: 50.0})
        self.assertEqual((totals[self.cpu].idle, totals[self.cpu].unassigned), (50, 6))
        # memory GiB-hours: Retail max(4, 5) x 24 + max(4, 3) x 24 = 216; Wholesale max(2, 1) x 12 = 24;
        # idle 48 GiB-hours, shared out: this key has no idle receiver
        self.assertEqual(self.values(self.memory), {self.retail: 216.0, self.wholesale: 24.0})
        self.assertEqual(totals[self.memory].idle, 48)
        # volumes, GPU, network: as reported, in GiB, hours and GB (sent 1e9 + received 5e8 bytes)
        self.assertEqual(self.values(self.keys["pv_gib_hours"]), {self.retail: 240.0})
        self.assertEqual(self.values(self.keys["gpu_hours"]), {self.wholesale: 6.0})
        self.assertEqual(self.values(self.keys["network_gb"]), {self.retail: 1.5})
        # cost blends: all of OpenCost's cost (2.2 + 2.5; 2.0), and CPU + memory + GPU cost only
        self.assertEqual(self.values(self.keys["cost_weighted"]), {self.retail: 4.7, self.wholesale: 2.0})
        self.assertEqual(totals[self.keys["cost_weighted"]].idle, Decimal("1.49"))  # 0.99 + 0.5
        self.assertEqual(self.values(self.keys["compute_cost"]), {self.retail: 3.8, self.wholesale: 2.0})

        value = self.env["cloud.cost.driver.value"].search(
            [("key_id", "=", self.cpu.id), ("analytic_account_id", "=", self.platform.id)]
        )
        self.assertEqual(
            (value.origin, value.note, value.date_from, value.date_to), ("cluster_usage", "idle capacity", *OCTOBER)
        )
        self.assertEqual(value.origin_ref, "prod-eu: 2026-10-01 to 2026-10-31")

        # computed again: replaced, not added; entered values of the same key stay
        self.env["cloud.cost.driver.value"].create(
            {
                "key_id": self.cpu.id,
                "analytic_account_id": self.retail.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
                "value": 1.0,
                "origin": "manual",
            }
        )
        self.env["cloud.cost.usage.source"]._compute_cluster_drivers(self.company, *OCTOBER)
        values = self.env["cloud.cost.driver.value"].search([("key_id", "=", self.cpu.id)])
        self.assertEqual(sorted(values.mapped("origin")), ["cluster_usage"] * 3 + ["manual"])

    def test_a_key_may_measure_some_clusters_only_and_other_companies_do_not_count(self):
        self.api.sets["/model/allocation", "2026-10-01"] = {
            "retail-web": allocation("retail-web", "2026-10-01", cpuCoreRequestAverage=1.0, cpuCoreUsageAverage=0.5),
            "__idle__": allocation("__idle__", "2026-10-01", namespace="", cpuCoreHours=2.0),
        }
        edge = self.env["cloud.cost.usage.source"].create(
            {"name": "edge", "kind": "kubecost", "base_url": self.api.url, "attempts": 1, "backoff": 0.0}
        )
        edge._import_days(date(2026, 10, 1), date(2026, 10, 1))
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = (
            self.env["cloud.cost.usage.source"].with_company(other).create({"name": "foreign", "company_id": other.id})
        )
        foreign._import_csv(b"Date,Namespace,CPUCoreRequestAverage\n2026-10-01,retail-prod,100\n", "other.csv")

        edge_cpu = self.env["cloud.cost.allocation.key"].create(
            {
                "name": "CPU (edge)",
                "code": "ECPU",
                "driver_source": "cluster_usage",
                "measure": "cpu_core_hours",
                "usage_source_ids": [(6, 0, edge.ids)],
            }
        )
        edge_cpu._compute_cluster_values(self.company, *OCTOBER)
        self.assertEqual(self.values(edge_cpu), {self.retail: 24.0})  # max(1, 0.5) x 24; idle shared out
        self.cpu._compute_cluster_values(self.company, *OCTOBER)
        self.assertEqual(self.values(self.cpu), {self.retail: 132.0, self.wholesale: 15.0, self.platform: 52.0})

    def test_a_rule_written_for_an_unmapped_namespace_counts_at_the_next_computation(self):
        Wizard = self.env["cloud.cost.driver.compute.wizard"]
        wizard = Wizard.create({"date_from": OCTOBER[0], "date_to": OCTOBER[1], "key_ids": [(6, 0, self.cpu.ids)]})
        wizard.action_compute()
        self.assertEqual(
            wizard.result,
            "[KCPU] CPU (cluster): 2 business unit(s), 123.000000 core-hours; idle "
            "50.000000 to [PIDL] Platform idle; 6.000000 without a business unit (no mapping rule)",
        )

        self.env["cloud.cost.mapping.rule"].create(
            {
                "name": "sandboxes",
                "match_tag_key": "namespace",
                "match_tag_value": "sandbox-*",
                "analytic_account_id": self.wholesale.id,
            }
        )
        wizard = Wizard.create({"date_from": OCTOBER[0], "date_to": OCTOBER[1], "key_ids": [(6, 0, self.cpu.ids)]})
        wizard.action_compute()
        self.assertEqual(self.values(self.cpu), {self.retail: 108.0, self.wholesale: 21.0, self.platform: 50.0})
        self.assertIn("0.000000 without a business unit", wizard.result)
        sandbox = self.usage("2026-10-01").filtered(lambda u: u.name == "sandbox-dev")
        self.assertEqual(sandbox.analytic_account_id, self.wholesale)

    def test_a_key_measures_what_its_source_gives(self):
        with self.assertRaises(ValidationError):
            self.env["cloud.cost.allocation.key"].create(
                {
                    "name": "Users from the cluster",
                    "code": "BAD",
                    "driver_source": "cluster_usage",
                    "measure": "active_users",
                }
            )

    def test_an_accountant_computes_drivers_and_imports_usage_files_a_cost_user_does_not(self):
        def user(login, group):
            return self.env["res.users"].create(
                {
                    "name": login,
                    "login": login,
                    "company_id": self.company.id,
                    "company_ids": [(6, 0, self.company.ids)],
                    "groups_id": [(6, 0, [self.env.ref("base.group_user").id, self.env.ref(group).id])],
                }
            )

        accountant = user("k8s_accountant", "cloud_cost.group_cloud_cost_accountant")
        wizard = (
            self.env["cloud.cost.driver.compute.wizard"]
            .with_user(accountant)
            .create({"date_from": OCTOBER[0], "date_to": OCTOBER[1], "key_ids": [(6, 0, self.cpu.ids)]})
        )
        wizard.action_compute()
        self.assertEqual(self.values(self.cpu), {self.retail: 108.0, self.wholesale: 15.0, self.platform: 50.0})
        data = b"Date,Namespace,CPUCoreRequestAverage\n2026-10-03,retail-prod,1\n"
        self.env["cloud.cost.usage.import.wizard"].with_user(accountant).create(
            {"source_id": self.source.id, "file": base64.b64encode(data), "file_name": "day3.csv"}
        ).action_import()
        self.assertEqual(self.usage("2026-10-03").cpu_core_hours, 24.0)
        self.assertEqual(self.source.last_day, date(2026, 10, 3))

        cost_user = user("k8s_user", "cloud_cost.group_cloud_cost_user")
        for model in ("cloud.cost.driver.compute.wizard", "cloud.cost.usage.import.wizard"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(cost_user).create({"source_id": self.source.id} if "usage" in model else {})

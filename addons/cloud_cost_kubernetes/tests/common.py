from odoo.tests import TransactionCase

from odoo.addons.cloud_cost.tests.server_options import server_options

from .allocation_api import AllocationApi


class ClusterCase(TransactionCase):
    """A company of its own (usage and drivers are per company, and demo data may hold others), two
    business units mapped from namespaces and a team label, a platform account for idle, and a local
    allocation API (on this machine: allowed by the server configuration while the tests run)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api = AllocationApi().start()
        cls.addClassCleanup(cls.api.stop)
        cls.startClassPatcher(server_options(cloud_cost_allowed_hosts=cls.api.url.split("//", 1)[1]))
        cls.company = cls.env["res.company"].create({"name": "Cluster Co"})
        cls.env = env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        plan = env["account.analytic.plan"].create({"name": "Units"})
        cls.retail, cls.wholesale, cls.platform = (
            env["account.analytic.account"].create(
                {"name": name, "code": code, "plan_id": plan.id, "company_id": cls.company.id}
            )
            for name, code in (("Retail k8s", "RK8S"), ("Wholesale k8s", "WK8S"), ("Platform idle", "PIDL"))
        )
        env["cloud.cost.mapping.rule"].create(
            [
                {
                    "name": "retail namespaces",
                    "sequence": 1,
                    "match_tag_key": "namespace",
                    "match_tag_value": "retail-*",
                    "analytic_account_id": cls.retail.id,
                    "environment": "prod",
                },
                {
                    "name": "wholesale namespaces",
                    "sequence": 2,
                    "match_tag_key": "namespace",
                    "match_tag_value": "wholesale-*",
                    "analytic_account_id": cls.wholesale.id,
                },
                {
                    "name": "retail team",
                    "sequence": 3,
                    "match_tag_key": "team",
                    "match_tag_value": "retail",
                    "analytic_account_id": cls.retail.id,
                },
            ]
        )
        Key = env["cloud.cost.allocation.key"]
        cls.cpu = Key.create(
            {
                "name": "CPU (cluster)",
                "code": "KCPU",
                "driver_source": "cluster_usage",
                "measure": "cpu_core_hours",
                "unit": "core-hours",
                "idle_receiver_id": cls.platform.id,
            }
        )
        cls.memory = Key.create(
            {
                "name": "Memory (cluster)",
                "code": "KMEM",
                "driver_source": "cluster_usage",
                "measure": "memory_gib_hours",
                "unit": "GiB-hours",
            }
        )
        cls.source = env["cloud.cost.usage.source"].create(
            {
                "name": "prod-eu",
                "base_url": cls.api.url,
                "auth_header": "Bearer s3cret",
                "timeout": 10.0,
                "attempts": 2,
                "backoff": 0.0,
            }
        )

    def setUp(self):
        super().setUp()
        self.api.calls.clear()
        self.api.faults.clear()
        self.api.sets.clear()

    def usage(self, day, source=None):
        return self.env["cloud.cost.usage"].search([("source_id", "=", (source or self.source).id), ("day", "=", day)])

    def values(self, key):
        """{business unit: value} of a key's driver values."""
        return {
            value.analytic_account_id: value.value
            for value in self.env["cloud.cost.driver.value"].search([("key_id", "=", key.id)])
        }

"""The driver and usage wizards act within the user's companies: an accountant of one company who names
another company (or its cluster) is refused, also through a key shared by every company, and nothing of
the other company changes."""

import base64
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ClusterCase

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
USAGE = b"Date,Namespace,CPUCoreRequestAverage\n2026-10-03,retail-prod,2\n"


@tagged("post_install", "-at_install")
class TestCompanies(ClusterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Cluster Co B"})
        env_b = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company_b.ids))
        plan = env_b["account.analytic.plan"].create({"name": "Units of B"})
        cls.unit_b = env_b["account.analytic.account"].create(
            {"name": "Retail B", "code": "RB", "plan_id": plan.id, "company_id": cls.company_b.id}
        )
        env_b["cloud.cost.mapping.rule"].create(
            {
                "name": "B's retail",
                "company_id": cls.company_b.id,
                "match_tag_key": "namespace",
                "match_tag_value": "retail-*",
                "analytic_account_id": cls.unit_b.id,
            }
        )
        cls.source_b = env_b["cloud.cost.usage.source"].create({"name": "prod-b", "company_id": cls.company_b.id})
        cls.source_b._import_csv(USAGE, "b.csv")
        # a key every company uses: its values are each company's own
        cls.shared = cls.env["cloud.cost.allocation.key"].create(
            {
                "name": "CPU (every cluster)",
                "code": "SHCPU",
                "company_id": False,
                "driver_source": "cluster_usage",
                "measure": "cpu_core_hours",
                "unit": "core-hours",
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            login="k8s_accountant_a",
            groups="base.group_user,cloud_cost.group_cloud_cost_accountant",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.env_a = cls.env(user=cls.accountant, context={"allowed_company_ids": cls.company.ids})

    def company_b_state(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT string_agg(concat_ws(' ', key_id, analytic_account_id, value, origin), ',' ORDER BY id)
                         FROM cloud_cost_driver_value WHERE company_id = %(b)s),
                      (SELECT string_agg(concat_ws(' ', day, namespace, cpu_core_hours, analytic_account_id),
                                         ',' ORDER BY id) FROM cloud_cost_usage WHERE company_id = %(b)s)""",
            {"b": self.company_b.id},
        )
        return self.env.cr.fetchone()

    def test_computing_drivers_of_another_company_is_refused_also_through_a_shared_key(self):
        before = self.company_b_state()
        self.assertTrue(before[1], "company B has cluster usage")
        Wizard = self.env_a["cloud.cost.driver.compute.wizard"]
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            Wizard.create(
                {
                    "company_id": self.company_b.id,
                    "date_from": OCTOBER[0],
                    "date_to": OCTOBER[1],
                    "key_ids": [(6, 0, self.shared.ids)],
                }
            )
        wizard = Wizard.create({"date_from": OCTOBER[0], "date_to": OCTOBER[1], "key_ids": [(6, 0, self.shared.ids)]})
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            wizard.write({"company_id": self.company_b.id})
        # the model below the wizard refuses too, whoever calls it
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.shared.with_env(self.env_a)._compute_drivers(self.company_b, *OCTOBER)
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.usage.source"]._compute_cluster_drivers(self.company_b, *OCTOBER)
        self.assertEqual(self.company_b_state(), before)
        # within its own company the shared key gets the company's own values
        self.source._import_csv(USAGE, "a.csv")
        wizard.action_compute()
        values = self.env["cloud.cost.driver.value"].search([("key_id", "=", self.shared.id)])
        self.assertEqual(
            [(value.company_id, value.analytic_account_id, value.value) for value in values],
            [(self.company, self.retail, 48.0)],
        )
        self.assertEqual(self.company_b_state(), before)

    def test_importing_driver_values_into_another_company_is_refused(self):
        before = self.company_b_state()
        data = base64.b64encode(b"key,receiver,period,value\nSHCPU,RB,2026-10,10\n")
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.driver.import.wizard"].create(
                {"company_id": self.company_b.id, "file": data, "file_name": "drivers.csv"}
            )
        self.assertEqual(self.company_b_state(), before)

    def test_importing_usage_into_another_companys_cluster_is_refused(self):
        before = self.company_b_state()
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.usage.import.wizard"].create(
                {
                    "source_id": self.source_b.id,
                    "file_name": "day3.csv",
                    "file": base64.b64encode(USAGE.replace(b",2\n", b",9\n")),
                }
            )
        # the cluster named as the form's active record instead
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.usage.import.wizard"].with_context(
                active_model="cloud.cost.usage.source",
                active_id=self.source_b.id,
            ).create({"file_name": "day3.csv", "file": base64.b64encode(USAGE.replace(b",2\n", b",9\n"))})
        self.assertEqual(self.company_b_state(), before)

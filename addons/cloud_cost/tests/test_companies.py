"""Wizards act within the companies the user works in: an accountant of company A who sends company B's id
(or a record of B) to a wizard, as a JSON-RPC client can, is refused and nothing of B changes."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .bill_files import focus_csv, focus_row
from .common import CloudCostCase


@tagged("post_install", "-at_install")
class TestCompanies(CloudCostCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env_a = cls.env(user=cls.accountant_a, context={"allowed_company_ids": cls.company_a.ids})
        cls.shared_key = cls.env["cloud.cost.allocation.key"].create(
            {"name": "Shared users", "code": "SHUSR", "company_id": False}
        )
        plan = cls.env["account.analytic.plan"].create({"name": "Units of B"})
        cls.unit_b = cls.env["account.analytic.account"].create(
            {"name": "Retail B", "code": "RB", "plan_id": plan.id, "company_id": cls.company_b.id}
        )

    def company_b_state(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT count(*) FROM cloud_cost_import_batch WHERE company_id = %(b)s),
                                      (SELECT count(*) FROM cloud_cost_line WHERE company_id = %(b)s),
                                      (SELECT string_agg(COALESCE(analytic_account_id::text, '-'), ',' ORDER BY id)
                                         FROM cloud_cost_line WHERE company_id = %(b)s),
                                      (SELECT count(*) FROM cloud_cost_driver_value WHERE company_id = %(b)s)""",
            {"b": self.company_b.id},
        )
        return self.env.cr.fetchone()

    def test_the_upload_wizard_refuses_another_companys_source(self):
        before = self.company_b_state()
        upload = self.env_a["ir.attachment"].create(
            {"name": "focus.csv", "raw": focus_csv([focus_row()]), "res_model": "cloud.cost.import.wizard", "res_id": 0}
        )
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.import.wizard"].create(
                {"source_id": self.source_b.id, "company_id": self.company_b.id, "attachment_ids": [(6, 0, upload.ids)]}
            )
        # a wizard of its own company, turned towards B afterwards
        wizard = self.env_a["cloud.cost.import.wizard"].create(
            {"source_id": self.source_a.id, "company_id": self.company_a.id, "attachment_ids": [(6, 0, upload.ids)]}
        )
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            wizard.write({"source_id": self.source_b.id, "company_id": self.company_b.id})
        self.assertEqual(self.company_b_state(), before)
        self.assertTrue(upload.exists())

    def test_the_mapping_wizard_refuses_another_company(self):
        self.env["cloud.cost.mapping.rule"].create(
            {
                "name": "B's rule",
                "company_id": self.company_b.id,
                "match_tag_key": "team",
                "match_tag_value": "*",
                "analytic_account_id": self.unit_b.id,
            }
        )
        before = self.company_b_state()
        with self.assertRaisesRegex(AccessError, "is not one of the companies you work in"):
            self.env_a["cloud.cost.mapping.apply.wizard"].create(
                {"company_id": self.company_b.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
            )
        self.assertEqual(self.company_b_state(), before)

    def test_driver_values_of_a_shared_key_stay_each_companys_own(self):
        before = self.company_b_state()
        Value = self.env_a["cloud.cost.driver.value"]
        with self.assertRaises(AccessError):
            Value.create(
                {
                    "key_id": self.shared_key.id,
                    "company_id": self.company_b.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "analytic_account_id": self.unit_b.id,
                    "value": 5,
                }
            )
        # a value of A moved to B
        plan = self.env["account.analytic.plan"].create({"name": "Units of A"})
        unit_a = self.env["account.analytic.account"].create(
            {"name": "Retail A", "code": "RA", "plan_id": plan.id, "company_id": self.company_a.id}
        )
        value = Value.create(
            {
                "key_id": self.shared_key.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
                "analytic_account_id": unit_a.id,
                "value": 5,
            }
        )
        self.assertEqual(value.company_id, self.company_a)
        with self.assertRaises(AccessError):
            value.write({"company_id": self.company_b.id, "analytic_account_id": self.unit_b.id})
        self.assertEqual(self.company_b_state(), before)

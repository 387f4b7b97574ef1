from odoo.tests.common import TransactionCase, new_test_user


class CloudCostCase(TransactionCase):
    """Two companies, one batch of cost lines in each, and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.company"].create({"name": "Cloud Cost A"})
        cls.company_b = cls.env["res.company"].create({"name": "Cloud Cost B"})
        cls.source_a, cls.batch_a, cls.lines_a = cls._make_bill(cls.company_a, [("12.5", "10.0"), ("7.25", "7.25")])
        cls.source_b, cls.batch_b, cls.lines_b = cls._make_bill(cls.company_b, [("99.99", "80.00")])
        cls.pool_a = cls.env["cloud.cost.pool"].create(
            {"name": "Shared platform", "code": "PLAT", "company_id": cls.company_a.id}
        )
        cls.key_a = cls.env["cloud.cost.allocation.key"].create(
            {"name": "CPU core-hours", "code": "CPU", "unit": "core-hours", "company_id": cls.company_a.id}
        )

        def user(login, group, companies):
            return new_test_user(
                cls.env,
                login=login,
                groups=f"base.group_user,cloud_cost.{group}",
                company_id=companies[0].id,
                company_ids=[(6, 0, companies.ids)],
            )

        companies_a = cls.company_a
        cls.user_a = user("cc_user_a", "group_cloud_cost_user", companies_a)
        cls.accountant_a = user("cc_accountant_a", "group_cloud_cost_accountant", companies_a)
        cls.controller_a = user("cc_controller_a", "group_cloud_cost_controller", companies_a)
        cls.auditor_a = user("cc_auditor_a", "group_cloud_cost_auditor", companies_a)
        cls.user_b = user("cc_user_b", "group_cloud_cost_user", cls.company_b)

    @classmethod
    def _make_bill(cls, company, amounts):
        source = cls.env["cloud.cost.source"].create({"name": f"FOCUS {company.name}", "company_id": company.id})
        batch = cls.env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        lines = cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": company.id,
                    "charge_description": f"Row {row}",
                    "charge_category": "Usage",
                    "service_name": "Amazon Elastic Compute Cloud",
                    "billed_cost": float(billed),
                    "effective_cost": float(effective),
                    "billed_cost_company": float(billed),
                    "effective_cost_company": float(effective),
                    "billing_currency": company.currency_id.name,
                    "source_file": "focus.csv",
                    "source_row": row,
                }
                for row, (billed, effective) in enumerate(amounts, start=1)
            ]
        )
        return source, batch, lines

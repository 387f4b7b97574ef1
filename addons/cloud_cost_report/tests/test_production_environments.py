from datetime import datetime

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestReportProductionEnvironments(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Environments Co"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        source = cls.env["cloud.cost.source"].create({"name": "Environments bill", "company_id": cls.company.id})
        batch = cls.env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": cls.company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        cls.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": cls.company.id,
                    "charge_category": "Usage",
                    "charge_period_start": datetime(2026, 10, 5),
                    "service_name": "Amazon EC2",
                    "environment": environment,
                    "tags": {"env": environment or ""},
                    "effective_cost": cost,
                    "billed_cost": cost,
                    "effective_cost_company": cost,
                    "billed_cost_company": cost,
                }
                for environment, cost in (
                    ("prod", 400.0),
                    ("Live", 300.0),
                    ("staging", 200.0),
                    ("dev", 80.0),
                    (False, 20.0),
                )
            ]
        )
        cls.env.flush_all()

    def non_production(self):
        report = self.env["cloud.cost.report.monthly"].search(
            [("company_id", "=", self.company.id), ("is_non_production", "=", True)]
        )
        overview = self.env["cloud.cost.month.overview"].create({"month": "2026-10-01", "company_id": self.company.id})
        return sorted(report.mapped("environment")), overview.non_production_cost

    def test_the_reports_read_the_companys_production_environments(self):
        # the default names: prod and live (any case) are production, a line without environment is neither
        self.assertEqual(self.non_production(), (["dev", "staging"], 280.0))
        self.company.cloud_cost_production_environments = "prod, staging"
        self.env.flush_all()
        self.assertEqual(self.non_production(), (["Live", "dev"], 380.0))

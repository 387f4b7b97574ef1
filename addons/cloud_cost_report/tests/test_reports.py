import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCostReports(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Report Co"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Report Co"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        plan = cls.env["account.analytic.plan"].create({"name": "Business units (reports)"})
        cls.owner = new_test_user(
            cls.env, login="cc_report_owner", groups="base.group_user,cloud_cost.group_cloud_cost_user",
            company_id=cls.company.id,
        )  # fmt: skip
        cls.sales = cls.env["account.analytic.account"].create(
            {"name": "Sales", "plan_id": plan.id, "company_id": cls.company.id, "cloud_cost_owner_id": cls.owner.id}
        )
        cls.finance = cls.env["account.analytic.account"].create(
            {"name": "Finance", "plan_id": plan.id, "company_id": cls.company.id}
        )
        cls.source = cls.env["cloud.cost.source"].create({"name": "Reports bill", "company_id": cls.company.id})
        cls.batch = cls._batch("imported")

    @classmethod
    def _batch(cls, state, company=None):
        company = company or cls.company
        source = (
            cls.source
            if company == cls.company
            else cls.env["cloud.cost.source"].create({"name": "Other bill", "company_id": company.id})
        )
        return cls.env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": company.id,
                "billing_period_start": "2026-09-01",
                "billing_period_end": "2026-11-30",
                "state": state,
            }
        )

    def _lines(self, rows, batch=None):
        batch = batch or self.batch
        return self.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": batch.company_id.id,
                    "charge_category": "Usage",
                    "charge_period_start": datetime.combine(day, datetime.min.time()),
                    "analytic_account_id": unit.id if unit else False,
                    "service_name": service,
                    "environment": environment,
                    "tags": tags,
                    "effective_cost": float(cost),
                    "billed_cost": float(cost),
                    "effective_cost_company": float(cost),
                    "billed_cost_company": float(cost),
                }
                for day, unit, service, cost, environment, tags in rows
            ]
        )

    def test_budget_forecast_from_the_daily_run_rate_alerts_the_owner_once(self):
        rows = [
            (date(2026, 11, d), self.sales, "Amazon EC2", Decimal(100), "prod", {"team": "s"}) for d in range(1, 11)
        ]
        rows += [
            (date(2026, 11, d), self.sales, "Amazon EC2", Decimal(130), "prod", {"team": "s"}) for d in range(11, 21)
        ]
        rows.append((date(2026, 11, 5), self.finance, "Amazon EC2", Decimal(999), "prod", {}))  # another unit
        self._lines(rows)
        self._lines(
            [(date(2026, 11, 6), self.sales, "Amazon EC2", Decimal(5000), "prod", {})], self._batch("superseded")
        )
        Budget = self.env["cloud.cost.budget"]
        # the forecast is measured on the 20th of the month
        self.enterContext(patch.object(type(Budget), "_today", return_value=date(2026, 11, 20)))
        budget = Budget.create(
            {"analytic_account_id": self.sales.id, "month": "2026-11-17", "amount": 3500, "company_id": self.company.id}
        )
        self.assertEqual(budget.month, date(2026, 11, 1))
        # actual 10 x 100 + 10 x 130 = 2300 (the superseded batch does not count); run rate 130;
        # forecast 2300 + 10 x 130 = 3600, 100 over the budget of 3500
        self.assertEqual((budget.actual, budget.run_rate, budget.forecast), (2300.0, 130.0, 3600.0))
        self.assertEqual(budget.forecast_vs_budget, 100.0)
        self.assertTrue(budget.over_budget)
        self.assertAlmostEqual(budget.consumed_percent, 65.7, places=1)

        self.assertEqual(budget.action_check_forecast(), budget)
        activity = budget.activity_ids
        self.assertEqual(activity.user_id, self.owner)
        self.assertIn("forecast 3600", activity.note.replace(",", "").replace(".00", ""))
        self.assertFalse(budget.action_check_forecast(), "the owner is alerted once, not every day")
        self.assertEqual(len(budget.activity_ids), 1)

        budget.amount = 4000
        self.assertFalse(budget.over_budget)

    def test_a_seeded_spike_is_recorded_and_flagged_but_noise_is_not(self):
        rng = random.Random(11)
        rows = []
        for offset in range(45):
            day = date(2026, 9, 15) + timedelta(days=offset)
            for unit, service, level in [(self.sales, "Amazon EC2", 400), (self.finance, "Amazon RDS", 250)]:
                cost = Decimal(str(round(level * rng.uniform(0.9, 1.1), 2)))
                rows.append((day, unit, service, cost, "prod", {"team": "x"}))
        spike_day = date(2026, 10, 20)
        rows = [
            (day, unit, service, Decimal("1900.00") if (day, service) == (spike_day, "Amazon EC2") else cost, env, tags)
            for day, unit, service, cost, env, tags in rows
        ]
        self._lines(rows)

        anomalies = self.env["cloud.cost.anomaly"].detect(date(2026, 10, 1), date(2026, 10, 29), company=self.company)
        self.assertEqual(len(anomalies), 1)
        self.assertEqual((anomalies.day, anomalies.analytic_account_id, anomalies.service_name),
                         (spike_day, self.sales, "Amazon EC2"))  # fmt: skip
        self.assertEqual(anomalies.cost, 1900.0)
        self.assertTrue(360 < anomalies.baseline < 440)
        self.assertEqual(anomalies.activity_ids.user_id, self.owner)
        again = self.env["cloud.cost.anomaly"].detect(date(2026, 10, 1), date(2026, 10, 29), company=self.company)
        self.assertFalse(again, "an anomaly is recorded once")

    def test_monthly_report_sums_by_month_and_flags_non_production_and_untagged(self):
        self._lines(
            [
                (date(2026, 10, 3), self.sales, "Amazon EC2", Decimal("10.25"), "prod", {"team": "s"}),
                (date(2026, 10, 9), self.sales, "Amazon EC2", Decimal("4.75"), "prod", {"team": "s"}),
                (date(2026, 10, 9), self.sales, "Amazon EC2", Decimal("7.00"), "staging", {"team": "s"}),
                (date(2026, 11, 2), self.sales, "Amazon EC2", Decimal("1.00"), "prod", {"team": "s"}),
                (date(2026, 11, 2), False, "Amazon S3", Decimal("3.30"), False, {}),
            ]
        )
        self.env.flush_all()
        report = self.env["cloud.cost.report.monthly"]
        domain = [("company_id", "=", self.company.id)]
        october = report.search(domain + [("month", "=", "2026-10-01"), ("environment", "=", "prod")])
        self.assertEqual((october.effective_cost, october.line_count), (15.0, 2))
        non_production = report.search(domain + [("is_non_production", "=", True)])
        self.assertEqual(non_production.mapped("environment"), ["staging"])
        untagged = report.search(domain + [("is_untagged", "=", True)])
        self.assertEqual(
            (untagged.service_name, untagged.effective_cost, untagged.is_unallocated), ("Amazon S3", 3.3, True)
        )
        totals = report.read_group(domain, ["effective_cost:sum"], ["month:month"], orderby="month")
        self.assertEqual([t["effective_cost"] for t in totals], [22.0, 4.3])

    def test_budgets_and_anomalies_are_kept_per_company(self):
        budget = self.env["cloud.cost.budget"].create(
            {"analytic_account_id": self.sales.id, "month": "2026-11-01", "amount": 100, "company_id": self.company.id}
        )
        outsider = new_test_user(
            self.env, login="cc_report_outsider", groups="base.group_user,cloud_cost.group_cloud_cost_controller",
            company_id=self.other_company.id,
        )  # fmt: skip
        as_outsider = self.env(user=outsider, context={"allowed_company_ids": self.other_company.ids})
        self.assertFalse(as_outsider["cloud.cost.budget"].search([("id", "=", budget.id)]))
        with self.assertRaises(AccessError):
            as_outsider["cloud.cost.budget"].browse(budget.id).read(["amount"])
        auditor = new_test_user(
            self.env, login="cc_report_auditor", groups="base.group_user,cloud_cost.group_cloud_cost_auditor",
            company_id=self.company.id,
        )  # fmt: skip
        self.assertEqual(budget.with_user(auditor).amount, 100)
        with self.assertRaises(AccessError):
            budget.with_user(auditor).amount = 1

    def test_month_overview_shows_allocated_share_maturity_and_the_checklist(self):
        self._lines(
            [
                (date(2026, 10, 3), self.sales, "Amazon EC2", Decimal("850.00"), "prod", {"team": "s"}),
                (date(2026, 10, 4), self.finance, "Amazon RDS", Decimal("62.50"), "dev", {"team": "f"}),
                (date(2026, 10, 9), False, "AWS Data Transfer", Decimal("87.50"), False, {}),
                (date(2026, 11, 1), False, "AWS Data Transfer", Decimal("500.00"), False, {}),  # another month
            ]
        )
        self.env.flush_all()
        waiting = self.env["cloud.cost.source"].create({"name": "Azure export", "company_id": self.company.id})
        overview = self.env["cloud.cost.month.overview"].create({"month": "2026-10-01", "company_id": self.company.id})
        self.assertEqual((overview.total_cost, overview.unallocated_cost, overview.line_count), (1000.0, 87.5, 3))
        self.assertAlmostEqual(overview.allocated_percent, 91.3, places=1)
        self.assertEqual(overview.maturity, "run")
        self.assertEqual((overview.untagged_cost, overview.non_production_cost), (87.5, 62.5))
        self.assertTrue(overview.check_unallocated)
        # the report batch covers September to November; the new Azure source has no bill for October
        self.assertEqual(overview.source_ids, self.source | waiting)
        self.assertEqual(overview.sources_missing, 1)
        self.assertFalse(overview.check_bills_imported)
        waiting.active = False
        overview.invalidate_recordset()
        self.assertTrue(overview.check_bills_imported)

        action = overview.action_open_unallocated()
        unallocated = self.env["cloud.cost.line"].search(action["domain"])
        self.assertEqual(unallocated.mapped("effective_cost_company"), [87.5])

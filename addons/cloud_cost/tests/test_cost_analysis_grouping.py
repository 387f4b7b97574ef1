"""The Cost Analysis screens group cost lines through the summary when it gives the lines' own answer."""

from datetime import datetime

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCostAnalysisGrouping(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Analysis Co"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id], tz="UTC"))
        plan = cls.env["account.analytic.plan"].create({"name": "Business units"})
        Account = cls.env["account.analytic.account"]
        cls.retail = Account.create({"name": "Retail", "plan_id": plan.id, "company_id": cls.company.id})
        cls.payments = Account.create({"name": "Payments", "plan_id": plan.id, "company_id": cls.company.id})
        source = cls.env["cloud.cost.source"].create({"name": "FOCUS", "company_id": cls.company.id})
        Batch = cls.env["cloud.cost.import.batch"]
        cls.batches = Batch.browse()
        lines = []
        for month, (start, end) in enumerate((("2026-09-01", "2026-09-30"), ("2026-10-01", "2026-10-31")), 9):
            batch = Batch._suite_create(
                {
                    "source_id": source.id,
                    "company_id": cls.company.id,
                    "billing_period_start": start,
                    "billing_period_end": end,
                    "state": "imported",
                }
            )
            cls.batches |= batch
            for row, (day, hour, unit, service, cost) in enumerate(
                [
                    (1, 0, cls.retail, "Amazon EC2", "10.25"),
                    (15, 13, cls.payments, "Amazon EC2", "3.10"),
                    (30 if month == 9 else 31, 23, cls.retail, "Amazon S3", "0.015"),
                    (2, 5, False, "AWS Support", "7"),
                ],
                1,
            ):
                lines.append(
                    {
                        "batch_id": batch.id,
                        "company_id": cls.company.id,
                        "service_name": service,
                        "provider_name": "AWS",
                        "analytic_account_id": unit and unit.id,
                        "charge_period_start": datetime(2026, month, day, hour),
                        "effective_cost": float(cost),
                        "effective_cost_company": float(cost),
                        "billed_cost_company": float(cost) * 2,
                        "source_file": "focus.csv",
                        "source_row": row,
                    }
                )
        cls.lines = cls.env["cloud.cost.line"]._suite_create(lines)
        cls.Line = cls.env["cloud.cost.line"]

    def mine(self, domain):
        # the test environment is the superuser's, which record rules do not limit: the demo company has lines too
        return [("company_id", "=", self.company.id), *domain]

    def screen(self, domain, groupby, fields=("effective_cost_company:sum", "billed_cost_company:sum")):
        return self.Line.read_group(self.mine(domain), list(fields), groupby, lazy=False)

    def from_lines(self, domain, groupby, fields=("effective_cost_company:sum", "billed_cost_company:sum")):
        # the same question asked of the lines themselves (the path the suite's own code takes)
        rows = self.Line._read_group(self.mine(domain), groupby, [*fields, "__count"])
        return [
            (*(self.key(v) for v in row[: len(groupby)]), *(round(x, 6) for x in row[len(groupby) : -1]), row[-1])
            for row in rows
        ]

    @staticmethod
    def key(value):
        if hasattr(value, "_name"):
            return value.id or False
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value

    @staticmethod
    def shape(groups, groupby, fields=("effective_cost_company", "billed_cost_company")):
        def key(group, spec):
            if ":" in spec:
                return (group["__range"][spec] or {}).get("from", False)
            value = group[spec]
            return value[0] if isinstance(value, tuple) else value

        return [(*(key(g, spec) for spec in groupby), *(round(g[f], 6) for f in fields), g["__count"]) for g in groups]

    def corrupt_summary(self):
        """Change the summary behind the lines' back: answers read from it show the change."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cloud_cost_line_summary SET effective_cost = effective_cost + 1000 " "WHERE batch_id IN %s",
            [tuple(self.batches.ids)],
        )
        self.env["cloud.cost.line.summary"].invalidate_model()

    def test_the_pivot_by_business_unit_and_month_equals_the_lines(self):
        questions = [
            ([], ["analytic_account_id", "charge_period_start:month"]),
            ([("batch_id.state", "=", "imported")], ["analytic_account_id", "charge_period_start:month"]),
            (
                [
                    ("charge_period_start", ">=", "2026-10-01 00:00:00"),
                    ("charge_period_start", "<=", "2026-10-31 23:59:59"),
                ],
                ["service_name"],
            ),
            (
                ["|", ("is_unallocated", "=", True), ("analytic_account_id.name", "=", "Retail")],
                ["provider_name", "charge_period_start:quarter"],
            ),
        ]
        for domain, groupby in questions:
            self.assertEqual(
                sorted(self.shape(self.screen(domain, groupby), groupby), key=str),
                sorted(self.from_lines(domain, groupby), key=str),
                (domain, groupby),
            )
        # October, Retail: 10.25 + 0.02 (0.015 in euros), two lines
        october = [
            g
            for g in self.screen([], ["analytic_account_id", "charge_period_start:month"])
            if g["analytic_account_id"]
            and g["analytic_account_id"][0] == self.retail.id
            and g["charge_period_start:month"] == "October 2026"
        ]
        self.assertEqual(
            (round(october[0]["effective_cost_company"], 6), october[0]["__count"]), (10.27, 2)
        )  # amounts in the company currency are kept to the cent

    def test_questions_the_summary_can_answer_are_read_from_it_and_others_from_the_lines(self):
        by_month = ["charge_period_start:month"]
        before = self.screen([], by_month)
        self.corrupt_summary()
        # whole months, business units, services: the summary answers (and shows the change made to it)
        answered = self.screen([], by_month)
        self.assertEqual(
            [
                round(g["effective_cost_company"] - b["effective_cost_company"], 6)
                for g, b in zip(answered, before, strict=True)
            ],
            [4000.0, 4000.0],
        )  # four summary rows a month
        # a day of the month, a resource, an average, a local time zone: the lines answer, unchanged
        for domain, groupby, fields, context in [
            (
                [("charge_period_start", ">=", "2026-10-15 00:00:00")],
                ["service_name"],
                ["effective_cost_company:sum"],
                {},
            ),
            ([("resource", "=", False)], by_month, ["effective_cost_company:sum"], {}),
            ([], ["charge_period_start:day"], ["effective_cost_company:sum"], {}),
            ([], by_month, ["effective_cost_company:avg"], {}),
            ([], by_month, ["effective_cost_company:sum"], {"tz": "America/New_York"}),
        ]:
            lines = self.Line.with_context(**context)
            groups = lines.read_group(self.mine(domain), fields, groupby, lazy=False)
            expected = lines._read_group(self.mine(domain), groupby, fields)
            self.assertEqual(
                sorted(round(g["effective_cost_company"], 6) for g in groups),
                sorted(round(row[-1], 6) for row in expected),
                (domain, groupby, fields, context),
            )

    def test_a_user_of_another_company_sees_no_group(self):
        other = self.env["res.company"].create({"name": "Elsewhere"})
        user = self.env["res.users"].create(
            {
                "name": "Analyst",
                "login": "analysis-elsewhere",
                "company_id": other.id,
                "company_ids": [other.id],
                "groups_id": [(6, 0, [self.env.ref("cloud_cost.group_cloud_cost_user").id])],
            }
        )
        groups = (
            self.Line.with_user(user)
            .with_context(allowed_company_ids=[other.id])
            .read_group([], ["effective_cost_company:sum"], ["analytic_account_id"], lazy=False)
        )
        self.assertEqual(groups, [])

    def test_only_conditions_that_keep_or_drop_whole_months_are_read_from_the_summary(self):
        from ..core.summary_query import summary_domain

        self.assertEqual(
            summary_domain(
                [("charge_period_start", ">=", "2026-10-01 00:00:00"), ("charge_period_start", "<", "2026-11-01")]
            ),
            [("month", ">=", datetime(2026, 10, 1).date()), ("month", "<", datetime(2026, 11, 1).date())],
        )
        self.assertEqual(
            summary_domain([("charge_period_start", ">", "2026-02-28 23:59:59")]),
            [("month", ">=", datetime(2026, 3, 1).date())],
        )
        for domain in (
            [("charge_period_start", ">=", "2026-10-02 00:00:00")],
            [("charge_period_start", "<=", "2026-10-30 23:59:59")],
            [("charge_period_start", "<", "2026-10-01 00:00:01")],
            [("service_name", "=", "EC2"), ("sku", "=", "x")],
            [("id", "in", [1, 2])],
        ):
            self.assertIsNone(summary_domain(domain), domain)

    def test_an_auditor_groups_the_lines_as_everyone_does(self):
        auditor = self.env["res.users"].create(
            {
                "name": "Auditor",
                "login": "analysis-auditor",
                "company_id": self.company.id,
                "company_ids": [self.company.id],
                "groups_id": [(6, 0, [self.env.ref("cloud_cost.group_cloud_cost_auditor").id])],
            }
        )
        groupby = ["analytic_account_id", "charge_period_start:month"]
        groups = (
            self.Line.with_user(auditor)
            .with_context(allowed_company_ids=[self.company.id])
            .read_group([], ["effective_cost_company:sum", "billed_cost_company:sum"], groupby, lazy=False)
        )
        self.assertEqual(sorted(self.shape(groups, groupby), key=str), sorted(self.from_lines([], groupby), key=str))

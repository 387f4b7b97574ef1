"""The three seams together: an Oracle Cloud cost report imported in the addon's own bill format, its
support cost split by the addon's allocation method and posted in the addon's entry grouping."""

from odoo.tests import tagged

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost_posting.tests.test_posting import PostingCase

from .test_oci_bill import oci_report, oci_row

COST_CENTER = "Finance.CostCenter"


@tagged("post_install", "-at_install")
class TestThreeSeamsEndToEnd(PostingCase):
    """September's report: the business units' own cost (Retail 120.00, Payments 60.00, Data 20.01, told by
    their cost-center tag); October's: a support contract of 1,000.01 that the addon's method splits by
    September's direct cost, 599.98 / 299.99 / 100.04, posted as one entry per sender pool."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support = cls.env["cloud.cost.pool"].create(
            {"name": "Support contract", "code": "SUPP", "company_id": cls.company.id}
        )
        Rule = cls.env["cloud.cost.mapping.rule"]
        for sequence, (value, target) in enumerate(
            [
                ("CC-RETAIL", {"analytic_account_id": cls.retail.id}),
                ("CC-PAY", {"analytic_account_id": cls.payments.id}),
                ("CC-DATA", {"analytic_account_id": cls.data.id}),
                ("CC-SUPPORT", {"cost_pool_id": cls.support.id}),
            ],
            start=1,
        ):
            Rule.create(
                {
                    "name": f"cost center {value}",
                    "sequence": sequence,
                    "company_id": cls.company.id,
                    "match_tag_key": COST_CENTER,
                    "match_tag_value": value,
                    **target,
                }
            )
        cls.oci = cls.env["cloud.cost.source"].create(
            {"name": "Oracle Cloud cost reports", "company_id": cls.company.id, "bill_format": "auto"}
        )
        cls.env["cloud.cost.allocation.step"].create(
            {
                "policy_id": cls.policy.id,
                "sequence": 3,
                "name": "Support by last month",
                "sender_pool_id": cls.support.id,
                "method": "previous_cost",
            }
        )
        cls.policy.posting_grouping = "pool"

    def report_rows(self):
        currency = self.company.currency_id.name

        def row(reference, start, cost, cost_center):
            return oci_row(
                **{
                    "lineItem/referenceNo": reference,
                    "lineItem/intervalUsageStart": f"{start}T00:00Z",
                    "lineItem/intervalUsageEnd": f"{start}T01:00Z",
                    "cost/myCost": cost,
                    "cost/currencyCode": currency,
                    f"tags/{COST_CENTER}": cost_center,
                }
            )

        return [
            row("sep-retail", "2026-09-10", "120.00", "CC-RETAIL"),
            row("sep-payments", "2026-09-11", "60.00", "CC-PAY"),
            row("sep-data", "2026-09-12", "20.01", "CC-DATA"),
            row("oct-support-1", "2026-10-03", "600.00", "CC-SUPPORT"),
            row("oct-support-2", "2026-10-17", "400.01", "CC-SUPPORT"),
        ]

    def test_an_oci_report_is_imported_split_by_last_month_and_posted_per_pool_to_the_cent(self):
        name = "reports/cost-csv/0001000001437300.csv.gz"
        data = oci_report(self.report_rows())
        # the source is left to detect the format: the database knows the addon's
        self.assertEqual(self.oci._sniff_bill(name, data), "oci")
        batches = self.oci._import_store(MemoryStore({name: data})).batches
        self.assertEqual(len(batches), 2)
        lines = self.env["cloud.cost.line"].search([("batch_id", "in", [batch.id for batch in batches])])
        self.assertEqual(
            {(str(line.billing_period_start), line.analytic_account_id, line.cost_pool_id) for line in lines},
            {
                ("2026-09-01", self.retail, self.env["cloud.cost.pool"]),
                ("2026-09-01", self.payments, self.env["cloud.cost.pool"]),
                ("2026-09-01", self.data, self.env["cloud.cost.pool"]),
                ("2026-10-01", self.env["account.analytic.account"], self.support),
            },
        )

        run = self.approved_run()
        self.assertTrue(run.checks_passed)
        support = run.sender_ids.filtered(lambda sender: sender.pool_id == self.support)
        self.assertEqual((support.own_amount, support.credited_amount, support.balanced), (1000.01, 1000.01, True))
        split = run.line_ids.filtered(lambda line: line.sender_pool_id == self.support)
        self.assertEqual(set(split.mapped("method")), {"previous_cost"})
        self.assertEqual(
            {line.analytic_account_id: line.amount for line in split},
            {self.retail: 599.98, self.payments: 299.99, self.data: 100.04},
        )

        run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "posted")
        support_move = run.move_ids.filtered(lambda move: self.support in move.line_ids.cloud_cost_sender_pool_id)
        self.assertEqual(len(support_move), 1)
        self.assertEqual(support_move.state, "posted")
        self.assertEqual(sum(support_move.line_ids.mapped("debit")), sum(support_move.line_ids.mapped("credit")))
        self.assertEqual(
            {
                item.cloud_cost_receiver_id: item.debit
                for item in support_move.line_ids
                if item.cloud_cost_side == "receiver"
            },
            {self.retail: 599.98, self.payments: 299.99, self.data: 100.04},
        )
        # the support entry's credit is the October rows of the report, to the cent
        sender = support_move.line_ids.filtered(lambda item: item.cloud_cost_side == "sender")
        self.assertEqual(sender.credit, 1000.01)
        october = lines.filtered(lambda line: line.cost_pool_id == self.support)
        self.assertEqual(round(sum(october.mapped("effective_cost_company")), 2), 1000.01)

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row
from odoo.addons.cloud_cost.tests.plain import open_registries_to_threads
from odoo.addons.cloud_cost_posting.tests.test_posting import PostingCase

NOVEMBER = ("2026-11-01", "2026-11-30")
BILL_NAME = "exports/focus-2026-11.csv.gz"


class AuditCase(PostingCase):
    """The posting test company with a November FOCUS bill imported from a real gzip CSV:

      rows 1-2  Retail, direct        10.50 + 20.25
      rows 3-4  shared platform pool  90.00 + 30.01 (EffectiveCost; BilledCost 99.99 + 30.01)
      row 5     untagged               5.00
    CPU core-hours for November: Retail 3, Payments 1.
    """

    def setUp(self):
        super().setUp()
        open_registries_to_threads(self)  # wkhtmltopdf reads the PDF's assets from the server's threads

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env, company = cls.env, cls.company
        currency = company.currency_id.name
        env["cloud.cost.mapping.rule"].create(
            [
                {
                    "name": "Retail team",
                    "company_id": company.id,
                    "match_tag_key": "team",
                    "match_tag_value": "retail",
                    "analytic_account_id": cls.retail.id,
                },
                {
                    "name": "Shared platform",
                    "company_id": company.id,
                    "match_tag_key": "platform",
                    "match_tag_value": "shared",
                    "cost_pool_id": cls.platform.id,
                },
            ]
        )
        rows = [
            focus_row(
                period="2026-11",
                day=2,
                BillingCurrency=currency,
                BilledCost="10.50",
                EffectiveCost="10.50",
                Tags='{"team": "retail"}',
            ),
            focus_row(
                period="2026-11",
                day=3,
                BillingCurrency=currency,
                BilledCost="20.25",
                EffectiveCost="20.25",
                Tags='{"team": "retail"}',
                ChargeDescription='said "hello"\nacross two lines',
            ),
            focus_row(
                period="2026-11",
                day=3,
                BillingCurrency=currency,
                BilledCost="99.99",
                EffectiveCost="90.00",
                Tags='{"platform": "shared"}',
            ),
            focus_row(
                period="2026-11",
                day=4,
                BillingCurrency=currency,
                BilledCost="30.01",
                EffectiveCost="30.01",
                Tags='{"platform": "shared"}',
            ),
            focus_row(
                period="2026-11", day=5, BillingCurrency=currency, BilledCost="5.00", EffectiveCost="5.00", Tags=""
            ),
        ]
        cls.bill = focus_csv(rows, gzip_it=True)
        cls.source._import_store(MemoryStore({BILL_NAME: cls.bill}))
        cls.set_driver(cls.cpu, {cls.retail: 3, cls.payments: 1}, period=NOVEMBER)

    def november_run(self, post=False):
        run = self.new_run(user=self.controller, date_from=NOVEMBER[0], date_to=NOVEMBER[1])
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        if post:
            run.with_user(self.controller).action_post()
        return run

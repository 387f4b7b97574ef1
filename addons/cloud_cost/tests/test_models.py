from decimal import Decimal

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CloudCostCase


@tagged("post_install", "-at_install")
class TestModels(CloudCostCase):
    def test_batch_totals_are_exact_sums_of_its_lines(self):
        self.assertEqual(Decimal(str(self.batch_a.billed_cost_total)), Decimal("19.75"))
        self.assertEqual(Decimal(str(self.batch_a.effective_cost_total)), Decimal("17.25"))
        # nothing is classified yet: all of it is unallocated and visible as such
        self.assertEqual(Decimal(str(self.batch_a.unallocated_cost)), Decimal("17.25"))
        self.lines_a[0].cost_pool_id = self.pool_a
        self.assertEqual(Decimal(str(self.batch_a.unallocated_cost)), Decimal("7.25"))

    def test_bill_amounts_keep_ten_decimal_places_in_the_database(self):
        line = self.lines_a[0]
        self.env.cr.execute(
            "UPDATE cloud_cost_line SET effective_cost = %s WHERE id = %s", ["0.0000001234567891", line.id]
        )
        self.env.cr.execute("SELECT effective_cost::text FROM cloud_cost_line WHERE id = %s", [line.id])
        self.assertEqual(self.env.cr.fetchone()[0], "0.0000001234567891")

    def test_pool_code_is_unique_per_company(self):
        pools = self.env["cloud.cost.pool"]
        pools.create({"name": "Same code elsewhere", "code": "PLAT", "company_id": self.company_b.id})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["cloud.cost.pool"].create({"name": "Duplicate", "code": "PLAT", "company_id": self.company_a.id})

    def test_service_tier_targets_are_validated(self):
        with self.assertRaises(ValidationError):
            self.env["cloud.cost.service.tier"].create({"name": "Bad", "code": "BAD", "availability_target": 120})
        with self.assertRaises(ValidationError):
            self.env["cloud.cost.service.tier"].create({"name": "Bad", "code": "BAD2", "rpo_minutes": -5})

    def test_default_tiers_are_installed(self):
        codes = set(self.env["cloud.cost.service.tier"].search([]).mapped("code"))
        self.assertTrue({"STD", "BC", "MC"} <= codes)

    def test_source_counts_its_batches(self):
        self.assertEqual(self.source_a.batch_count, 1)
        action = self.source_a.action_view_batches()
        self.assertEqual(self.env["cloud.cost.import.batch"].search(action["domain"]), self.batch_a)

    def test_negative_driver_value_is_refused_with_key_and_receiver_named(self):
        receiver = self.env["account.analytic.account"].create(
            {
                "name": "Retail",
                "plan_id": self.env["account.analytic.plan"].create({"name": "BU"}).id,
                "company_id": self.company_a.id,
            }
        )
        with self.assertRaisesRegex(ValidationError, "CPU core-hours.*Retail.*negative"):
            self.env["cloud.cost.driver.value"].create(
                {
                    "key_id": self.key_a.id,
                    "company_id": self.company_a.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "analytic_account_id": receiver.id,
                    "value": -1,
                }
            )

"""Amounts in the smallest unit of currencies of 0, 2 and 3 decimal places (no database)."""

from decimal import Decimal

import pandas as pd

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.engine import Policy, Step, allocate, group_costs
from ..core.kpi import unit_cost
from ..core.rounding import units_to_text
from ..core.summary import money, summary_lines
from .engine_cases import bu, cost_rows, pool_cost, values

PLATFORM, RETAIL, PAYMENTS, DATA = 1, 10, 20, 30


@tagged("post_install", "-at_install")
class TestCurrencyDigits(PlainCase):
    def test_units_as_exact_text_in_each_currency(self):
        assert list(units_to_text([1205, -1205, 0, 7], 2)) == ["12.05", "-12.05", "0.00", "0.07"]
        assert list(units_to_text([1205, -1205, 0], 0)) == ["1205", "-1205", "0"]
        assert list(units_to_text([1205, -1205, 5, 0], 3)) == ["1.205", "-1.205", "0.005", "0.000"]

    def test_money_text_and_unit_cost_follow_the_currency(self):
        assert money(123456, 0) == "123,456"
        assert money(123456, 3) == "123.456"
        assert money(123456) == "1,234.56"
        assert unit_cost(1001, 4, 6, digits=0) == Decimal("250.250000")
        assert unit_cost(1001, 4, 6, digits=3) == Decimal("0.250250")

    def test_cost_groups_round_to_the_currency_unit(self):
        lines = pd.DataFrame(
            {
                "pool": [PLATFORM, PLATFORM, 0],
                "analytic": [0, 0, RETAIL],
                "environment": "",
                "tenant": "",
                "tier": 0,
                "service": "",
                "provider": "",
                "category": "",
                "amount": ["10.0004", "20.0013", "5.0006"],
            }
        )
        assert list(group_costs(lines, digits=3)["cents"]) == [5001, 30001]  # 5.001 and 30.001 dinars
        assert list(group_costs(lines, digits=0)["cents"]) == [5, 30]  # 35.0023 yen -> 35
        assert list(group_costs(lines, digits=2)["cents"]) == [500, 3000]

    def test_a_split_in_fils_credits_the_sender_to_the_fils_and_shows_three_decimals(self):
        result = allocate(
            cost_rows(pool_cost(PLATFORM, 30001)),
            Policy([Step(1, PLATFORM, "driver", driver_key="cpu")], digits=3),
            {"cpu": values({bu(RETAIL): 1, bu(PAYMENTS): 1, bu(DATA): 1})},
        )
        result.check()
        assert sorted(result.lines["cents"]) == [10000, 10000, 10001]
        sender = result.senders[PLATFORM]
        assert (sender.credited, sender.kept, sender.credited_percent) == (30001, 0, Decimal(100))
        text, passed = summary_lines(result, {("a", RETAIL): "Retail"}, "KWD", total_taken=30001)
        assert passed
        assert any(line.endswith("30.001") and line.startswith("Total") for line in text)

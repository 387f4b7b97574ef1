"""Plain-Python tests of exact money splits (no database)."""

from decimal import Decimal

import pytest

from odoo.tests import tagged

from ..core.money import allocate, split_units, to_units
from .plain import PlainCase, parametrize


@tagged("post_install", "-at_install")
class TestMoney(PlainCase):
    def test_three_way_split_adds_up_to_the_cent(self):
        parts = allocate(Decimal("100.00"), [1, 1, 1])
        assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
        assert sum(parts) == Decimal("100.00")

    def test_split_follows_driver_weights(self):
        # 1,000.00 over 70 / 20 / 10 core-hours
        assert allocate("1000", [70, 20, 10]) == [Decimal("700.00"), Decimal("200.00"), Decimal("100.00")]

    def test_left_over_cents_go_to_largest_remainders(self):
        # quotas 3.3333.., 6.6666..: 3 + 6 = 9 units, the 10th goes to the larger remainder
        assert split_units(10, [1, 2]) == [3, 7]

    def test_credit_is_split_with_its_sign(self):
        parts = allocate(Decimal("-0.05"), [1, 1])
        assert sum(parts) == Decimal("-0.05")
        assert sorted(parts) == [Decimal("-0.03"), Decimal("-0.02")]

    def test_ties_are_broken_by_key_not_position(self):
        forward = split_units(1, [1, 1], keys=["bu-b", "bu-a"])
        backward = split_units(1, [1, 1], keys=["bu-a", "bu-b"])
        assert forward == [0, 1]
        assert backward == [1, 0]

    def test_many_decimal_places_round_half_up_to_the_cent(self):
        assert to_units(Decimal("12.3450000001")) == 1235
        assert to_units(Decimal("12.3449999999")) == 1234

    @parametrize("weights", [[], [0, 0], [1, -1]])
    def test_unusable_weights_are_refused(self, weights):
        with pytest.raises(ValueError):
            allocate("10", weights)

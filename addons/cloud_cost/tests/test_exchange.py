"""Plain-Python tests of the exact currency conversion (no database)."""

from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..core.exchange import _convert_decimal, charge_days, convert_amounts, rate_factor
from .plain import PlainCase


def texts(array):
    return array.to_pylist()


@tagged("post_install", "-at_install")
class TestExchange(PlainCase):
    def test_rounding_is_half_away_from_zero_to_the_company_cents(self):
        amounts = ["1.005", "-1.005", "0.0049999999999", "123456789.994999", None, "2.5E-3", "7"]
        assert texts(convert_amounts(amounts, [0] * 7, [Decimal(1)], 2)) == [
            "1.01",
            "-1.01",
            "0.00",
            "123456789.99",
            None,
            "0.00",
            "7.00",
        ]

    def test_factor_per_currency_and_day(self):
        factor = rate_factor(1, "1.25")  # the billing currency is worth 0.8 company units
        assert factor == Decimal("0.8")
        out = convert_amounts(["10", "10", "0.0625"], [0, 1, 1], [Decimal(1), factor], 2)
        assert texts(out) == ["10.00", "8.00", "0.05"]

    def test_amounts_arrow_cannot_hold_fall_back_to_decimal_arithmetic(self):
        tiny = "0.000000000000000000000055"  # 24 decimal places
        huge = "12345678901234567890123.456"  # 23 integer digits
        out = convert_amounts([tiny, huge, "1.005"], [0, 0, 0], [rate_factor(3, 1)], 2)
        assert texts(out) == ["0.00", "37037036703703703670370.37", "3.02"]

    def test_zero_decimal_currencies(self):
        assert texts(convert_amounts(["1234.5", "-0.5"], [0, 0], [rate_factor(150, 1)], 0)) == ["185175", "-75"]

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(
            st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=12, allow_nan=False),
            min_size=1,
            max_size=30,
        ),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=6, allow_nan=False),
        st.sampled_from([0, 2, 3]),
    )
    def test_vectorized_path_equals_decimal_arithmetic(self, values, rate, places):
        amounts = [format(v, "f") for v in values]
        factor = rate_factor(1, rate)
        fast = texts(convert_amounts(amounts, [0] * len(amounts), [factor], places))
        exact = [
            str((Decimal(a) * factor).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) for a in amounts
        ]
        assert [Decimal(f) for f in fast] == [Decimal(e) for e in exact]
        assert texts(_convert_decimal(amounts, [0] * len(amounts), [factor], places)) == fast

    def test_amounts_in_the_company_currency_can_be_kept_as_billed_by_both_paths(self):
        factor = rate_factor(1, "1.25")
        amounts = ["0.0000000000004", "1.50", "10", None]
        expected = ["0.0000000000004", "1.50", "8.000000000000", None]
        assert (
            texts(convert_amounts(amounts, [0, 0, 1, 1], [Decimal(1), factor], 12, keep_unconverted=True)) == expected
        )
        assert (
            texts(_convert_decimal(amounts, [0, 0, 1, 1], [Decimal(1), factor], 12, keep_unconverted=True)) == expected
        )
        assert texts(convert_amounts(amounts[:2], [0, 0], [Decimal(1)], 12, keep_unconverted=True)) == amounts[:2]

    def test_charge_day_falls_back_to_the_billing_period(self):
        days = charge_days(["2026-10-03 05:00:00", None, ""], pa.array(["2026-10-01", "2026-10-01", "2026-09-01"]))
        assert days.to_pylist() == ["2026-10-03", "2026-10-01", "2026-09-01"]

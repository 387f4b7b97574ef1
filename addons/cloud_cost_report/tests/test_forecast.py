"""Month-end forecast from the daily run rate: plain Python, no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.forecast import forecast_month


@tagged("post_install", "-at_install")
class TestForecast(PlainCase):
    def test_forecast_adds_the_run_rate_of_the_last_seven_days_for_the_days_left(self):
        # November: 30 days. Days 1-10 cost 100 each, days 11-20 cost 130 each.
        costs = {date(2026, 11, d): Decimal(100) for d in range(1, 11)}
        costs.update({date(2026, 11, d): Decimal(130) for d in range(11, 21)})
        result = forecast_month(costs, date(2026, 11, 1), as_of=date(2026, 11, 20), budget=Decimal("3500"))
        # actual = 10 x 100 + 10 x 130 = 2300; run rate = last 7 days (14-20) = 130 a day;
        # forecast = 2300 + 10 days left x 130 = 3600, over a budget of 3500 by 100.
        assert result.actual == Decimal("2300.00")
        assert result.run_rate == Decimal("130.00")
        assert result.forecast == Decimal("3600.00")
        assert result.over_budget
        assert result.forecast_vs_budget == Decimal("100.00")

    def test_early_in_the_month_the_run_rate_uses_the_days_there_are(self):
        costs = {date(2026, 2, 1): Decimal("10.00"), date(2026, 2, 2): Decimal("20.00")}
        result = forecast_month(costs, date(2026, 2, 1), as_of=date(2026, 2, 2), budget=Decimal("500"))
        # run rate (10 + 20) / 2 = 15; February 2026 has 28 days: 30 + 26 x 15 = 420
        assert result.forecast == Decimal("420.00")
        assert not result.over_budget

    def test_last_day_of_the_month_forecast_is_the_actual_and_days_without_cost_count(self):
        costs = {date(2026, 10, 1) + timedelta(days=d): Decimal("3.333") for d in range(0, 31, 2)}
        result = forecast_month(costs, date(2026, 10, 1), as_of=date(2026, 10, 31))
        assert result.forecast == result.actual == Decimal("53.33")  # 16 days x 3.333 = 53.328
        assert result.budget is None and not result.over_budget

    def test_as_of_outside_the_month_is_refused(self):
        with pytest.raises(ValueError, match="not in the month of 2026-10"):
            forecast_month({}, date(2026, 10, 1), as_of=date(2026, 11, 1))

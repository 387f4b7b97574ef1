"""Month-end forecast from the daily run rate, and the budget check that follows from it."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.cloud_cost.core import periods

CENT = Decimal("0.01")  # the default: a currency of two decimal places


@dataclass(frozen=True)
class MonthForecast:
    month_start: date
    as_of: date
    actual: Decimal  # cost of the month up to and including as_of
    run_rate: Decimal  # average daily cost over the last run_rate_days days up to as_of
    forecast: Decimal  # actual + run_rate x days left in the month
    budget: Decimal | None

    @property
    def over_budget(self):
        return self.budget is not None and self.forecast > self.budget

    @property
    def forecast_vs_budget(self):
        """Forecast minus budget: positive means the month is heading over budget."""
        return None if self.budget is None else self.forecast - self.budget


def forecast_month(daily_costs, month_start, as_of, budget=None, run_rate_days=7, digits=2):
    """Forecast the month's total from what it cost so far.

    ``daily_costs``: {date: Decimal} of the month (days without cost may be missing).
    The run rate is the average of the last ``run_rate_days`` days up to ``as_of`` (fewer at
    the start of the month); the days left after ``as_of`` are assumed to cost that much each.
    Amounts are rounded to ``digits`` decimal places (the currency's).
    """
    unit = Decimal(1).scaleb(-digits)
    month_start, last_day = periods.month_bounds(month_start)
    if not month_start <= as_of <= last_day:
        raise ValueError(f"{as_of} is not in the month of {month_start:%Y-%m}")
    costs = {day: Decimal(cost) for day, cost in daily_costs.items() if month_start <= day <= as_of}
    actual = sum(costs.values(), Decimal(0))
    window_start = max(month_start, as_of - timedelta(days=run_rate_days - 1))
    window_days = (as_of - window_start).days + 1
    window_cost = sum((cost for day, cost in costs.items() if day >= window_start), Decimal(0))
    run_rate = window_cost / window_days
    days_left = (last_day - as_of).days
    forecast = (actual + run_rate * days_left).quantize(unit, rounding=ROUND_HALF_UP)
    return MonthForecast(
        month_start=month_start,
        as_of=as_of,
        actual=actual.quantize(unit, rounding=ROUND_HALF_UP),
        run_rate=run_rate.quantize(unit, rounding=ROUND_HALF_UP),
        forecast=forecast,
        budget=None if budget is None else Decimal(budget),
    )

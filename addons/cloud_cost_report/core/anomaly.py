"""Anomalies in daily cost: a day far above the rolling baseline of its own series.

A series is the daily cost of one business unit and one service. The baseline of a day is
the median of the days before it (a trailing window), its spread the median absolute
deviation (MAD), so one earlier spike neither raises the baseline nor hides the next one.
A day is an anomaly when it beats the baseline by all three margins at once:

- ``threshold`` robust standard deviations (MAD x 1.4826),
- ``min_increase_ratio`` of the baseline (relative jump),
- ``min_increase_amount`` in money (a jump too small to matter is not worth an alert).

Days with fewer than ``min_history`` earlier days are not judged.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class AnomalySettings:
    window_days: int = 14
    min_history: int = 7
    threshold: float = 4.0
    min_increase_ratio: float = 0.3
    min_increase_amount: Decimal = Decimal("10")


@dataclass(frozen=True)
class Anomaly:
    key: tuple
    day: date
    cost: Decimal
    baseline: Decimal
    increase: Decimal
    score: float  # robust standard deviations above the baseline


def _spread(values, median):
    mad = np.median(np.abs(values - median))
    # a perfectly flat history has no spread: fall back to 1% of the level, so a jump still scores
    return max(mad * MAD_TO_SIGMA, abs(median) * 0.01, 1e-9)


def find_anomalies(daily, settings=None):
    """Anomalies of every series in ``daily``.

    ``daily``: a DataFrame with columns ``key`` (any hashable naming the series), ``day``
    (date) and ``cost`` (Decimal or number). Missing days count as zero cost.
    Returns the anomalies, most significant first.
    """
    settings = settings or AnomalySettings()
    if daily.empty:
        return []
    found = []
    for key, rows in daily.groupby("key", sort=False):
        series = rows.groupby("day")["cost"].sum()
        days = pd.date_range(min(series.index), max(series.index), freq="D").date
        exact = {day: Decimal(str(series.get(day, 0))) for day in days}
        values = np.array([float(exact[day]) for day in days])
        for position in range(settings.min_history, len(days)):
            history = values[max(0, position - settings.window_days) : position]
            baseline = float(np.median(history))
            increase = values[position] - baseline
            score = increase / _spread(history, baseline)
            if (
                score >= settings.threshold
                and increase >= settings.min_increase_ratio * abs(baseline)
                and increase >= float(settings.min_increase_amount)
            ):
                baseline_exact = Decimal(str(round(baseline, 6)))
                found.append(
                    Anomaly(
                        key=key,
                        day=days[position],
                        cost=exact[days[position]],
                        baseline=baseline_exact,
                        increase=exact[days[position]] - baseline_exact,
                        score=round(float(score), 2),
                    )
                )
    found.sort(key=lambda anomaly: (-anomaly.score, anomaly.day))
    return found

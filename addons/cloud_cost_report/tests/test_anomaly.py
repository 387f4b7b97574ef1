"""Anomaly detection on daily cost series: plain Python, no database."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.anomaly import AnomalySettings, find_anomalies

START = date(2026, 9, 1)


def _noisy_series(key, days, level, noise, seed):
    """Ordinary day-to-day noise: a weekly rhythm plus random jitter of +/- noise."""
    rng = random.Random(seed)
    rows = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        weekly = Decimal("0.85") if day.weekday() >= 5 else Decimal(1)
        jitter = Decimal(str(round(rng.uniform(-noise, noise), 4)))
        rows.append({"key": key, "day": day, "cost": (level * weekly * (1 + jitter)).quantize(Decimal("0.01"))})
    return rows


def _estate(days=60, seed=7):
    rows = []
    for index, (unit, service, level) in enumerate(
        [
            ("Sales", "Amazon EC2", Decimal("420")),
            ("Sales", "Amazon S3", Decimal("35")),
            ("Finance", "Amazon RDS", Decimal("310")),
            ("Finance", "Amazon EC2", Decimal("150")),
            ("Operations", "Amazon EKS", Decimal("990")),
            ("Operations", "AWS Data Transfer", Decimal("60")),
        ]
    ):
        rows += _noisy_series((unit, service), days, level, noise=0.12, seed=seed + index)
    return rows


@tagged("post_install", "-at_install")
class TestAnomaly(PlainCase):
    def test_ordinary_noise_is_not_flagged(self):
        for seed in range(5):
            assert find_anomalies(pd.DataFrame(_estate(seed=seed * 100))) == []

    def test_a_seeded_spike_is_found_with_its_day_cost_and_baseline(self):
        rows = _estate()
        spike_day = START + timedelta(days=40)
        for row in rows:
            if row["key"] == ("Finance", "Amazon RDS") and row["day"] == spike_day:
                row["cost"] = Decimal("1240.55")  # about four times the usual 310 a day
        anomalies = find_anomalies(pd.DataFrame(rows))
        assert [(a.key, a.day) for a in anomalies] == [(("Finance", "Amazon RDS"), spike_day)]
        spike = anomalies[0]
        assert spike.cost == Decimal("1240.55")
        assert Decimal("280") < spike.baseline < Decimal("340")
        assert spike.increase == spike.cost - spike.baseline
        assert spike.score > 4

    def test_a_spike_too_small_in_money_is_not_worth_an_alert(self):
        rows = [{"key": "tiny", "day": START + timedelta(days=d), "cost": Decimal("1.00")} for d in range(20)]
        rows[15]["cost"] = Decimal("6.00")  # six times the baseline, but five units of money
        assert find_anomalies(pd.DataFrame(rows)) == []
        assert len(find_anomalies(pd.DataFrame(rows), AnomalySettings(min_increase_amount=Decimal("1")))) == 1

    def test_missing_days_count_as_zero_and_a_new_service_is_not_judged_before_it_has_history(self):
        rows = [{"key": "new", "day": START + timedelta(days=d), "cost": Decimal("100")} for d in (0, 1, 2)]
        rows.append({"key": "new", "day": START + timedelta(days=3), "cost": Decimal("900")})
        assert find_anomalies(pd.DataFrame(rows)) == []  # four days of history only
        # after a week of zero-cost days (missing rows), a cost of 900 is an anomaly
        rows.append({"key": "new", "day": START + timedelta(days=12), "cost": Decimal("900")})
        found = find_anomalies(pd.DataFrame(rows))
        assert [a.day for a in found] == [START + timedelta(days=12)]

    def test_one_earlier_spike_does_not_hide_the_next(self):
        rows = [{"key": "k", "day": START + timedelta(days=d), "cost": Decimal(100 + d % 3)} for d in range(30)]
        rows[10]["cost"] = Decimal("800")
        rows[14]["cost"] = Decimal("800")
        assert sorted(a.day for a in find_anomalies(pd.DataFrame(rows))) == [
            START + timedelta(days=10),
            START + timedelta(days=14),
        ]

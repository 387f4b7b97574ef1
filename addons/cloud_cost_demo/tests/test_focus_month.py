"""The demo's generated bills: realistic, reproducible and consistent as FOCUS requires."""

import csv
import gzip
import io
import json
from collections import Counter
from datetime import date
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.focus_month import FOCUS_COLUMNS, SAVINGS_PLAN_ID, generate_month, month_starts, to_csv_gz


@tagged("post_install", "-at_install")
class TestFocusMonth(PlainCase):
    def test_the_same_month_is_generated_the_same_way_every_time(self):
        assert to_csv_gz(generate_month(date(2026, 10, 1))) == to_csv_gz(generate_month(date(2026, 10, 1)))
        assert generate_month(date(2026, 10, 1)) != generate_month(date(2026, 9, 1))

    def test_a_month_has_a_few_thousand_rows_over_two_providers_with_untagged_ones(self):
        rows = generate_month(date(2026, 10, 1))
        assert 1000 < len(rows) < 3000
        assert set(Counter(row["ProviderName"] for row in rows)) == {"AWS", "Microsoft"}
        untagged = [row for row in rows if json.loads(row["Tags"]) == {}]
        assert 0.05 < len(untagged) / len(rows) < 0.2
        assert all(row["ChargePeriodStart"].startswith("2026-10") for row in rows)

    def test_the_savings_plan_is_billed_once_and_amortized_into_the_usage_it_covers(self):
        rows = generate_month(date(2026, 10, 1))
        plan_rows = [row for row in rows if row["CommitmentDiscountId"] == SAVINGS_PLAN_ID]
        purchase = [row for row in plan_rows if row["ChargeCategory"] == "Purchase"]
        assert len(purchase) == 1
        assert Decimal(purchase[0]["BilledCost"]) == Decimal("2.40") * 24 * 31
        assert Decimal(purchase[0]["EffectiveCost"]) == 0
        covered = [row for row in plan_rows if row["CommitmentDiscountStatus"] == "Used"]
        assert covered and all(Decimal(row["BilledCost"]) == 0 < Decimal(row["EffectiveCost"]) for row in covered)
        assert all(Decimal(row["EffectiveCost"]) < Decimal(row["ListCost"]) for row in covered)
        # over the month, the amortized cost of the commitment equals what was billed for it
        amortized = sum(Decimal(row["EffectiveCost"]) for row in plan_rows)
        assert amortized == Decimal(purchase[0]["BilledCost"])
        billed = sum(Decimal(row["BilledCost"]) for row in rows)
        effective = sum(Decimal(row["EffectiveCost"]) for row in rows)
        assert billed == effective

    def test_the_file_is_a_gzip_focus_csv_with_ten_decimal_amounts(self):
        data = to_csv_gz(generate_month(date(2026, 2, 1)))
        reader = csv.DictReader(io.StringIO(gzip.decompress(data).decode("utf-8")))
        assert tuple(reader.fieldnames) == FOCUS_COLUMNS
        first = next(reader)
        assert len(first["BilledCost"].split(".")[1]) == 10

    def test_the_demo_covers_the_last_full_months(self):
        assert month_starts(date(2026, 1, 15), 2) == [date(2025, 11, 1), date(2025, 12, 1)]

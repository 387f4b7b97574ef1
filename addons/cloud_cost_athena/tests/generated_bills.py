"""Generated bill exports as Parquet, shaped like AWS Data Exports (FOCUS 1.0 and CUR 2.0)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

SERVICES = [
    "Amazon Elastic Compute Cloud",
    "Amazon Relational Database Service",
    "Amazon Simple Storage Service",
    "AWS Lambda",
]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", None]
ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
TEAMS = ["payments", "search", "platform", None]
ENVIRONMENTS = ["prod", "staging", None]
TAGS = pa.map_(pa.string(), pa.string())
MONEY = pa.decimal128(38, 10)
TIME = pa.timestamp("ms", tz="UTC")


def _amount(rng, low=-2, high=40):
    """Mostly sub-cent usage, some larger charges, ten decimal places."""
    scale = rng.choice([Decimal("0.0001"), Decimal("0.01"), Decimal(1)])
    return (Decimal(rng.uniform(low, high)) * scale).quantize(Decimal("1e-10"))


def _tags(rng):
    tags = []
    team, env = rng.choice(TEAMS), rng.choice(ENVIRONMENTS)
    if team:
        tags.append(("team", team))
    if env:
        tags.append(("env", env))
    if rng.random() < 0.3:
        tags.append(("owner", f"user{rng.randrange(50)}"))  # read by no rule: summed away
    return tags


def focus_table(rows, *, period="2026-10", seed=1, currencies=("EUR", "USD")):
    rng = random.Random(seed)
    start = datetime.fromisoformat(f"{period}-01T00:00:00+00:00")
    following = (start + timedelta(days=32)).replace(day=1)
    columns = {
        name: []
        for name in (
            "BilledCost",
            "EffectiveCost",
            "ListCost",
            "ContractedCost",
            "BillingAccountId",
            "BillingCurrency",
            "BillingPeriodStart",
            "BillingPeriodEnd",
            "ChargeCategory",
            "ChargeDescription",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "ProviderName",
            "RegionId",
            "ResourceId",
            "ServiceName",
            "SubAccountId",
            "Tags",
        )
    }
    for _row in range(rows):
        hour = start + timedelta(hours=rng.randrange((following - start).days * 24))
        billed = _amount(rng)
        category = rng.choices(["Usage", "Tax", "Credit", "Purchase"], weights=[85, 5, 5, 5])[0]
        if category == "Credit":
            billed = -abs(billed)
        values = {
            "BilledCost": billed,
            "EffectiveCost": (billed * Decimal("0.9")).quantize(Decimal("1e-10")),
            "ListCost": (abs(billed) * Decimal("1.2")).quantize(Decimal("1e-10")),
            "ContractedCost": billed,
            "BillingAccountId": "999999999999",
            "BillingCurrency": rng.choice(currencies),
            "BillingPeriodStart": start,
            "BillingPeriodEnd": following,
            "ChargeCategory": category,
            "ChargeDescription": f"usage {rng.randrange(1000)}",
            "ChargePeriodStart": hour,
            "ChargePeriodEnd": hour + timedelta(hours=1),
            "ProviderName": "AWS",
            "RegionId": rng.choice(REGIONS),
            "ResourceId": f"arn:aws:ec2:eu-west-1:{rng.choice(ACCOUNTS)}:instance/i-{rng.randrange(10**6):06d}",
            "ServiceName": rng.choice(SERVICES),
            "SubAccountId": rng.choice(ACCOUNTS),
            "Tags": _tags(rng),
        }
        for name, value in values.items():
            columns[name].append(value)
    types = {
        "BilledCost": MONEY,
        "EffectiveCost": MONEY,
        "ListCost": MONEY,
        "ContractedCost": MONEY,
        "BillingPeriodStart": TIME,
        "BillingPeriodEnd": TIME,
        "ChargePeriodStart": TIME,
        "ChargePeriodEnd": TIME,
        "Tags": TAGS,
    }
    return pa.table({name: pa.array(values, type=types.get(name, pa.string())) for name, values in columns.items()})


CUR2_TYPES = [
    "Usage",
    "Usage",
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "RIFee",
    "Fee",
    "Credit",
    "Refund",
    "Tax",
]


def cur2_table(rows, *, period="2026-10", seed=2):
    """CUR 2.0 rows with every line item type; amounts as doubles, as Data Exports writes them."""
    rng = random.Random(seed)
    start = datetime.fromisoformat(f"{period}-01T00:00:00+00:00")
    following = (start + timedelta(days=32)).replace(day=1)
    data = {
        name: []
        for name in (
            "bill_billing_period_start_date",
            "bill_billing_period_end_date",
            "bill_payer_account_id",
            "line_item_usage_account_id",
            "line_item_line_item_type",
            "line_item_usage_start_date",
            "line_item_usage_end_date",
            "line_item_product_code",
            "line_item_currency_code",
            "line_item_unblended_cost",
            "line_item_resource_id",
            "product_servicecode",
            "product_region_code",
            "pricing_public_on_demand_cost",
            "savings_plan_savings_plan_effective_cost",
            "reservation_effective_cost",
            "savings_plan_total_commitment_to_date",
            "savings_plan_used_commitment",
            "reservation_unused_amortized_upfront_fee_for_billing_period",
            "reservation_unused_recurring_fee",
            "reservation_reservation_a_r_n",
            "resource_tags",
        )
    }
    for _row in range(rows):
        hour = start + timedelta(hours=rng.randrange((following - start).days * 24))
        kind = rng.choice(CUR2_TYPES)
        cost = round(rng.uniform(0, 5) * rng.choice([0.001, 1]), 8)
        if kind in ("Credit", "Refund", "SavingsPlanNegation"):
            cost = -cost
        service = rng.choice(["AmazonEC2", "AmazonRDS", "AmazonS3"])
        values = {
            "bill_billing_period_start_date": start,
            "bill_billing_period_end_date": following,
            "bill_payer_account_id": "999999999999",
            "line_item_usage_account_id": rng.choice(ACCOUNTS),
            "line_item_line_item_type": kind,
            "line_item_usage_start_date": hour,
            "line_item_usage_end_date": hour + timedelta(hours=1),
            "line_item_product_code": service,
            "line_item_currency_code": "USD",
            "line_item_unblended_cost": cost,
            "line_item_resource_id": f"i-{rng.randrange(10**6):06d}",
            "product_servicecode": service if rng.random() < 0.8 else None,
            "product_region_code": rng.choice(REGIONS),
            "pricing_public_on_demand_cost": round(abs(cost) * 1.3, 8),
            "savings_plan_savings_plan_effective_cost": round(cost * 0.7, 8)
            if kind == "SavingsPlanCoveredUsage"
            else None,
            "reservation_effective_cost": round(cost * 0.6, 8) if kind == "DiscountedUsage" else None,
            "savings_plan_total_commitment_to_date": 10.0 if kind == "SavingsPlanRecurringFee" else None,
            "savings_plan_used_commitment": round(rng.uniform(0, 10), 8) if kind == "SavingsPlanRecurringFee" else None,
            "reservation_unused_amortized_upfront_fee_for_billing_period": 1.25 if kind == "RIFee" else None,
            "reservation_unused_recurring_fee": 0.5 if kind == "RIFee" else None,
            "reservation_reservation_a_r_n": (
                "arn:aws:ec2:eu-west-1:111111111111:reserved-instances/r-1"
                if kind in ("Fee", "RIFee") and rng.random() < 0.5
                else None
            ),
            "resource_tags": _tags(rng),
        }
        for name, value in values.items():
            data[name].append(value)
    types = {name: pa.float64() for name in data if "cost" in name or "fee" in name or "commitment" in name}
    types.update({name: TIME for name in data if name.endswith(("_start_date", "_end_date"))})
    types["resource_tags"] = TAGS
    return pa.table({name: pa.array(values, type=types.get(name, pa.string())) for name, values in data.items()})


def parquet_bytes(table):
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()

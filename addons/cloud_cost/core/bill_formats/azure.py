"""Azure cost exports (Cost Management, EA and MCA schemas): actual cost and amortized cost.

Azure's own FOCUS export is read as FOCUS. The two classic exports share one schema, so the
cost type is told by the rows: an amortized export carries UnusedReservation/UnusedSavingsPlan
rows (or says "amortized" in its file name). Normalized as FOCUS does:

- actual cost: BilledCost = EffectiveCost = cost, except reservation and savings-plan purchases,
  whose EffectiveCost is 0 (an amortized export spreads them over the usage they cover);
- amortized cost: EffectiveCost = cost; BilledCost = cost for on-demand and spot charges, 0 for
  usage covered by a reservation or savings plan and for their unused parts (billed by the purchase).

Rows produced by cost allocation rules (CostAllocationRuleName filled) are kept and flagged in
provider_extra, as they move cost between subscriptions without adding to the invoice.
"""

import json
from decimal import Decimal

import pandas as pd

from . import normalize as n

COST_COLUMNS = ("CostInBillingCurrency", "costInBillingCurrency", "Cost", "PreTaxCost", "cost")
DATE_FORMATS = ("ISO8601", "%m/%d/%Y")
CATEGORY = {
    "usage": "Usage",
    "purchase": "Purchase",
    "refund": "Credit",
    "unusedreservation": "Usage",
    "unusedsavingsplan": "Usage",
    "roundingadjustment": "Adjustment",
    "tax": "Tax",
    "credit": "Credit",
}
BENEFIT_MODELS = ("reservation", "savingsplan", "savings plan")


def _first(raw, names):
    """The first of the columns present, whatever its case (exports differ: EA PascalCase, MCA camelCase)."""
    lowered = {c.lower(): c for c in raw.columns}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def is_azure(columns):
    lowered = {c.lower() for c in columns}
    return bool({"costinbillingcurrency", "pretaxcost"} & lowered) or (
        "metercategory" in lowered and "subscriptionid" in lowered
    )


def is_amortized(raw, file):
    charge = _first(raw, ["ChargeType"])
    if "amortized" in file.lower():
        return True
    if charge is None:
        return False
    return n.text(raw[charge]).str.lower().isin(["unusedreservation", "unusedsavingsplan"]).any()


def normalize(raw, *, file, amortized=None):
    cost_column = _first(raw, COST_COLUMNS)
    date_column = _first(raw, ["Date", "UsageDate", "date"])
    n.require_columns(raw, [cost_column or "CostInBillingCurrency", date_column or "Date"], file=file)
    amortized = is_amortized(raw, file) if amortized is None else amortized

    def col(*names):
        found = _first(raw, names)
        return raw[found] if found else pd.Series(None, index=raw.index, dtype=object)

    cost = n.decimals(raw[cost_column], file=file, column=cost_column, required=True)
    charge_type = n.text(col("ChargeType")).fillna("Usage")
    lowered = charge_type.str.lower()
    unknown = ~lowered.isin(list(CATEGORY))
    if unknown.any():
        raise n.BillFormatError(
            f"unknown charge type: {charge_type[unknown].iloc[0]!r}", file=file, row=n.first_row(unknown),
            column=_first(raw, ["ChargeType"]),
        )  # fmt: skip
    pricing = n.text(col("PricingModel")).fillna("OnDemand").str.lower()
    benefit = pricing.isin(BENEFIT_MODELS) | n.text(col("BenefitId", "ReservationId")).notna()
    out = pd.DataFrame(index=raw.index)
    if amortized:
        out["effective_cost"] = cost
        billed = cost.copy()
        billed[(benefit & (lowered == "usage")) | lowered.isin(["unusedreservation", "unusedsavingsplan"])] = "0"
        out["billed_cost"] = billed
    else:
        out["billed_cost"] = cost
        effective = cost.copy()
        effective[benefit & (lowered == "purchase")] = "0"
        out["effective_cost"] = effective
    out["list_cost"] = None
    if _first(raw, ["PayGPrice"]) and _first(raw, ["Quantity"]):
        price = n.decimals(col("PayGPrice"), file=file, column="PayGPrice")
        quantity = n.decimals(col("Quantity"), file=file, column="Quantity")
        pairs = zip(price, quantity, strict=True)
        out["list_cost"] = [None if p is None or q is None else format(_dec(p) * _dec(q), "f") for p, q in pairs]
    out["contracted_cost"] = None
    out["pricing_quantity"] = n.decimals(col("Quantity", "UsageQuantity"), file=file, column="Quantity")
    out["consumed_quantity"] = out["pricing_quantity"]
    day = n.timestamps(raw[date_column], file=file, column=date_column, required=True, formats=DATE_FORMATS)
    out["charge_period_start"] = day
    out["charge_period_end"] = (pd.to_datetime(day) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d %H:%M:%S")
    period_start = col("BillingPeriodStartDate")
    out["billing_period_start"] = (
        n.dates(period_start, file=file, column="BillingPeriodStartDate", formats=DATE_FORMATS)
        if period_start.notna().any()
        else day.str.slice(0, 7) + "-01"
    )
    period_end = col("BillingPeriodEndDate")
    # Azure's billing period end is the last day; FOCUS ends a period on the next period's first day
    ends = n.dates(period_end, file=file, column="BillingPeriodEndDate", formats=DATE_FORMATS)
    out["billing_period_end"] = ends.map(
        lambda v: (pd.Timestamp(v) + pd.Timedelta(days=1)).strftime("%Y-%m-%d") if isinstance(v, str) else None
    )
    out["billing_currency"] = n.text(col("BillingCurrency", "BillingCurrencyCode", "Currency")).fillna("USD")
    out["charge_category"] = lowered.map(CATEGORY)
    out["charge_class"] = lowered.map(lambda v: "Correction" if v == "refund" else None)
    out["charge_description"] = n.text(col("MeterName", "ProductName"))
    out["provider_name"] = "Microsoft"
    out["billing_account"] = n.text(col("BillingAccountId"))
    out["sub_account"] = n.text(col("SubscriptionId", "SubscriptionGuid"))
    out["sub_account_name"] = n.text(col("SubscriptionName"))
    out["service_name"] = n.text(col("ConsumedService", "MeterCategory", "ServiceName"))
    out["service_category"] = n.text(col("MeterCategory", "ServiceFamily"))
    out["region"] = n.text(col("ResourceLocation", "MeterRegion"))
    out["resource"] = n.text(col("ResourceId", "InstanceId"))
    out["resource_name"] = n.text(col("ResourceName"))
    out["sku"] = n.text(col("MeterId", "ProductId"))
    out["pricing_unit"] = n.text(col("UnitOfMeasure"))
    out["consumed_unit"] = out["pricing_unit"]
    out["commitment_discount"] = n.text(col("BenefitId", "ReservationId"))
    out["commitment_discount_status"] = lowered.map(
        lambda v: "Unused" if v in ("unusedreservation", "unusedsavingsplan") else None
    )
    out.loc[benefit & (lowered == "usage"), "commitment_discount_status"] = "Used"
    out["invoice_number"] = n.text(col("InvoiceId", "InvoiceNumber"))
    tags_column = _first(raw, ["Tags"])
    out["tags"] = (
        n.json_objects(raw[tags_column], file=file, column=tags_column, loader=_load_azure_tags)
        if tags_column
        else None
    )
    extra = [
        c for c in ("ResourceGroup", "ResourceGroupName", "PricingModel", "ChargeType", "CostAllocationRuleName",
                    "CostCenter", "PublisherType", "MeterSubCategory", "BenefitName", "Frequency", "costInUsd",
                    "CostInUsd")
        if c in raw.columns
    ]  # fmt: skip
    marked = raw.assign(x_CostType="amortized" if amortized else "actual")
    out["provider_extra"] = n.extras(marked, [*extra, "x_CostType"])
    return out


def _dec(value):
    return Decimal(value)


def _load_azure_tags(value):
    """Azure writes tags as a JSON object, or as its members without the braces."""
    text = value.strip()
    if not text.startswith("{"):
        text = "{" + text + "}"
    obj = json.loads(text)
    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    return {str(k): "" if v is None else str(v) for k, v in obj.items()}

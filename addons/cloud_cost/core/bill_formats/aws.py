"""AWS Cost and Usage Reports: CUR 2.0 (Data Exports, ``line_item_unblended_cost``) and the legacy
CUR (``lineItem/UnblendedCost``), normalized to FOCUS the way AWS's own FOCUS export does.

Line item type -> ChargeCategory (ChargeClass), EffectiveCost; BilledCost is always the unblended cost:

- Usage -> Usage; unblended cost
- DiscountedUsage (covered by a reservation) -> Usage; reservation effective cost
- SavingsPlanCoveredUsage -> Usage; savings plan effective cost
- SavingsPlanNegation -> Usage; 0 (the covered usage carries the cost)
- SavingsPlanRecurringFee -> Purchase; the unused commitment (total commitment - used commitment)
- SavingsPlanUpfrontFee -> Purchase; 0 (amortized into the covered usage)
- RIFee -> Purchase; unused amortized upfront fee + unused recurring fee
- Fee -> Purchase; 0 for a reservation's upfront fee, else unblended cost
- Credit, Discount, BundledDiscount, EdpDiscount... -> Credit; unblended cost
- Refund -> Credit (Correction); unblended cost
- Tax -> Tax; unblended cost
"""

import re
from decimal import Decimal

import pandas as pd

from . import normalize as n
from . import registry, summed

CATEGORY = {
    "usage": "Usage",
    "discountedusage": "Usage",
    "savingsplancoveredusage": "Usage",
    "savingsplannegation": "Usage",
    "savingsplanrecurringfee": "Purchase",
    "savingsplanupfrontfee": "Purchase",
    "rifee": "Purchase",
    "fee": "Purchase",
    "credit": "Credit",
    "refund": "Credit",
    "tax": "Tax",
    "discount": "Credit",
    "bundleddiscount": "Credit",
    "edpdiscount": "Credit",
    "privaterateddiscount": "Credit",
    "distributordiscount": "Credit",
    "solutionprovidercredit": "Credit",
}
MANDATORY = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "bill_billing_period_start_date",
)
TAG_PREFIXES = ("resource_tags_", "resourcetags_")


def legacy_name(column):
    """'lineItem/UnblendedCost' -> 'line_item_unblended_cost', as CUR 2.0 names it."""
    if "/" not in column:
        return column
    prefix, name = column.split("/", 1)
    if prefix == "resourceTags":
        return "resource_tags_" + name
    snake = lambda value: re.sub(r"(?<!^)([A-Z])", r"_\1", value).lower()  # noqa: E731
    return f"{snake(prefix)}_{snake(name)}"


def is_cur2(columns):
    return "line_item_unblended_cost" in columns and "line_item_line_item_type" in columns


def is_legacy(columns):
    return "lineItem/UnblendedCost" in columns and "lineItem/LineItemType" in columns


def normalize(raw, *, file):
    raw = raw.rename(columns={c: legacy_name(c) for c in raw.columns})
    n.require_columns(raw, MANDATORY, file=file)

    def col(name):
        return raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)

    def amount(name, label=None, required=False):
        return n.decimals(col(name), file=file, column=label or name, required=required)

    out = pd.DataFrame(index=raw.index)
    kinds = n.text(col("line_item_line_item_type"))
    lowered = kinds.str.lower()
    unknown = ~lowered.isin(list(CATEGORY)) & kinds.notna()
    if unknown.any() or kinds.isna().any():
        bad = unknown | kinds.isna()
        raise n.BillFormatError(
            f"unknown line item type: {kinds[bad].iloc[0]!r}", file=file, row=n.first_row(bad),
            column="line_item_line_item_type",
        )  # fmt: skip
    unblended = amount("line_item_unblended_cost", required=True)
    out["billed_cost"] = unblended
    out["effective_cost"] = _effective_costs(raw, lowered, unblended, amount)
    out["list_cost"] = amount("pricing_public_on_demand_cost")
    out["contracted_cost"] = None
    out["pricing_quantity"] = (
        amount("pricing_pricing_quantity") if "pricing_pricing_quantity" in raw else amount("line_item_usage_amount")
    )
    out["consumed_quantity"] = amount("line_item_usage_amount")
    out["charge_period_start"] = n.timestamps(col("line_item_usage_start_date"), file=file,
                                              column="line_item_usage_start_date", required=True)  # fmt: skip
    out["charge_period_end"] = n.timestamps(col("line_item_usage_end_date"), file=file,
                                            column="line_item_usage_end_date", required=True)  # fmt: skip
    out["billing_period_start"] = n.dates(col("bill_billing_period_start_date"), file=file,
                                          column="bill_billing_period_start_date", required=True)  # fmt: skip
    out["billing_period_end"] = n.dates(col("bill_billing_period_end_date"), file=file,
                                        column="bill_billing_period_end_date")  # fmt: skip
    out["billing_currency"] = n.text(col("line_item_currency_code")).fillna("USD")
    out["charge_category"] = lowered.map(CATEGORY)
    out["charge_class"] = lowered.map(lambda v: "Correction" if v == "refund" else None)
    out["charge_description"] = n.text(col("line_item_line_item_description"))
    out["provider_name"] = "AWS"
    out["billing_account"] = n.text(col("bill_payer_account_id"))
    out["sub_account"] = n.text(col("line_item_usage_account_id"))
    out["sub_account_name"] = n.text(col("line_item_usage_account_name"))
    service = n.text(col("product_product_name"))
    out["service_name"] = service.fillna(n.text(col("product_servicecode"))).fillna(
        n.text(col("line_item_product_code"))
    )
    out["service_category"] = n.text(col("product_product_family"))
    out["region"] = n.text(col("product_region_code")).fillna(n.text(col("product_region")))
    out["resource"] = n.text(col("line_item_resource_id"))
    out["resource_name"] = None
    out["sku"] = n.text(col("product_sku"))
    out["pricing_unit"] = n.text(col("pricing_unit"))
    out["consumed_unit"] = n.text(col("pricing_unit"))
    out["commitment_discount"] = n.text(col("savings_plan_savings_plan_a_r_n")).fillna(
        n.text(col("reservation_reservation_a_r_n"))
    )
    out["commitment_discount_status"] = lowered.map(
        lambda v: "Used" if v in ("discountedusage", "savingsplancoveredusage") else None
    )
    out["invoice_number"] = n.text(col("bill_invoice_id"))
    out["tags"] = _tags(raw, file=file)
    kept = [c for c in raw.columns if c in _EXTRA_KEPT or c.startswith("cost_category")]
    out["provider_extra"] = n.extras(raw, kept)
    return out


# provider columns worth keeping beside the FOCUS ones (the rest of a CUR's hundreds stay in the file)
_EXTRA_KEPT = {
    "line_item_line_item_type",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_blended_cost",
    "line_item_net_unblended_cost",
    "line_item_tax_type",
    "line_item_legal_entity",
    "savings_plan_savings_plan_effective_cost",
    "reservation_effective_cost",
    "bill_bill_type",
    "bill_billing_entity",
}


def _effective_costs(raw, lowered, unblended, amount):
    zero = "0"
    effective = unblended.copy()

    def optional(name):
        return amount(name) if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)

    sp_effective = optional("savings_plan_savings_plan_effective_cost")
    ri_effective = optional("reservation_effective_cost")
    covered = lowered == "savingsplancoveredusage"
    effective[covered] = sp_effective[covered].fillna(zero)
    discounted = lowered == "discountedusage"
    effective[discounted] = ri_effective[discounted].fillna(zero)
    effective[lowered.isin(["savingsplannegation", "savingsplanupfrontfee"])] = zero
    recurring = lowered == "savingsplanrecurringfee"
    if recurring.any():
        total = optional("savings_plan_total_commitment_to_date")
        used = optional("savings_plan_used_commitment")
        pairs = zip(total[recurring], used[recurring], strict=True)
        effective[recurring] = [format(Decimal(t or 0) - Decimal(u or 0), "f") for t, u in pairs]
    ri_fee = lowered == "rifee"
    if ri_fee.any():
        upfront = optional("reservation_unused_amortized_upfront_fee_for_billing_period")
        recurring_fee = optional("reservation_unused_recurring_fee")
        pairs = zip(upfront[ri_fee], recurring_fee[ri_fee], strict=True)
        effective[ri_fee] = [format(Decimal(a or 0) + Decimal(b or 0), "f") for a, b in pairs]
    reservation = n.text(raw["reservation_reservation_a_r_n"]) if "reservation_reservation_a_r_n" in raw else None
    upfront_fee = (lowered == "fee") & (reservation.notna() if reservation is not None else False)
    effective[upfront_fee] = zero
    return effective


def _tags(raw, *, file):
    """resource_tags as a JSON map (CUR 2.0) or as resourceTags/user:key columns (legacy)."""
    if "resource_tags" in raw.columns:
        return n.json_objects(raw["resource_tags"], file=file, column="resource_tags")
    tag_columns = [c for c in raw.columns if c.startswith(TAG_PREFIXES)]
    if not tag_columns:
        return pd.Series(None, index=raw.index, dtype=object)
    renamed = raw[tag_columns].rename(columns={c: c.split("_", 2)[-1] if c.startswith("resource_tags_") else c
                                               for c in tag_columns})  # fmt: skip
    return n.extras(renamed, list(renamed.columns))


# CUR 2.0 (Data Exports) summed where the export lies (cloud_cost_athena), categorized and costed as
# normalize() does row by row
_TYPE = "lower(line_item_line_item_type)"
_CATEGORY = f"""CASE
        WHEN {_TYPE} IN ('usage', 'discountedusage', 'savingsplancoveredusage', 'savingsplannegation') THEN 'Usage'
        WHEN {_TYPE} IN ('savingsplanrecurringfee', 'savingsplanupfrontfee', 'rifee', 'fee') THEN 'Purchase'
        WHEN {_TYPE} = 'tax' THEN 'Tax'
        ELSE 'Credit' END"""
_ZERO = f"CAST(0 AS {summed.AMOUNT_TYPE})"
_EFFECTIVE = f"""CASE {_TYPE}
        WHEN 'savingsplancoveredusage' THEN {summed.zero_if_null("savings_plan_savings_plan_effective_cost")}
        WHEN 'discountedusage' THEN {summed.zero_if_null("reservation_effective_cost")}
        WHEN 'savingsplannegation' THEN {_ZERO}
        WHEN 'savingsplanupfrontfee' THEN {_ZERO}
        WHEN 'savingsplanrecurringfee' THEN {summed.zero_if_null("savings_plan_total_commitment_to_date")}
                                          - {summed.zero_if_null("savings_plan_used_commitment")}
        WHEN 'rifee' THEN {summed.zero_if_null("reservation_unused_amortized_upfront_fee_for_billing_period")}
                        + {summed.zero_if_null("reservation_unused_recurring_fee")}
        WHEN 'fee' THEN CASE WHEN {summed.text("reservation_reservation_a_r_n")} IS NULL
                             THEN {summed.amount("line_item_unblended_cost")} ELSE {_ZERO} END
        ELSE {summed.amount("line_item_unblended_cost")} END"""

CUR2_LAYOUT = summed.Layout(
    name="aws_cur2",
    charge_day=summed.day("line_item_usage_start_date"),
    billing_period_start=summed.day("bill_billing_period_start_date"),
    billing_period_end=summed.day("bill_billing_period_end_date"),
    dimensions={
        "ProviderName": "'AWS'",
        "BillingAccountId": summed.text("bill_payer_account_id"),
        "SubAccountId": summed.text("line_item_usage_account_id"),
        "ServiceName": summed.first("product_servicecode", "line_item_product_code"),
        "RegionId": summed.text("product_region_code"),
        "ChargeCategory": _CATEGORY,
        "BillingCurrency": f"COALESCE({summed.text('line_item_currency_code')}, 'USD')",
        "ResourceId": summed.text("line_item_resource_id"),
        "SubAccountName": summed.text("line_item_usage_account_name"),
        "ServiceCategory": summed.text("product_product_family"),
        "ChargeDescription": summed.text("line_item_line_item_description"),
        "SkuId": summed.text("product_sku"),
    },
    amounts={
        "BilledCost": summed.amount("line_item_unblended_cost"),
        "EffectiveCost": _EFFECTIVE,
        "ListCost": summed.amount("pricing_public_on_demand_cost"),
    },
    tags="resource_tags",
)

CUR2 = registry.register(
    registry.BillFormat(
        key="aws_cur2",
        label="AWS CUR 2.0 (Data Exports)",
        addon=registry.BASE_ADDON,
        named="AWS CUR 2.0 or legacy CUR",
        sequence=20,
        detect=lambda columns: registry.CERTAIN if is_cur2(columns) else 0,
        normalize=normalize,
        summed=CUR2_LAYOUT,
    )
)
# the legacy CUR is read as CUR 2.0 once its columns are renamed; sources have stored it as 'aws_cur'
LEGACY = registry.register(
    registry.BillFormat(
        key="aws_cur_legacy",
        value="aws_cur",
        label="AWS legacy CUR",
        addon=registry.BASE_ADDON,
        sequence=30,
        detect=lambda columns: registry.CERTAIN if is_legacy(columns) else 0,
        normalize=normalize,
    )
)

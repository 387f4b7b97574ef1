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

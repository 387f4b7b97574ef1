"""Azure cost exports, every layout that carries cost, normalized as Azure's own FOCUS export would be.

Layouts (Azure's own FOCUS export is read as FOCUS):

- Cost Management exports and downloads of EA and MCA accounts (``Date``,
  ``CostInBillingCurrency``, ``BillingCurrency`` or ``BillingCurrencyCode``, ``ResourceId``; MCA
  writes the names in camelCase and may put the resource in ``InstanceName``), actual or amortized;
- the EA usage details of the Consumption API (``Cost``, ``BillingCurrency``) and the first EA
  exports (``SubscriptionGuid``, ``MeterSubcategory``);
- the legacy pay-as-you-go (MOSP) usage details (``UsageDateTime``, ``PreTaxCost``, ``Currency``,
  ``InstanceId``, ``UsageQuantity``, ``SubscriptionGuid``).

Header names are matched whatever their letter case, spaces, hyphens or underscores
("Meter Sub-Category" is MeterSubCategory), and a localized header carrying the English name in
brackets ("Kategorie der Verbrauchseinheit (MeterCategory)") is read by that name.

The actual and amortized exports share one schema, so the cost type is told by the rows: an
amortized export carries UnusedReservation/UnusedSavingsPlan rows (or says "amortized" in its
file name). Normalized as FOCUS does:

- actual cost: BilledCost = EffectiveCost = cost, except reservation and savings-plan purchases,
  whose EffectiveCost is 0 (an amortized export spreads them over the usage they cover);
- amortized cost: EffectiveCost = cost; BilledCost = cost for on-demand and spot charges, 0 for
  usage covered by a reservation or savings plan and for their unused parts (billed by the purchase).

Rows produced by cost allocation rules (CostAllocationRuleName filled) are kept and flagged in
provider_extra, as they move cost between subscriptions without adding to the invoice.
"""

import json
import re
from decimal import Decimal

import pandas as pd

from . import normalize as n
from . import registry, summed

# what a column means -> its spellings in the layouts, the preferred first
ALIASES = {
    "cost": ("CostInBillingCurrency", "PreTaxCost", "Cost", "ExtendedCost"),
    "date": ("Date", "UsageDateTime", "UsageDate"),
    "currency": ("BillingCurrency", "BillingCurrencyCode", "Currency"),
    "charge_type": ("ChargeType",),
    "pricing_model": ("PricingModel",),
    "benefit": ("BenefitId", "ReservationId"),
    "payg_price": ("PayGPrice",),
    "quantity": ("Quantity", "UsageQuantity", "ConsumedQuantity"),
    "period_start": ("BillingPeriodStartDate",),
    "period_end": ("BillingPeriodEndDate",),
    "description": ("MeterName", "ProductName", "Product"),
    "billing_account": ("BillingAccountId",),
    # the EA usage details number subscriptions in SubscriptionId and name their GUID apart
    "sub_account": ("SubscriptionGuid", "SubscriptionId"),
    "sub_account_name": ("SubscriptionName",),
    "service": ("ConsumedService", "MeterCategory", "ServiceName"),
    "service_category": ("MeterCategory", "ServiceFamily"),
    "region": ("ResourceLocation", "MeterRegion", "Location"),
    "resource": ("ResourceId", "InstanceId", "InstanceName"),
    "resource_name": ("ResourceName",),
    "sku": ("MeterId", "ProductId"),
    "unit": ("UnitOfMeasure",),
    "invoice": ("InvoiceId", "InvoiceNumber"),
    "tags": ("Tags",),
}
# provider columns kept in provider_extra, under these names whatever the file's spelling
EXTRA_COLUMNS = (
    "ResourceGroup", "ResourceGroupName", "ResourceType", "MeterSubCategory", "PricingModel", "ChargeType",
    "CostAllocationRuleName", "CostCenter", "PublisherType", "PublisherName", "BenefitName", "Frequency",
    "CostInUsd", "ServiceTier", "AccountName", "DepartmentName", "InvoiceSectionName", "OfferId",
)  # fmt: skip
DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%Y%m%d")
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
# columns only Azure names so; with a cost and a date they make a file an Azure export
_MARKERS = {"costinbillingcurrency", "pretaxcost", "extendedcost"}
_METER_MARKERS = {"metercategory", "metersubcategory", "meterid", "metername", "consumedservice"}
_BRACKETED = re.compile(r"[(（]\s*([A-Za-z][A-Za-z0-9_]*)\s*[)）]\s*$")


def canonical(name):
    """'Meter Sub-Category', 'meter_subcategory' and 'MeterSubCategory' all give 'metersubcategory'."""
    return re.sub(r"[\s_\-]", "", name).lower()


_KNOWN = {canonical(name) for names in ALIASES.values() for name in names} | {canonical(c) for c in EXTRA_COLUMNS}


def english_name(name):
    """The English column name of a localized header ('Menge (Quantity)' -> 'Quantity'); else the name."""
    match = _BRACKETED.search(name.strip())
    if match and canonical(match.group(1)) in _KNOWN:
        return match.group(1)
    return name


def _canonical_set(columns):
    return {canonical(english_name(c)) for c in columns}


def is_azure(columns):
    names = _canonical_set(columns)
    if names & _MARKERS:
        return True
    costs = {canonical(c) for c in ALIASES["cost"]}
    return bool(names & _METER_MARKERS) and bool(names & (costs | {"subscriptionid", "subscriptionguid"}))


def _resolver(raw):
    """``first(names)``: the column of ``raw`` spelled as one of ``names`` (in their order), or None."""
    by_key = {}
    for column in raw.columns:
        by_key.setdefault(canonical(english_name(column)), column)

    def first(names):
        present = every(names)
        return present[0] if present else None

    def every(names):
        return [by_key[canonical(name)] for name in names if canonical(name) in by_key]

    first.every = every
    return first


def is_amortized(raw, file):
    charge = _resolver(raw)(ALIASES["charge_type"])
    if "amortized" in file.lower():
        return True
    if charge is None:
        return False
    return n.text(raw[charge]).str.lower().isin(["unusedreservation", "unusedsavingsplan"]).any()


def _missing(kind, names, *, file):
    spelled = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    return n.BillFormatError(f"mandatory column missing from the header: no {kind} column ({spelled})",
                             file=file, column=names[0])  # fmt: skip


def normalize(raw, *, file, amortized=None):
    first = _resolver(raw)
    found = {meaning: first(names) for meaning, names in ALIASES.items()}
    for meaning, kind in (("cost", "cost"), ("date", "date"), ("currency", "currency")):
        if found[meaning] is None:
            raise _missing(kind, ALIASES[meaning], file=file)
    amortized = is_amortized(raw, file) if amortized is None else amortized

    def col(meaning):
        column = found[meaning]
        return raw[column] if column else pd.Series(None, index=raw.index, dtype=object)

    def text(meaning):
        """Row by row, the first of the meaning's columns that has a value (ReservationId where BenefitId is
        empty, InstanceName where ResourceId is)."""
        values = n.text(col(meaning))
        for column in first.every(ALIASES[meaning])[1:]:
            if values.isna().any():
                values = values.fillna(n.text(raw[column]))
        return values

    cost_column = found["cost"]
    cost = n.decimals(raw[cost_column], file=file, column=cost_column, required=True)
    charge_type = n.text(col("charge_type")).fillna("Usage")
    lowered = charge_type.str.lower()
    unknown = ~lowered.isin(list(CATEGORY))
    if unknown.any():
        raise n.BillFormatError(
            f"unknown charge type: {charge_type[unknown].iloc[0]!r}", file=file, row=n.first_row(unknown),
            column=found["charge_type"],
        )  # fmt: skip
    pricing = n.text(col("pricing_model")).fillna("OnDemand").str.lower()
    benefit_id = text("benefit")
    benefit = pricing.isin(BENEFIT_MODELS) | benefit_id.notna()
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
    quantity = n.decimals(col("quantity"), file=file, column=found["quantity"])
    out["list_cost"] = None
    if found["payg_price"] and found["quantity"]:
        price = n.decimals(col("payg_price"), file=file, column=found["payg_price"])
        pairs = zip(price, quantity, strict=True)
        out["list_cost"] = [None if p is None or q is None else format(Decimal(p) * Decimal(q), "f") for p, q in pairs]
    out["contracted_cost"] = None
    out["pricing_quantity"] = quantity
    out["consumed_quantity"] = quantity
    date_column = found["date"]
    day = n.timestamps(raw[date_column], file=file, column=date_column, required=True, formats=DATE_FORMATS)
    day = day.str.slice(0, 10) + " 00:00:00"  # a usage day, even where the export writes its time
    out["charge_period_start"] = day
    out["charge_period_end"] = (pd.to_datetime(day) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d %H:%M:%S")
    period_start = col("period_start")
    out["billing_period_start"] = (
        n.dates(period_start, file=file, column=found["period_start"], formats=DATE_FORMATS)
        if period_start.notna().any()
        else day.str.slice(0, 7) + "-01"
    )
    # Azure's billing period end is the last day; FOCUS ends a period on the next period's first day
    ends = n.dates(col("period_end"), file=file, column=found["period_end"], formats=DATE_FORMATS)
    out["billing_period_end"] = ends.map(
        lambda v: (pd.Timestamp(v) + pd.Timedelta(days=1)).strftime("%Y-%m-%d") if isinstance(v, str) else None
    )
    currency = text("currency")
    if currency.isna().any():
        raise n.BillFormatError("a currency is required", file=file, row=n.first_row(currency.isna()),
                                column=found["currency"])  # fmt: skip
    out["billing_currency"] = currency.str.upper()
    out["charge_category"] = lowered.map(CATEGORY)
    out["charge_class"] = lowered.map(lambda v: "Correction" if v == "refund" else None)
    out["charge_description"] = text("description")
    out["provider_name"] = "Microsoft"
    out["billing_account"] = text("billing_account")
    out["sub_account"] = text("sub_account")
    out["sub_account_name"] = text("sub_account_name")
    out["service_name"] = text("service")
    out["service_category"] = text("service_category")
    out["region"] = text("region")
    out["resource"] = text("resource")
    out["resource_name"] = text("resource_name")
    out["sku"] = text("sku")
    out["pricing_unit"] = text("unit")
    out["consumed_unit"] = out["pricing_unit"]
    out["commitment_discount"] = benefit_id
    out["commitment_discount_status"] = lowered.map(
        lambda v: "Unused" if v in ("unusedreservation", "unusedsavingsplan") else None
    )
    out.loc[benefit & (lowered == "usage"), "commitment_discount_status"] = "Used"
    out["invoice_number"] = text("invoice")
    tags_column = found["tags"]
    out["tags"] = (
        n.json_objects(raw[tags_column], file=file, column=tags_column, loader=_load_azure_tags)
        if tags_column
        else None
    )
    kept = {name: first([name]) for name in EXTRA_COLUMNS}
    extra = raw[[column for column in kept.values() if column]].rename(
        columns={column: name for name, column in kept.items() if column}
    )
    extra = extra.loc[:, ~extra.columns.duplicated()].assign(x_CostType="amortized" if amortized else "actual")
    out["provider_extra"] = n.extras(extra, list(extra.columns))
    return out


def _load_azure_tags(value):
    """Azure writes tags as a JSON object, or as its members without the braces."""
    text = value.strip()
    if not text.startswith("{"):
        text = "{" + text + "}"
    obj = json.loads(text)
    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    return {str(k): "" if v is None else str(v) for k, v in obj.items()}


def _file_options(raw, file):
    # actual or amortized is told by the file's name or its first chunk, and holds for the whole file
    return {"amortized": is_amortized(raw, file)}


# told by markers (headers vary by agreement, language and year): a looser match than the other formats'
FORMAT = registry.register(
    registry.BillFormat(
        key="azure",
        label="Azure cost export",
        addon=registry.BASE_ADDON,
        named="Azure cost export",
        sequence=40,
        detect=lambda columns: registry.LIKELY if is_azure(columns) else 0,
        normalize=normalize,
        file_options=_file_options,
    )
)


# Summed where the export lies (cloud_cost_athena, cloud_cost_azure): Azure Cost Management exports of
# actual and amortized cost (EA and MCA: MCA's camelCase names are the same columns, SQL names being
# case-insensitive), costed as the row-by-row parser does.
# Blobs are read as text (CSV) or as written (Parquet): every value goes through text first.
def _azure_day(column):
    text = f"TRIM(CAST({column} AS VARCHAR))"
    return f"CAST(COALESCE(try_strptime({text}, ['%m/%d/%Y', '%Y%m%d']), TRY_CAST({text} AS TIMESTAMP)) " "AS DATE)"


_AZURE_CHARGE = f"lower(COALESCE({summed.text('ChargeType')}, 'Usage'))"
_AZURE_BENEFIT = (
    f"(lower(COALESCE({summed.text('PricingModel')}, 'OnDemand')) IN ('reservation', 'savingsplan', "
    f"'savings plan') OR {summed.text('BenefitId')} IS NOT NULL)"
)
_AZURE_COST = summed.amount("CostInBillingCurrency")
_AZURE_ZERO = f"CAST(0 AS {summed.AMOUNT_TYPE})"
_AZURE_DIMENSIONS = {
    "BillingAccountId": summed.text("BillingAccountId"),
    "SubAccountId": summed.text("SubscriptionId"),
    "ProviderName": "'Microsoft'",
    "ServiceName": summed.first("ConsumedService", "MeterCategory"),
    "RegionId": summed.text("ResourceLocation"),
    "ChargeCategory": f"""CASE {_AZURE_CHARGE}
        WHEN 'usage' THEN 'Usage' WHEN 'unusedreservation' THEN 'Usage' WHEN 'unusedsavingsplan' THEN 'Usage'
        WHEN 'purchase' THEN 'Purchase' WHEN 'refund' THEN 'Credit' WHEN 'credit' THEN 'Credit'
        WHEN 'roundingadjustment' THEN 'Adjustment' WHEN 'tax' THEN 'Tax' END""",
    "BillingCurrency": f"upper({summed.text('BillingCurrency')})",
    "ResourceId": summed.text("ResourceId"),
    "SubAccountName": summed.text("SubscriptionName"),
    "ServiceCategory": summed.text("MeterCategory"),
    "ChargeDescription": summed.text("MeterName"),
}
_AZURE_LIST = f"{summed.amount('PayGPrice')} * {summed.amount('Quantity')}"
_AZURE_TAGS = (
    f"json_extract_string(CASE WHEN starts_with({summed.text('Tags')}, '{{{{') THEN {summed.text('Tags')} "
    f"ELSE '{{{{' || {summed.text('Tags')} || '}}}}' END, {{path}})"
)


def _azure_layout(name, billed, effective):
    return summed.Layout(
        name=name,
        charge_day=_azure_day("Date"),
        billing_period_start=_azure_day("BillingPeriodStartDate"),
        # Azure's billing period ends on its last day; FOCUS ends it on the next period's first day
        billing_period_end=f"CAST({_azure_day('BillingPeriodEndDate')} + INTERVAL 1 DAY AS DATE)",
        dimensions=_AZURE_DIMENSIONS,
        amounts={"BilledCost": billed, "EffectiveCost": effective, "ListCost": _AZURE_LIST},
        tags="Tags",
        tag_value=_AZURE_TAGS,
    )


# actual cost: a reservation or savings plan purchase is not effective cost (the amortized export spreads it)
AZURE_ACTUAL = summed.register(
    _azure_layout(
        "azure_actual",
        _AZURE_COST,
        f"CASE WHEN {_AZURE_BENEFIT} AND {_AZURE_CHARGE} = 'purchase' THEN {_AZURE_ZERO} ELSE {_AZURE_COST} END",
    )
)
# amortized cost: usage a benefit covers, and the benefit's unused part, were billed by the purchase
AZURE_AMORTIZED = summed.register(
    _azure_layout(
        "azure_amortized",
        f"CASE WHEN ({_AZURE_BENEFIT} AND {_AZURE_CHARGE} = 'usage') OR {_AZURE_CHARGE} IN ('unusedreservation', "
        f"'unusedsavingsplan') THEN {_AZURE_ZERO} ELSE {_AZURE_COST} END",
        _AZURE_COST,
    )
)

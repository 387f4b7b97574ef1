"""FOCUS (FinOps Open Cost and Usage Specification) 1.0 to 1.4 exports: AWS, Azure, Google, OCI.

Column names are matched whatever their letter case. Columns outside the mapping (x_ provider
columns, and FOCUS columns the cost lines have no field for, such as InvoiceDetailId,
HostProviderName, ContractApplied, CommitmentProgramEligibilityDetails or SkuPriceDetails) are
kept in provider_extra, their values as they came.

The provider: ProviderName (1.0-1.2), else ServiceProviderName (1.3 on, which replaced it), else
HostProviderName, row by row.
"""

import pandas as pd

from . import normalize as n
from . import registry, summed
from .columns import CHARGE_CATEGORIES, LINE_COLUMNS
from .errors import BillFormatError

# FOCUS column -> cost-line column
FOCUS_COLUMNS = {
    "BilledCost": "billed_cost",
    "EffectiveCost": "effective_cost",
    "ListCost": "list_cost",
    "ContractedCost": "contracted_cost",
    "PricingQuantity": "pricing_quantity",
    "ConsumedQuantity": "consumed_quantity",
    "ChargePeriodStart": "charge_period_start",
    "ChargePeriodEnd": "charge_period_end",
    "BillingPeriodStart": "billing_period_start",
    "BillingPeriodEnd": "billing_period_end",
    "BillingCurrency": "billing_currency",
    "ChargeCategory": "charge_category",
    "ChargeClass": "charge_class",
    "ChargeDescription": "charge_description",
    "ProviderName": "provider_name",
    "BillingAccountId": "billing_account",
    "SubAccountId": "sub_account",
    "SubAccountName": "sub_account_name",
    "ServiceName": "service_name",
    "ServiceCategory": "service_category",
    "RegionId": "region",
    "ResourceId": "resource",
    "ResourceName": "resource_name",
    "SkuId": "sku",
    "PricingUnit": "pricing_unit",
    "ConsumedUnit": "consumed_unit",
    "CommitmentDiscountId": "commitment_discount",
    "CommitmentDiscountStatus": "commitment_discount_status",
    "InvoiceId": "invoice_number",
    "Tags": "tags",
}
# FOCUS 1.0-preview named ChargeCategory ChargeType
ALTERNATIVE_COLUMNS = {"ChargeType": "ChargeCategory"}
# who provides the service, in the order of preference, where a file names it several ways
PROVIDER_COLUMNS = ("ProviderName", "ServiceProviderName", "HostProviderName")
MANDATORY = (
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingPeriodStart",
    "BillingPeriodEnd",
)
HEADER_MARKERS = ("BilledCost", "ChargePeriodStart")


_SPELLINGS = {name.lower(): name for name in (*FOCUS_COLUMNS, *ALTERNATIVE_COLUMNS, *PROVIDER_COLUMNS)}


def is_focus(columns):
    lowered = {c.lower() for c in columns}
    return all(marker.lower() in lowered for marker in HEADER_MARKERS)


def _specified_names(raw):
    """``raw`` with the FOCUS columns spelled as the specification does ('billedcost' -> 'BilledCost')."""
    renames = {}
    for column in raw.columns:
        name = _SPELLINGS.get(column.lower())
        if name and name != column and name not in raw.columns and name not in renames.values():
            renames[column] = name
    return raw.rename(columns=renames) if renames else raw


def normalize(raw, *, file):
    """Cost-line frame of a chunk of FOCUS rows (raw text columns, index = 0-based data row)."""
    raw = _specified_names(raw)
    consumed = set(FOCUS_COLUMNS)
    for alternative, name in ALTERNATIVE_COLUMNS.items():
        if name not in raw.columns and alternative in raw.columns:
            raw = raw.rename(columns={alternative: name})
    n.require_columns(raw, MANDATORY, file=file)
    out = pd.DataFrame(index=raw.index)
    for focus, line in FOCUS_COLUMNS.items():
        series = raw[focus] if focus in raw.columns else None
        if series is None:
            out[line] = None
        elif line in ("billed_cost", "effective_cost"):
            out[line] = n.decimals(series, file=file, column=focus, required=True)
        elif line in ("list_cost", "contracted_cost", "pricing_quantity", "consumed_quantity"):
            out[line] = n.decimals(series, file=file, column=focus)
        elif line in ("charge_period_start", "charge_period_end"):
            out[line] = n.timestamps(series, file=file, column=focus, required=True)
        elif line in ("billing_period_start", "billing_period_end"):
            out[line] = n.dates(series, file=file, column=focus, required=True)
        elif line == "tags":
            out[line] = n.json_objects(series, file=file, column=focus)
        else:
            out[line] = n.text(series)
    out["charge_category"] = charge_categories(out["charge_category"], file=file, column="ChargeCategory")
    providers = [c for c in PROVIDER_COLUMNS if c in raw.columns]
    if providers:
        provider = n.text(raw[providers[0]])
        for column in providers[1:]:
            if provider.isna().any():
                provider = provider.fillna(n.text(raw[column]))
        out["provider_name"] = provider
        consumed.add(providers[0])  # the others are kept as they came
    extra = [c for c in raw.columns if c not in consumed]
    out["provider_extra"] = n.extras(raw, extra)
    return out


def charge_categories(series, *, file, column):
    """FOCUS ChargeCategory, whatever the case; refuses values outside the specification."""
    canonical = {value.lower(): value for value in CHARGE_CATEGORIES}
    lowered = series.map(lambda v: canonical.get(v.lower()) if isinstance(v, str) else None)
    bad = lowered.isna()
    if bad.any():
        value = series[bad].iloc[0]
        raise BillFormatError(
            f"not a FOCUS charge category: {value!r} (expected one of {', '.join(CHARGE_CATEGORIES)})",
            file=file,
            row=n.first_row(bad),
            column=column,
        )
    return lowered


def finish(out, *, file):
    """The exact LINE_COLUMNS, with provenance."""
    out = out.copy()
    out["source_file"] = file
    out["source_row"] = out.index.to_numpy() + 1
    for column in LINE_COLUMNS:
        if column not in out.columns:
            out[column] = None
    return out[list(LINE_COLUMNS)].reset_index(drop=True)


# the FOCUS columns themselves, summed where the export lies (cloud_cost_athena)
LAYOUT = summed.Layout(
    name="focus",
    charge_day=summed.day("ChargePeriodStart"),
    billing_period_start=summed.day("BillingPeriodStart"),
    billing_period_end=summed.day("BillingPeriodEnd"),
    dimensions={
        name: summed.text(name)
        for name in (
            "BillingAccountId",
            "SubAccountId",
            "ProviderName",
            "ServiceName",
            "RegionId",
            "ChargeCategory",
            "BillingCurrency",
            "ResourceId",
            "SubAccountName",
            "ServiceCategory",
            "ChargeDescription",
            "SkuId",
        )
    },
    amounts={name: summed.amount(name) for name in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")},
    tags="Tags",
)

FORMAT = registry.register(
    registry.BillFormat(
        key="focus",
        label="FOCUS",
        addon=registry.BASE_ADDON,
        named="FOCUS",
        sequence=10,
        detect=lambda columns: registry.CERTAIN if is_focus(columns) else 0,
        normalize=normalize,
        summed=LAYOUT,
    )
)

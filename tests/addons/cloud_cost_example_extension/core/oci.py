"""Oracle Cloud Infrastructure (OCI) cost reports: the CSV files OCI writes to its usage-report
bucket (``reports/cost-csv/*.csv.gz``), one row per resource, SKU and hour.

A bill format of its own, registered here and nowhere in the suite: this module registers its
detector and normalizer, and the addon's model adds its selection value to the sources'.

- BilledCost = EffectiveCost = ``cost/myCost`` (the customer's own price; overage is part of it
  and ``cost/myCostOverage`` is kept in provider_extra);
- the charge period is ``lineItem/intervalUsageStart`` to ``lineItem/intervalUsageEnd``; OCI
  names no billing period, so it is the calendar month of the usage;
- ``lineItem/isCorrection`` rows correct an earlier row (ChargeClass Correction);
- ``tags/<namespace>.<key>`` columns become the tags ``<namespace>.<key>``.
"""

import pandas as pd

from odoo.addons.cloud_cost.core.bill_formats import normalize as n
from odoo.addons.cloud_cost.core.bill_formats import registry

MANDATORY = (
    "lineItem/referenceNo",
    "lineItem/intervalUsageStart",
    "lineItem/intervalUsageEnd",
    "product/service",
    "cost/myCost",
    "cost/currencyCode",
)
TAG_PREFIX = "tags/"
# OCI columns -> cost-line columns, as text
TEXT_COLUMNS = {
    "cost/subscriptionId": "billing_account",
    "product/compartmentId": "sub_account",
    "product/compartmentName": "sub_account_name",
    "product/service": "service_name",
    "product/region": "region",
    "product/resourceId": "resource",
    "cost/productSku": "sku",
    "product/Description": "charge_description",
}
# kept as they came, in provider_extra
EXTRA_COLUMNS = (
    "lineItem/referenceNo",
    "lineItem/backreferenceNo",
    "lineItem/tenantId",
    "product/resource",
    "product/availabilityDomain",
    "cost/unitPrice",
    "cost/myCostOverage",
    "cost/overageFlag",
)


def detect(columns):
    return registry.CERTAIN if set(MANDATORY) <= set(columns) else 0


def normalize(raw, *, file):
    n.require_columns(raw, MANDATORY, file=file)

    def col(name):
        return raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)

    out = pd.DataFrame(index=raw.index)
    cost = n.decimals(raw["cost/myCost"], file=file, column="cost/myCost", required=True)
    out["billed_cost"] = cost
    out["effective_cost"] = cost
    out["pricing_quantity"] = n.decimals(col("usage/billedQuantity"), file=file, column="usage/billedQuantity")
    out["consumed_quantity"] = out["pricing_quantity"]
    start = n.timestamps(
        raw["lineItem/intervalUsageStart"], file=file, column="lineItem/intervalUsageStart", required=True
    )
    out["charge_period_start"] = start
    out["charge_period_end"] = n.timestamps(
        raw["lineItem/intervalUsageEnd"], file=file, column="lineItem/intervalUsageEnd", required=True
    )
    month = pd.to_datetime(start.str.slice(0, 7) + "-01")
    out["billing_period_start"] = month.dt.strftime("%Y-%m-%d")
    out["billing_period_end"] = (month + pd.offsets.MonthBegin(1)).dt.strftime("%Y-%m-%d")
    currency = n.text(raw["cost/currencyCode"])
    if currency.isna().any():
        raise n.BillFormatError(
            "a currency is required", file=file, row=n.first_row(currency.isna()), column="cost/currencyCode"
        )
    out["billing_currency"] = currency.str.upper()
    out["charge_category"] = "Usage"
    correction = n.text(col("lineItem/isCorrection")).str.lower() == "true"
    out["charge_class"] = correction.map(lambda flag: "Correction" if flag else None)
    out["provider_name"] = "Oracle"
    for column, line in TEXT_COLUMNS.items():
        out[line] = n.text(col(column))
    unit = col("cost/skuUnitDescription")
    out["pricing_unit"] = n.text(unit if unit.notna().any() else col("cost/billingUnitReadable"))
    out["consumed_unit"] = out["pricing_unit"]
    tags = raw[[c for c in raw.columns if c.startswith(TAG_PREFIX)]]
    tags = tags.rename(columns=lambda c: c[len(TAG_PREFIX) :])
    out["tags"] = n.extras(tags, list(tags.columns))
    out["provider_extra"] = n.extras(raw, list(EXTRA_COLUMNS))
    return out


FORMAT = registry.register(
    registry.BillFormat(
        key="oci",
        label="Oracle Cloud (OCI) cost report",
        addon="cloud_cost_example_extension",
        named="Oracle Cloud cost report",
        sequence=60,
        detect=detect,
        normalize=normalize,
    )
)

"""Bill rows summed where they lie: one SQL query per billing period.

Amazon Athena runs the query over the export in S3; DuckDB runs the very same text over
the same Parquet files on this machine (for tests, and for users without Athena). The
query groups by day, billing and sub account, provider, service, region, charge
category, currency, the tag keys the mapping rules read (and any other column a rule
matches on) and the file each row comes from; every group keeps its row count. Whatever
decides a cost line's receiver is therefore kept, and the sums per receiver are those of
the raw rows.

The result becomes a FOCUS file of its own (``result_to_focus_csv``), imported like any
bill: its rows carry ``x_SourceFile`` and ``x_SourceRows``, so that each cost line names
the bill file and the number of its rows it stands for. No ORM here.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from odoo.addons.cloud_cost.core.bill_formats import LINE_COLUMNS

# decimals wide enough for any bill amount; both engines sum them exactly
AMOUNT_TYPE = "DECIMAL(38, 12)"
PATH_COLUMN = '"$path"'  # Athena's pseudo-column naming each row's file; DuckDB gets it from its view

# cost-line column (as the mapping rules name it) -> FOCUS column of the result
RULE_COLUMNS = {
    "billing_account": "BillingAccountId",
    "sub_account": "SubAccountId",
    "service_name": "ServiceName",
    "region": "RegionId",
    "resource": "ResourceId",
    "provider_name": "ProviderName",
    "sub_account_name": "SubAccountName",
    "service_category": "ServiceCategory",
    "charge_description": "ChargeDescription",
    "sku": "SkuId",
}


class AggregationError(ValueError):
    """The aggregation cannot be built or its result read: names the query or file."""

    def __init__(self, message, file=None, row=None, column=None):
        super().__init__(message)
        self.message, self.file, self.row, self.column = message, file, row, column


def _text(column):
    return f"NULLIF(TRIM(CAST({column} AS VARCHAR)), '')"


def _first(*columns):
    parts = [_text(column) for column in columns]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def _amount(column):
    return f"CAST({column} AS {AMOUNT_TYPE})"


def _day(column):
    return f"CAST(date_trunc('day', {column}) AS DATE)"


@dataclass(frozen=True)
class Layout:
    """How one export format names what the query reads: SQL expressions over its columns."""

    name: str
    charge_day: str
    billing_period_start: str
    billing_period_end: str
    dimensions: dict  # FOCUS result column -> expression
    amounts: dict  # FOCUS result column -> expression (summed)
    tags: str  # the column of tags
    # the value of one tag key: a map's element (FOCUS, CUR 2.0), or a member of JSON text (Azure)
    tag_value: str = "element_at({tags}, {key})"

    def dimension(self, focus_column):
        return self.dimensions.get(focus_column)

    def tag(self, key):
        """SQL of the value of the tag ``key`` on a bill row (NULL without it)."""
        return self.tag_value.format(tags=self.tags, key=quote_literal(key),
                                     path=quote_literal('$."' + str(key).replace('"', '\\"') + '"'))


FOCUS = Layout(
    name="focus",
    charge_day=_day("ChargePeriodStart"),
    billing_period_start=_day("BillingPeriodStart"),
    billing_period_end=_day("BillingPeriodEnd"),
    dimensions={
        "BillingAccountId": _text("BillingAccountId"),
        "SubAccountId": _text("SubAccountId"),
        "ProviderName": _text("ProviderName"),
        "ServiceName": _text("ServiceName"),
        "RegionId": _text("RegionId"),
        "ChargeCategory": _text("ChargeCategory"),
        "BillingCurrency": _text("BillingCurrency"),
        "ResourceId": _text("ResourceId"),
        "SubAccountName": _text("SubAccountName"),
        "ServiceCategory": _text("ServiceCategory"),
        "ChargeDescription": _text("ChargeDescription"),
        "SkuId": _text("SkuId"),
    },
    amounts={
        "BilledCost": _amount("BilledCost"),
        "EffectiveCost": _amount("EffectiveCost"),
        "ListCost": _amount("ListCost"),
        "ContractedCost": _amount("ContractedCost"),
    },
    tags="Tags",
)

# AWS CUR 2.0 (Data Exports), categorized and costed as the row-by-row parser does
_CUR2_TYPE = "lower(line_item_line_item_type)"
_CUR2_CATEGORY = f"""CASE
        WHEN {_CUR2_TYPE} IN ('usage', 'discountedusage', 'savingsplancoveredusage', 'savingsplannegation') THEN 'Usage'
        WHEN {_CUR2_TYPE} IN ('savingsplanrecurringfee', 'savingsplanupfrontfee', 'rifee', 'fee') THEN 'Purchase'
        WHEN {_CUR2_TYPE} = 'tax' THEN 'Tax'
        ELSE 'Credit' END"""


def _zero_if_null(column):
    return f"COALESCE({_amount(column)}, 0)"


_CUR2_EFFECTIVE = f"""CASE {_CUR2_TYPE}
        WHEN 'savingsplancoveredusage' THEN {_zero_if_null("savings_plan_savings_plan_effective_cost")}
        WHEN 'discountedusage' THEN {_zero_if_null("reservation_effective_cost")}
        WHEN 'savingsplannegation' THEN CAST(0 AS {AMOUNT_TYPE})
        WHEN 'savingsplanupfrontfee' THEN CAST(0 AS {AMOUNT_TYPE})
        WHEN 'savingsplanrecurringfee' THEN {_zero_if_null("savings_plan_total_commitment_to_date")}
                                          - {_zero_if_null("savings_plan_used_commitment")}
        WHEN 'rifee' THEN {_zero_if_null("reservation_unused_amortized_upfront_fee_for_billing_period")}
                        + {_zero_if_null("reservation_unused_recurring_fee")}
        WHEN 'fee' THEN CASE WHEN {_text("reservation_reservation_a_r_n")} IS NULL
                             THEN {_amount("line_item_unblended_cost")} ELSE CAST(0 AS {AMOUNT_TYPE}) END
        ELSE {_amount("line_item_unblended_cost")} END"""

CUR2 = Layout(
    name="aws_cur2",
    charge_day=_day("line_item_usage_start_date"),
    billing_period_start=_day("bill_billing_period_start_date"),
    billing_period_end=_day("bill_billing_period_end_date"),
    dimensions={
        "ProviderName": "'AWS'",
        "BillingAccountId": _text("bill_payer_account_id"),
        "SubAccountId": _text("line_item_usage_account_id"),
        "ServiceName": _first("product_servicecode", "line_item_product_code"),
        "RegionId": _text("product_region_code"),
        "ChargeCategory": _CUR2_CATEGORY,
        "BillingCurrency": f"COALESCE({_text('line_item_currency_code')}, 'USD')",
        "ResourceId": _text("line_item_resource_id"),
        "SubAccountName": _text("line_item_usage_account_name"),
        "ServiceCategory": _text("product_product_family"),
        "ChargeDescription": _text("line_item_line_item_description"),
        "SkuId": _text("product_sku"),
    },
    amounts={
        "BilledCost": _amount("line_item_unblended_cost"),
        "EffectiveCost": _CUR2_EFFECTIVE,
        "ListCost": _amount("pricing_public_on_demand_cost"),
    },
    tags="resource_tags",
)

# Azure Cost Management exports of actual and amortized cost (EA and MCA: MCA's camelCase names are the same
# columns, SQL names being case-insensitive), costed as the row-by-row parser does (bill_formats.azure).
# Blobs are read as text (CSV) or as written (Parquet): every value goes through text first.
def _azure_day(column):
    text = f"TRIM(CAST({column} AS VARCHAR))"
    return (f"CAST(COALESCE(try_strptime({text}, ['%m/%d/%Y', '%Y%m%d']), TRY_CAST({text} AS TIMESTAMP)) "
            "AS DATE)")


_AZURE_CHARGE = f"lower(COALESCE({_text('ChargeType')}, 'Usage'))"
_AZURE_BENEFIT = (f"(lower(COALESCE({_text('PricingModel')}, 'OnDemand')) IN ('reservation', 'savingsplan', "
                  f"'savings plan') OR {_text('BenefitId')} IS NOT NULL)")
_AZURE_COST = _amount("CostInBillingCurrency")
_AZURE_ZERO = f"CAST(0 AS {AMOUNT_TYPE})"
_AZURE_DIMENSIONS = {
    "BillingAccountId": _text("BillingAccountId"),
    "SubAccountId": _text("SubscriptionId"),
    "ProviderName": "'Microsoft'",
    "ServiceName": _first("ConsumedService", "MeterCategory"),
    "RegionId": _text("ResourceLocation"),
    "ChargeCategory": f"""CASE {_AZURE_CHARGE}
        WHEN 'usage' THEN 'Usage' WHEN 'unusedreservation' THEN 'Usage' WHEN 'unusedsavingsplan' THEN 'Usage'
        WHEN 'purchase' THEN 'Purchase' WHEN 'refund' THEN 'Credit' WHEN 'credit' THEN 'Credit'
        WHEN 'roundingadjustment' THEN 'Adjustment' WHEN 'tax' THEN 'Tax' END""",
    "BillingCurrency": f"upper({_text('BillingCurrency')})",
    "ResourceId": _text("ResourceId"),
    "SubAccountName": _text("SubscriptionName"),
    "ServiceCategory": _text("MeterCategory"),
    "ChargeDescription": _text("MeterName"),
}
_AZURE_LIST = f"{_amount('PayGPrice')} * {_amount('Quantity')}"
_AZURE_TAGS = (f"json_extract_string(CASE WHEN starts_with({_text('Tags')}, '{{{{') THEN {_text('Tags')} "
               f"ELSE '{{{{' || {_text('Tags')} || '}}}}' END, {{path}})")


def _azure_layout(name, billed, effective):
    return Layout(
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
AZURE_ACTUAL = _azure_layout(
    "azure_actual", _AZURE_COST,
    f"CASE WHEN {_AZURE_BENEFIT} AND {_AZURE_CHARGE} = 'purchase' THEN {_AZURE_ZERO} ELSE {_AZURE_COST} END")
# amortized cost: usage a benefit covers, and the benefit's unused part, were billed by the purchase
AZURE_AMORTIZED = _azure_layout(
    "azure_amortized",
    f"CASE WHEN ({_AZURE_BENEFIT} AND {_AZURE_CHARGE} = 'usage') OR {_AZURE_CHARGE} IN ('unusedreservation', "
    f"'unusedsavingsplan') THEN {_AZURE_ZERO} ELSE {_AZURE_COST} END",
    _AZURE_COST)
LAYOUTS = {layout.name: layout for layout in (FOCUS, CUR2, AZURE_ACTUAL, AZURE_AMORTIZED)}
# always grouped by: what the batches, totals and allocation periods are made of
BASE_DIMENSIONS = ("BillingAccountId", "SubAccountId", "ProviderName", "ServiceName", "RegionId", "ChargeCategory",
                   "BillingCurrency")


@dataclass(frozen=True)
class Aggregation:
    """One query and what its result columns mean."""

    sql: str
    dimensions: tuple  # FOCUS columns grouped by, in the result
    tag_keys: tuple  # tag keys grouped by: result columns tag_1, tag_2, ...
    amounts: tuple  # FOCUS amount columns summed


def rule_needs(rule_specs):
    """(cost-line columns, tag keys) the mapping rules read: what the query must keep apart."""
    columns, keys = set(), set()
    for spec in rule_specs:
        columns.update(column for column, patterns in (spec.get("match") or {}).items() if patterns)
        keys.update(str(key).strip() for key in (spec.get("tags") or {}))
        keys.update(str(key).strip() for key in (spec.get("set_from_tag") or {}).values())
    return columns, sorted(key for key in keys if key)


def quote_literal(value):
    return "'" + str(value).replace("'", "''") + "'"


def quote_identifier(name):
    return '"' + str(name).replace('"', '""') + '"'


def build_query(layout, *, database, table, files, rule_specs=()):
    """The aggregation of the given files (their ``$path``) of ``database.table``, grouped for the rules.

    Raises AggregationError when a rule matches on a cost-line column bills fill that the
    query cannot keep.
    """
    if isinstance(layout, str):
        layout = LAYOUTS[layout]
    columns, tag_keys = rule_needs(rule_specs)
    # rules on columns bills do not have (a cluster's namespace) see nothing on either path
    columns = {column for column in columns if column in LINE_COLUMNS or column in RULE_COLUMNS}
    unknown = sorted(column for column in columns if column not in RULE_COLUMNS)
    if unknown:
        raise AggregationError(
            f"mapping rules match on {', '.join(unknown)}, which the aggregated import does not keep: "
            "import every bill row instead"
        )
    extra = [RULE_COLUMNS[c] for c in sorted(columns) if RULE_COLUMNS[c] not in BASE_DIMENSIONS]
    wanted = list(BASE_DIMENSIONS) + extra
    dimensions = [d for d in wanted if layout.dimension(d)]
    if not files:
        raise AggregationError("no bill files to aggregate")
    select = [
        f"{layout.charge_day} AS ChargeDay",
        f"{layout.billing_period_start} AS BillingPeriodStart",
        f"{layout.billing_period_end} AS BillingPeriodEnd",
    ]
    select += [f"{layout.dimension(name)} AS {name}" for name in dimensions]
    for index, key in enumerate(tag_keys, 1):
        select.append(f"{layout.tag(key)} AS tag_{index}")
    select.append(f"{PATH_COLUMN} AS x_SourceFile")
    grouped = len(select)
    for name, expression in layout.amounts.items():
        select.append(f"SUM({expression}) AS {name}")
    select.append("COUNT(*) AS x_SourceRows")
    positions = ", ".join(str(i) for i in range(1, grouped + 1))
    sql = (
        "SELECT " + ",\n       ".join(select)
        + f"\n  FROM {quote_identifier(database)}.{quote_identifier(table)}"
        + f"\n WHERE {PATH_COLUMN} IN ({', '.join(quote_literal(f) for f in files)})"
        + f"\n GROUP BY {positions}\n ORDER BY {positions}"
    )
    return Aggregation(sql, tuple(dimensions), tuple(tag_keys), tuple(layout.amounts))


def _decimal_text(value, *, file, row, column):
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise AggregationError(f"not a decimal number: {value!r}", file=file, row=row, column=column) from None
    if not number.is_finite():
        raise AggregationError(f"not a decimal number: {value!r}", file=file, row=row, column=column)
    return format(number.normalize() if number else Decimal(0), "f")


def result_to_focus_csv(aggregation, columns, rows, *, file):
    """The query's result (column names, rows of values) as FOCUS CSV bytes, one cost line per group.

    Returns (bytes, bill rows the groups stand for).
    """
    index = {name.lower(): i for i, name in enumerate(columns)}
    needed = (["chargeday", "billingperiodstart", "billingperiodend", "x_sourcefile", "x_sourcerows"]
              + [d.lower() for d in aggregation.dimensions] + [a.lower() for a in aggregation.amounts]
              + [f"tag_{i}" for i in range(1, len(aggregation.tag_keys) + 1)])
    missing = [name for name in needed if name not in index]
    if missing:
        raise AggregationError(f"the result has no column {missing[0]}", file=file)

    def value(row, name):
        cell = row[index[name.lower()]]
        return None if cell is None else str(cell)

    header = (["ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"]
              + list(aggregation.dimensions) + list(aggregation.amounts) + ["Tags", "x_SourceFile", "x_SourceRows"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    source_rows = 0
    for number, row in enumerate(rows, 1):
        day = value(row, "ChargeDay")
        if not day:
            raise AggregationError("a group has no charge day", file=file, row=number, column="ChargeDay")
        start = day[:10]
        end = _next_day(start)
        period_start = (value(row, "BillingPeriodStart") or "")[:10]
        period_end = (value(row, "BillingPeriodEnd") or "")[:10]
        tags = {key: value(row, f"tag_{i}") for i, key in enumerate(aggregation.tag_keys, 1)}
        count = value(row, "x_SourceRows")
        try:
            source_rows += int(count)
        except (TypeError, ValueError):
            raise AggregationError(f"not a row count: {count!r}", file=file, row=number,
                                   column="x_SourceRows") from None
        writer.writerow(
            [f"{start}T00:00:00Z", f"{end}T00:00:00Z", period_start, period_end]
            + [value(row, d) or "" for d in aggregation.dimensions]
            + [_decimal_text(value(row, a), file=file, row=number, column=a) for a in aggregation.amounts]
            + [json.dumps({k: v for k, v in tags.items() if v is not None}, sort_keys=True, separators=(",", ":"))]
            + [value(row, "x_SourceFile") or "", count]
        )
    return out.getvalue().encode(), source_rows


def _next_day(iso_day):
    return (date.fromisoformat(iso_day) + timedelta(days=1)).isoformat()

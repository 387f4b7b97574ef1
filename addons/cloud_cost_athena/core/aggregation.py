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
the bill file and the number of its rows it stands for. What the query reads of an export
is its bill format's summed layout (``summed`` of the format's registry entry): any format that
registers one is summed. No ORM here.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from odoo.addons.cloud_cost.core.bill_formats import LINE_COLUMNS, registry, summed

AMOUNT_TYPE = summed.AMOUNT_TYPE
Layout = summed.Layout
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


def layout_of(name):
    """The summed layout of a bill format (by its key), as the format registers it; None when it has none."""
    found = summed.named(name)
    if found is not None:
        return found
    entry = registry.find(name)
    return entry.summed if entry is not None else None


def layout_named(layout):
    """A layout, or the summed layout of the format of this key (AggregationError when it has none)."""
    if isinstance(layout, str):
        found = layout_of(layout)
        if found is None:
            raise AggregationError(f"bill rows of {layout} exports are not summed")
        return found
    return layout


# always grouped by: what the batches, totals and allocation periods are made of
BASE_DIMENSIONS = (
    "BillingAccountId",
    "SubAccountId",
    "ProviderName",
    "ServiceName",
    "RegionId",
    "ChargeCategory",
    "BillingCurrency",
)


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


quote_literal = summed.quote_literal


def quote_identifier(name):
    return '"' + str(name).replace('"', '""') + '"'


def build_query(layout, *, database, table, files, rule_specs=()):
    """The aggregation of the given files (their ``$path``) of ``database.table``, grouped for the rules.

    Raises AggregationError when a rule matches on a cost-line column bills fill that the
    query cannot keep.
    """
    layout = layout_named(layout)
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
        "SELECT "
        + ",\n       ".join(select)
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
    needed = (
        ["chargeday", "billingperiodstart", "billingperiodend", "x_sourcefile", "x_sourcerows"]
        + [d.lower() for d in aggregation.dimensions]
        + [a.lower() for a in aggregation.amounts]
        + [f"tag_{i}" for i in range(1, len(aggregation.tag_keys) + 1)]
    )
    missing = [name for name in needed if name not in index]
    if missing:
        raise AggregationError(f"the result has no column {missing[0]}", file=file)

    def value(row, name):
        cell = row[index[name.lower()]]
        return None if cell is None else str(cell)

    header = (
        ["ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"]
        + list(aggregation.dimensions)
        + list(aggregation.amounts)
        + ["Tags", "x_SourceFile", "x_SourceRows"]
    )
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
            raise AggregationError(
                f"not a row count: {count!r}", file=file, row=number, column="x_SourceRows"
            ) from None
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

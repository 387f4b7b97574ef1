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
    """A sum as the FOCUS file writes it: plain notation, no trailing zeros, zero as 0."""
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
    table = getattr(rows, "arrow_table", None)
    if table is not None:
        return _arrow_to_focus_csv(aggregation, table, file=file)
    index = _result_index(aggregation, columns, file)
    day_at, start_at, end_at = index["chargeday"], index["billingperiodstart"], index["billingperiodend"]
    file_at, count_at = index["x_sourcefile"], index["x_sourcerows"]
    dimension_at = [index[d.lower()] for d in aggregation.dimensions]
    amount_at = [(a, index[a.lower()]) for a in aggregation.amounts]
    tag_at = [(key, index[f"tag_{i}"]) for i, key in enumerate(aggregation.tag_keys, 1)]

    out = io.StringIO()
    writer = _focus_writer(aggregation, out)
    source_rows = 0
    periods = {}
    for number, row in enumerate(rows, 1):
        day = _text(row[day_at])
        if not day:
            raise AggregationError("a group has no charge day", file=file, row=number, column="ChargeDay")
        period = periods.get(day[:10]) or _charge_period(periods, day[:10], file=file, row=number)
        count = _text(row[count_at])
        try:
            source_rows += int(count)
        except (TypeError, ValueError):
            raise AggregationError(
                f"not a row count: {count!r}", file=file, row=number, column="x_SourceRows"
            ) from None
        tags = {}
        for key, at in tag_at:
            if row[at] is not None:
                tags[key] = _text(row[at])
        writer.writerow(
            [*period]
            + [(_text(row[start_at]) or "")[:10], (_text(row[end_at]) or "")[:10]]
            + [_text(row[at]) or "" for at in dimension_at]
            + [_decimal_text(_text(row[at]), file=file, row=number, column=name) for name, at in amount_at]
            + [json.dumps(tags, sort_keys=True, separators=(",", ":")) if tags else "{}"]
            + [_text(row[file_at]) or "", count]
        )
    return out.getvalue().encode(), source_rows


def _text(cell):
    return cell if cell is None or cell.__class__ is str else str(cell)


def _result_index(aggregation, columns, file):
    """{column name in lower case: its position} of a result that has every column the FOCUS file needs."""
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
    return index


def _focus_writer(aggregation, out):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"]
        + list(aggregation.dimensions)
        + list(aggregation.amounts)
        + ["Tags", "x_SourceFile", "x_SourceRows"]
    )
    return writer


def text_array(column):
    """An Arrow column as Arrow text, each value as ``str`` of its Python value would write it (decimals in
    plain notation but for very small ones, which Arrow writes as ``1.000E-7``)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return pc.cast(column, pa.string())
    encoded = column.dictionary_encode()  # dates, timestamps: few distinct values, each written once
    words = [
        None if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
        for value in encoded.dictionary.to_pylist()
    ]
    return pa.array(words, type=pa.string()).take(encoded.indices)


def texts(array):
    """Python strings (None for null) of an Arrow text column, made in C rather than a value at a time."""
    return array.to_numpy(zero_copy_only=False).tolist()


def _arrow_to_focus_csv(aggregation, table, *, file):
    """``result_to_focus_csv`` of a columnar result (DuckDB's), a record batch at a time, the values turned to
    text column by column; the same file as the rows' path writes."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    index = _result_index(aggregation, table.column_names, file)
    out = io.StringIO()
    writer = _focus_writer(aggregation, out)
    tags = sorted(
        (json.dumps(key), index[f"tag_{i}"]) for i, key in enumerate(aggregation.tag_keys, 1)
    )  # JSON with sorted keys
    periods, source_rows, first = {}, 0, 0
    for batch in table.to_batches(max_chunksize=65_536):
        column = batch.column
        days = text_array(column(index["chargeday"]))
        if days.null_count or pc.any(pc.equal(days, "")).as_py():
            at = pc.index(pc.fill_null(days, ""), "").as_py()
            raise AggregationError("a group has no charge day", file=file, row=first + at + 1, column="ChargeDay")
        day_starts = pc.utf8_slice_codeunits(days, 0, 10)
        starts = day_starts.dictionary_encode()
        bounds = [
            periods.get(start)
            or _charge_period(periods, start, file=file, row=first + pc.index(day_starts, start).as_py() + 1)
            for start in starts.dictionary.to_pylist()
        ]
        period_columns = [
            texts(pa.array([bound[n] for bound in bounds], type=pa.string()).take(starts.indices)) for n in (0, 1)
        ]
        billing = [
            texts(pc.utf8_slice_codeunits(pc.fill_null(text_array(column(index[name])), ""), 0, 10))
            for name in ("billingperiodstart", "billingperiodend")
        ]
        dimensions = [texts(pc.fill_null(text_array(column(index[d.lower()])), "")) for d in aggregation.dimensions]
        amounts = [_amount_texts(column(index[a.lower()]), name=a, file=file, first=first) for a in aggregation.amounts]
        fragments = []
        for key, at in tags:  # '"key":"value",' per tag a group has, "" per tag it lacks
            encoded = text_array(column(at)).dictionary_encode()
            words = pa.array(
                [f"{key}:{json.dumps(value)}," for value in encoded.dictionary.to_pylist()], type=pa.string()
            )
            fragments.append(pc.fill_null(words.take(encoded.indices), ""))
        if fragments:
            joined = pc.utf8_rtrim(pc.binary_join_element_wise(*fragments, ""), characters=",")
            tag_texts = texts(pc.binary_join_element_wise("{", joined, "}", ""))
        else:
            tag_texts = ["{}"] * batch.num_rows
        counts = column(index["x_sourcerows"])
        count_texts = texts(pc.fill_null(text_array(counts), ""))
        if pa.types.is_integer(counts.type) and not counts.null_count:
            source_rows += pc.sum(counts).as_py() or 0
        else:
            for number, count in enumerate(count_texts, first + 1):
                try:
                    source_rows += int(count)
                except ValueError:
                    raise AggregationError(
                        f"not a row count: {count or None!r}", file=file, row=number, column="x_SourceRows"
                    ) from None
        files = texts(pc.fill_null(text_array(column(index["x_sourcefile"])), ""))
        writer.writerows(
            zip(*period_columns, *billing, *dimensions, *amounts, tag_texts, files, count_texts, strict=True)
        )
        first += batch.num_rows
    return out.getvalue().encode(), source_rows


# a sum Arrow writes plainly, and its steps to the FOCUS file's text: no trailing zeros, no lone point, 0 unsigned
ARROW_PLAIN = r"^-?[0-9]+(\.[0-9]*)?$"
ARROW_NORMALIZE = (
    (r"^(-?[0-9]+\.[0-9]*?)0+$", r"\1"),
    (r"\.$", ""),
    (r"^(-?)0+([0-9])", r"\1\2"),
    (r"^-0$", "0"),
)


def _amount_texts(column, *, name, file, first):
    import pyarrow.compute as pc  # noqa: PLC0415

    raw = pc.fill_null(text_array(column), "")
    normalized = raw
    for pattern, replacement in ARROW_NORMALIZE:
        normalized = pc.replace_substring_regex(normalized, pattern, replacement)
    values = texts(normalized)
    odd = pc.invert(pc.or_(pc.match_substring_regex(raw, ARROW_PLAIN), pc.equal(raw, "")))
    for at in pc.indices_nonzero(odd).to_pylist():  # scientific notation, or no number at all
        values[at] = _decimal_text(raw[at].as_py(), file=file, row=first + at + 1, column=name)
    return values


def rows_per_file(columns, rows):
    """{bill file: the bill rows its groups stand for} of a query's result."""
    table = getattr(rows, "arrow_table", None)
    if table is not None:
        import pyarrow as pa  # noqa: PLC0415

        names = {name.lower(): name for name in table.column_names}
        if pa.types.is_integer(table.schema.field(names["x_sourcerows"]).type):
            grouped = table.group_by(names["x_sourcefile"]).aggregate([(names["x_sourcerows"], "sum")])
            files = grouped.column(names["x_sourcefile"]).to_pylist()
            counts = grouped.column(f"{names['x_sourcerows']}_sum").to_pylist()
            return {file: int(count or 0) for file, count in zip(files, counts, strict=True)}
    lowered = [c.lower() for c in columns]
    file_column, rows_column = lowered.index("x_sourcefile"), lowered.index("x_sourcerows")
    per_file = {}
    for row in rows:
        per_file[row[file_column]] = per_file.get(row[file_column], 0) + int(row[rows_column] or 0)
    return per_file


def _charge_period(periods, start, *, file, row):
    """The FOCUS charge period of a group's day (``start``), kept in ``periods``: a month has a few dozen days."""
    try:
        period = periods[start] = (f"{start}T00:00:00Z", f"{_next_day(start)}T00:00:00Z")
    except ValueError:
        raise AggregationError(f"not a day: {start!r}", file=file, row=row, column="ChargeDay") from None
    return period


def _next_day(iso_day):
    return (date.fromisoformat(iso_day) + timedelta(days=1)).isoformat()

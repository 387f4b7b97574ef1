"""The bill rows a summed cost line stands for, found again in their file by the group's key.

The aggregation (``aggregation.build_query``) groups bill rows by day, billing period, the
dimensions and tag keys the mapping rules read, and the file. One group's rows are therefore
exactly the rows of that file whose grouped expressions equal the group's values: the query
built here evaluates the very expressions of the layout on each row of the one file and
matches each with ``IS NOT DISTINCT FROM`` (a NULL group value matches NULL only), so that the
rows listed, and their EffectiveCost computed as the summing computed it, are the rows summed.

The group's values are read from the aggregated FOCUS file the import kept (``group_of``);
DuckDB reads the bill file on this machine. No ORM here.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .aggregation import AggregationError, layout_named, layout_of, quote_literal

ROW_NUMBER = "x_RowNumber"  # 1 = the file's first row, as the suite numbers bill rows
EFFECTIVE = "x_EffectiveCost"
BILLED = "x_BilledCost"


@dataclass(frozen=True)
class Grouping:
    """What an aggregation grouped by, as the batch keeps it."""

    layout: str
    dimensions: tuple
    tag_keys: tuple

    @classmethod
    def from_json(cls, data):
        if not isinstance(data, dict) or layout_of(data.get("layout")) is None:
            raise AggregationError("the aggregation's grouping is not known")
        return cls(data["layout"], tuple(data.get("dimensions") or ()), tuple(data.get("tag_keys") or ()))

    def to_json(self):
        return {"layout": self.layout, "dimensions": list(self.dimensions), "tag_keys": list(self.tag_keys)}


def group_keys(layout, dimensions, tag_keys):
    """[(name, SQL expression over a bill row, SQL type)] of what one group has in common."""
    layout = layout_named(layout)
    keys = [
        ("ChargeDay", layout.charge_day, "DATE"),
        ("BillingPeriodStart", layout.billing_period_start, "DATE"),
        ("BillingPeriodEnd", layout.billing_period_end, "DATE"),
    ]
    for name in dimensions:
        expression = layout.dimension(name)
        if not expression:
            raise AggregationError(f"{layout.name} exports have no column {name}")
        keys.append((name, expression, "VARCHAR"))
    for index, key in enumerate(tag_keys, 1):
        keys.append((f"tag_{index}", layout.tag(key), "VARCHAR"))
    return keys


def group_of(record, grouping):
    """The group's values from its row of the aggregated FOCUS file (a dict of its columns, as CSV text):
    {key name: text or None}, with the file it names, its row count and its sums."""
    try:
        tags = json.loads(record.get("Tags") or "{}")
    except ValueError:
        raise AggregationError("the aggregated row's tags are not JSON") from None
    day = (record.get("ChargePeriodStart") or "")[:10]
    if not day:
        raise AggregationError("the aggregated row has no charge day")
    values = {
        "ChargeDay": day,
        "BillingPeriodStart": record.get("BillingPeriodStart") or None,
        "BillingPeriodEnd": record.get("BillingPeriodEnd") or None,
    }
    # the aggregated file writes a NULL dimension as an empty cell; grouped values are never empty text
    values.update({name: record.get(name) or None for name in grouping.dimensions})
    values.update({f"tag_{i}": tags.get(key) for i, key in enumerate(grouping.tag_keys, 1)})
    try:
        rows = int(record.get("x_SourceRows") or 0)
    except ValueError:
        raise AggregationError(f"not a row count: {record.get('x_SourceRows')!r}") from None
    return {
        "values": values,
        "file": record.get("x_SourceFile") or "",
        "rows": rows,
        "effective_cost": Decimal(record.get("EffectiveCost") or 0),
        "billed_cost": Decimal(record.get("BilledCost") or 0),
    }


def aggregated_records(data, wanted):
    """{row number: record} of the wanted rows (1 = first data row) of an aggregated FOCUS CSV file."""
    wanted = set(wanted)
    found = {}
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig") if isinstance(data, bytes) else data))
    for number, record in enumerate(reader, start=1):
        if number in wanted:
            found[number] = record
            if len(found) == len(wanted):
                break
    return found


def _literal(value, sql_type):
    return f"CAST({'NULL' if value is None else quote_literal(value)} AS {sql_type})"


def _scan(layout, path, scan=None):
    return scan or layout.rows_of(quote_literal(str(path)))


def group_rows_query(layout, dimensions, tag_keys, group, path, scan=None):
    """DuckDB SQL listing the rows of the Parquet file at ``path`` in one group of the aggregation:
    the row's number in the file (``x_RowNumber``, 1 = first row), EffectiveCost and BilledCost as the
    summing computed them (``x_EffectiveCost``, ``x_BilledCost``) and the row's own columns.

    ``group``: {key name: value text or None}, as ``group_of`` gives them.
    """
    layout = layout_named(layout)
    keys = group_keys(layout, dimensions, tag_keys)
    missing = [name for name, _expression, _type in keys if name not in group]
    if missing:
        raise AggregationError(f"the group has no value for {missing[0]}")
    conditions = [
        f"{expression} IS NOT DISTINCT FROM {_literal(group[name], sql_type)}" for name, expression, sql_type in keys
    ]
    return (
        f"SELECT file_row_number + 1 AS {ROW_NUMBER},\n"
        f"       {layout.amounts['EffectiveCost']} AS {EFFECTIVE},\n"
        f"       {layout.amounts['BilledCost']} AS {BILLED},\n"
        "       * EXCLUDE (file_row_number)\n"
        f"  FROM {_scan(layout, path, scan)}\n"
        " WHERE " + "\n   AND ".join(conditions) + "\n ORDER BY file_row_number"
    )


GROUPS_TABLE = "x_groups"
GROUP_NUMBER = "x_Group"


def groups_rows_query(layout, dimensions, tag_keys, path, scan=None):
    """As ``group_rows_query``, for many groups at once: the rows of the file in any of the groups of the
    table ``x_groups`` (``x_Group``, then one column per key of ``group_keys``, named key_1, key_2, ...),
    each with its group's ``x_Group``: the file is read once, whatever the number of groups."""
    layout = layout_named(layout)
    keys = group_keys(layout, dimensions, tag_keys)
    conditions = [
        f"{expression} IS NOT DISTINCT FROM g.key_{index}" for index, (_name, expression, _type) in enumerate(keys, 1)
    ]
    return (
        f"SELECT g.{GROUP_NUMBER}, file_row_number + 1 AS {ROW_NUMBER},\n"
        f"       {layout.amounts['EffectiveCost']} AS {EFFECTIVE},\n"
        f"       {layout.amounts['BilledCost']} AS {BILLED},\n"
        "       r.* EXCLUDE (file_row_number)\n"
        f"  FROM {_scan(layout, path, scan)} r\n"
        f"  JOIN {GROUPS_TABLE} g ON " + "\n   AND ".join(conditions) + f"\n ORDER BY g.{GROUP_NUMBER}, file_row_number"
    )


def _groups_table(keys, groups):
    import pyarrow as pa

    columns = {GROUP_NUMBER: pa.array(range(len(groups)), type=pa.int64())}
    for index, (name, _expression, sql_type) in enumerate(keys, 1):
        values = [group[name] for group in groups]
        if sql_type == "DATE":
            columns[f"key_{index}"] = pa.array(
                [date.fromisoformat(v[:10]) if v else None for v in values], type=pa.date32()
            )
        else:
            columns[f"key_{index}"] = pa.array(values, type=pa.string())
    return pa.table(columns)


def plain(value):
    """A Parquet value as JSON-able text, exactly: decimals and times as text, maps and lists kept."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


CSV_TABLE = "x_bill_file"


def csv_table(path):
    """A CSV bill file as the summing read it (every column text, an empty cell NULL), with the number of
    each row in the file (``file_row_number``, 0 = first row after the header), as an Arrow table."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream), [])
    try:
        table = pacsv.read_csv(
            str(path),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError) as error:
        raise AggregationError(f"the CSV bill file cannot be read: {error}") from None
    return table.append_column("file_row_number", pa.array(range(table.num_rows), type=pa.int64()))


def read_group_rows(path, grouping, groups):
    """The rows of each group in the Parquet (or CSV) file at ``path``: [[{"row", "effective_cost", "billed_cost",
    "values"}] per group], amounts exact Decimals; the file is read once (one query for all the groups)."""
    import duckdb

    layout = layout_named(grouping.layout)
    if not groups:
        return []
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("SET TimeZone = 'UTC'")  # the charge day of a timestamp is the UTC day, as summed
        connection.execute("CREATE MACRO element_at(m, k) AS map_extract_value(m, k)")
        scan = None
        if str(path).lower().endswith(".csv"):
            connection.register(CSV_TABLE, csv_table(path))
            scan = CSV_TABLE
        if len(groups) == 1:
            sql = group_rows_query(layout, grouping.dimensions, grouping.tag_keys, groups[0], path, scan)
        else:
            keys = group_keys(layout, grouping.dimensions, grouping.tag_keys)
            missing = [name for name, _e, _t in keys for group in groups if name not in group]
            if missing:
                raise AggregationError(f"a group has no value for {missing[0]}")
            connection.register(GROUPS_TABLE, _groups_table(keys, groups))
            sql = groups_rows_query(layout, grouping.dimensions, grouping.tag_keys, path, scan)
        found = [[] for _group in groups]
        try:
            cursor = connection.execute(sql)
            columns = [d[0] for d in cursor.description]
            while chunk := cursor.fetchmany(10_000):
                for values in chunk:
                    record = dict(zip(columns, values, strict=True))
                    number = record.pop(GROUP_NUMBER, 0)
                    found[number].append(
                        {
                            "row": record.pop(ROW_NUMBER),
                            "effective_cost": Decimal(record.pop(EFFECTIVE) or 0),
                            "billed_cost": Decimal(record.pop(BILLED) or 0),
                            "values": {name: plain(value) for name, value in record.items()},
                        }
                    )
        except duckdb.Error as error:
            raise AggregationError(f"DuckDB could not read the bill rows: {error}") from None
    finally:
        connection.close()
    return found


def check_group(group, rows):
    """{"count", "effective_cost", "billed_cost", "matches"}: the rows found against what the group summed."""
    effective = sum((row["effective_cost"] for row in rows), Decimal(0))
    billed = sum((row["billed_cost"] for row in rows), Decimal(0))
    return {
        "count": len(rows),
        "effective_cost": effective,
        "billed_cost": billed,
        "matches": (len(rows), effective, billed) == (group["rows"], group["effective_cost"], group["billed_cost"]),
    }

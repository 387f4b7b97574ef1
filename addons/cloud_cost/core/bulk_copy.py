"""Bulk load of a DataFrame into a PostgreSQL table with COPY FROM STDIN.

Values travel as text and PostgreSQL parses them into the column types: decimal
strings become exact numerics, 'YYYY-MM-DD HH:MM:SS' strings timestamps, JSON text
jsonb. Float columns are refused: money must never pass through binary floats.

The frame is rendered by Arrow's CSV writer, whose conventions are PostgreSQL's CSV
ones: text values are always quoted (so "" is an empty string) and missing values are
left empty and unquoted (NULL).
"""

import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

_WRITE_OPTIONS = pa_csv.WriteOptions(include_header=False, batch_size=16384)


class BulkCopyError(ValueError):
    """The frame cannot be copied as is (float money, unknown column type)."""


def _quote_ident(name):
    return '"' + str(name).replace('"', '""') + '"'


def frame_to_arrow(frame, columns=None):
    """Arrow table of ``frame``'s ``columns``: text, integers and booleans only."""
    columns = list(frame.columns if columns is None else columns)
    arrays = []
    for column in columns:
        series = frame[column]
        dtype = series.dtype
        if pd.api.types.is_float_dtype(dtype):
            raise BulkCopyError(
                f"column {column!r} holds floats: pass exact decimal strings (or integers) instead"
            )
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            arrays.append(pa.Array.from_pandas(series))
            continue
        array = pa.Array.from_pandas(series)
        if pa.types.is_floating(array.type):
            raise BulkCopyError(f"column {column!r} holds floats: pass exact decimal strings instead")
        if pa.types.is_null(array.type):
            array = pa.nulls(len(series), pa.string())
        elif not (
            pa.types.is_string(array.type)
            or pa.types.is_large_string(array.type)
            or pa.types.is_integer(array.type)
            or pa.types.is_boolean(array.type)
            or pa.types.is_decimal(array.type)
        ):
            raise BulkCopyError(f"column {column!r}: cannot copy values of type {array.type}")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=[str(c) for c in columns])


def frame_to_csv(frame, columns=None):
    """The CSV bytes COPY ... (FORMAT csv) reads back into exactly these values."""
    buffer = io.BytesIO()
    pa_csv.write_csv(frame_to_arrow(frame, columns), buffer, _WRITE_OPTIONS)
    buffer.seek(0)
    return buffer


def copy_frame(cursor, table, frame, columns=None):
    """COPY the rows of ``frame`` into ``table``; returns the number of rows copied.

    ``cursor``: a psycopg2 cursor (or Odoo's, which hands copy_expert to psycopg2).
    ``columns``: frame columns to copy, named as the table's columns (default: all).
    """
    if not len(frame):
        return 0
    columns = list(frame.columns if columns is None else columns)
    buffer = frame_to_csv(frame, columns)
    column_list = ", ".join(_quote_ident(c) for c in columns)
    table_name = ".".join(_quote_ident(part) for part in str(table).split("."))
    cursor.copy_expert(f"COPY {table_name} ({column_list}) FROM STDIN WITH (FORMAT csv)", buffer, size=1 << 20)
    return len(frame)

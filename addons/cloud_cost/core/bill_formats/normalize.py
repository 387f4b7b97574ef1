"""Vectorized checks and conversions of raw text columns into normalized cost-line columns.

Every function takes a pandas Series of text (or None) whose index is the 0-based data row
of the file, and raises BillFormatError naming the first bad row; none loops over rows in
Python except over the distinct values of a column.
"""

import json
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import BillFormatError

NULL_TEXTS = ("", "NULL", "null", "Null", "NaN", "nan", "None")
_NULL_ARRAY = pa.array(NULL_TEXTS, type=pa.string())
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def first_row(mask):
    """1-based data row of the first True of a boolean Series indexed by 0-based rows."""
    return int(mask.index[np.argmax(mask.to_numpy())]) + 1


def per_distinct(series, function):
    """``function`` applied once per distinct value (bills repeat most values); None stays None."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(value) for value in uniques]
    mapped[-1] = None
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _clean_text(value):
    if isinstance(value, str):
        value = value.strip()
    return None if value in NULL_TEXTS else value


def _arrow_strings(values):
    """``values`` (an object Series) as an Arrow string array, or None when some value is not text."""
    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def text(series):
    """Stripped text, None for empty and the NULL spellings of real exports."""
    if series is None:
        return None
    strings = _arrow_strings(series)
    if strings is None:  # numbers or nested values (JSON lines): one Python call per distinct value
        return per_distinct(series, _clean_text)
    strings = pc.utf8_trim_whitespace(strings)
    strings = pc.if_else(pc.is_in(strings, value_set=_NULL_ARRAY), pa.scalar(None, pa.string()), strings)
    return pd.Series(strings.to_numpy(zero_copy_only=False), index=series.index, dtype=object)


def _matches(values, pattern):
    """Boolean array: which of the (present) text ``values`` match ``pattern`` entirely."""
    strings = _arrow_strings(values)
    if strings is None:
        return values.astype(str).str.match(pattern).to_numpy(dtype=bool)
    return pc.fill_null(pc.match_substring_regex(strings, pattern.pattern), False).to_numpy(zero_copy_only=False)


def decimals(series, *, file, column, required=False):
    """Exact decimal text ("-0.0000001234"); refuses what is not a number."""
    values = text(series)
    present = values.notna()
    if required and not present.all():
        raise BillFormatError("a value is required", file=file, row=first_row(~present), column=column)
    candidates = values[present]
    if candidates.empty:
        return values
    bad = ~_matches(candidates, _DECIMAL)
    if bad.any():
        rows = pd.Series(False, index=values.index)
        rows[candidates.index[bad]] = True
        row = first_row(rows)
        raise BillFormatError(f"not a number: {values[rows].iloc[0]!r}", file=file, row=row, column=column)
    exponent = ~_matches(candidates, _PLAIN_DECIMAL)
    if exponent.any():
        values = values.copy()
        changed = candidates.index[exponent]
        values[changed] = values[changed].map(lambda v: format(Decimal(str(v)), "f"))
    return values


def decimal_from_number(value):
    """A number from JSON or Parquet as exact decimal text (floats by their shortest repr)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    try:
        return format(Decimal(str(value)), "f")
    except InvalidOperation:
        return str(value)


def timestamps(series, *, file, column, required=False, formats=("ISO8601",)):
    """'YYYY-MM-DD HH:MM:SS' in UTC; dates without a time are midnight."""
    values = text(series)
    present = values.notna()
    if required and not present.all():
        raise BillFormatError("a date is required", file=file, row=first_row(~present), column=column)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=object)
    parsed = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[ns, UTC]")
    todo = pd.Series(True, index=distinct.index)
    for fmt in formats:
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(distinct[todo], utc=True, errors="coerce", format=fmt)
        todo = parsed.isna()
    if todo.any():
        rows = pd.Series(np.isin(codes, np.flatnonzero(todo.to_numpy())), index=values.index)
        raise BillFormatError(f"not a date: {values[rows].iloc[0]!r}", file=file, row=first_row(rows), column=column)
    mapped = np.append(parsed.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object), None)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def dates(series, *, file, column, required=False, formats=("ISO8601",)):
    stamps = timestamps(series, file=file, column=column, required=required, formats=formats)
    return per_distinct(stamps, lambda v: v[:10])


def json_objects(series, *, file, column, loader=None):
    """Compact JSON object text (keys sorted), None when empty; one parse per distinct value."""
    values = text(series)
    present = values[values.notna()]
    if present.empty:
        return values
    loader = loader or _load_object
    canonical = {}
    for value in pd.unique(present):
        try:
            obj = loader(value)
        except (ValueError, TypeError) as error:
            row = first_row(present == value)
            raise BillFormatError(f"not a JSON object of tags: {error}", file=file, row=row, column=column) from None
        canonical[value] = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if obj else None
    return values.map(canonical.get, na_action="ignore")


def _load_object(value):
    obj = json.loads(value)
    if not isinstance(obj, dict):
        raise ValueError("expected an object")
    return {str(k): "" if v is None else str(v) for k, v in obj.items()}


def extras(frame, columns):
    """The given raw columns as one compact JSON object per row (empty values left out)."""
    columns = [c for c in columns if c in frame.columns]
    if not columns:
        return pd.Series(None, index=frame.index, dtype=object)
    cleaned = {c: text(frame[c]).to_numpy(dtype=object) for c in columns}
    codes = pd.DataFrame({c: pd.factorize(values, use_na_sentinel=True)[0] for c, values in cleaned.items()})
    groups = codes.groupby(list(codes.columns), sort=False).ngroup().to_numpy()
    _distinct, first_rows = np.unique(groups, return_index=True)
    objects = np.empty(len(first_rows), dtype=object)
    for group, position in zip(_distinct, first_rows, strict=True):
        obj = {c: cleaned[c][position] for c in columns if cleaned[c][position] is not None}
        objects[group] = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if obj else None
    return pd.Series(objects[groups], index=frame.index, dtype=object)


def require_columns(frame, names, *, file):
    """Refuse a file whose header lacks a mandatory column (named in the error)."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise BillFormatError(
            f"mandatory column missing from the header ({', '.join(missing)})", file=file, column=missing[0]
        )

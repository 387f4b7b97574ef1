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

from .errors import BillFormatError

NULL_TEXTS = ("", "NULL", "null", "Null", "NaN", "nan", "None")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def first_row(mask):
    """1-based data row of the first True of a boolean Series indexed by 0-based rows."""
    return int(mask.index[np.argmax(mask.to_numpy())]) + 1


def text(series):
    """Stripped text, None for empty and the NULL spellings of real exports."""
    if series is None:
        return None
    values = series.astype(object).where(series.notna(), None)
    values = values.map(lambda v: v.strip() if isinstance(v, str) else v)
    return values.where(~values.isin(NULL_TEXTS), None)


def decimals(series, *, file, column, required=False):
    """Exact decimal text ("-0.0000001234"); refuses what is not a number."""
    values = text(series)
    present = values.notna()
    if required and not present.all():
        raise BillFormatError("a value is required", file=file, row=first_row(~present), column=column)
    candidates = values[present].astype(str)
    bad = ~candidates.str.match(_DECIMAL)
    if bad.any():
        row = first_row(bad)
        raise BillFormatError(f"not a number: {candidates[bad].iloc[0]!r}", file=file, row=row, column=column)
    exponent = ~candidates.str.match(_PLAIN_DECIMAL)
    if exponent.any():
        candidates = candidates.copy()
        candidates[exponent] = candidates[exponent].map(lambda v: format(Decimal(v), "f"))
        values = values.copy()
        values[present] = candidates
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
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    todo = present.copy()
    for fmt in formats:
        if not todo.any():
            break
        attempt = pd.to_datetime(values[todo], utc=True, errors="coerce", format=fmt)
        parsed[todo] = attempt
        todo = present & parsed.isna()
    if todo.any():
        raise BillFormatError(f"not a date: {values[todo].iloc[0]!r}", file=file, row=first_row(todo), column=column)
    out = parsed.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
    return out.where(present, None)


def dates(series, *, file, column, required=False, formats=("ISO8601",)):
    stamps = timestamps(series, file=file, column=column, required=required, formats=formats)
    return stamps.map(lambda v: v[:10] if isinstance(v, str) else None)


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
    cleaned = {c: text(frame[c]) for c in columns}
    keys = pd.Series("", index=frame.index, dtype=object)
    for column in columns:
        keys = keys + "\x1f" + cleaned[column].fillna("\x00").astype(str)
    codes, uniques = pd.factorize(keys)
    first_rows = pd.Series(range(len(keys))).groupby(codes).first()
    objects = []
    for position in first_rows.to_numpy():
        obj = {c: cleaned[c].iloc[position] for c in columns if cleaned[c].iloc[position] is not None}
        objects.append(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if obj else None)
    return pd.Series(np.array(objects, dtype=object)[codes], index=frame.index, dtype=object)


def require_columns(frame, names, *, file):
    """Refuse a file whose header lacks a mandatory column (named in the error)."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise BillFormatError(
            f"mandatory column missing from the header ({', '.join(missing)})", file=file, column=missing[0]
        )

"""Exact conversion of bill amounts (decimal text) into the company currency.

Rates come from the caller (Odoo's res.currency.rate), one factor per currency and
day; each amount is multiplied by its factor in decimal arithmetic (never binary
floats) and rounded half away from zero to the places asked for; with ``keep_unconverted``,
amounts already in the company currency (factor 1) are kept exactly as billed.

Cost lines keep their company-currency amounts to COMPANY_AMOUNT_PLACES, not to the cent:
bills are made of millions of sub-cent rows, and rounding each one would lose or invent
money. Sums are rounded once, where they are shown, allocated or posted.

The arithmetic runs vectorized in Arrow's decimal types (amounts up to 18 integer and
20 decimal digits, factors to 20 decimal places); a column Arrow cannot hold exactly
(more digits, odd notation) is converted row by row with Python's Decimal instead.
"""

import decimal
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999)
ONE = Decimal(1)
FACTOR_PLACES = 20
COMPANY_AMOUNT_PLACES = 12
_AMOUNT = pa.decimal128(38, 20)
_WIDE = pa.decimal256(40, 20)
_FACTOR = pa.decimal256(30, FACTOR_PLACES)


def rate_factor(company_rate, billing_rate):
    """Company-currency units per billing-currency unit, from two rates to a common base,
    to FACTOR_PLACES decimal places."""
    factor = _CONTEXT.divide(Decimal(str(company_rate)), Decimal(str(billing_rate)))
    return _CONTEXT.quantize(factor, Decimal(1).scaleb(-FACTOR_PLACES))


def quantum(decimal_places):
    return Decimal(1).scaleb(-int(decimal_places))


def as_arrow(values):
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    if hasattr(values, "array") and hasattr(values.array, "__arrow_array__"):
        return pa.array(values.array)
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _convert_arrow(amounts, factor_codes, factors, decimal_places, keep_unconverted):
    text = as_arrow(amounts)
    if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
        text = pc.cast(text, pa.string())
    unconverted = [f == ONE for f in factors]
    if keep_unconverted and all(unconverted):
        return text  # exact as billed (the parsers checked each is a decimal number)
    codes = pa.array(np.asarray(factor_codes, dtype=np.int64))
    values = pc.cast(pc.cast(text, _AMOUNT), _WIDE)
    if not all(unconverted):
        values = pc.multiply(values, pa.array(factors, type=_FACTOR).take(codes))
    rounded = pc.round(values, ndigits=int(decimal_places), round_mode="half_towards_infinity")
    converted = pc.cast(pc.cast(rounded, pa.decimal256(76, int(decimal_places))), pa.string())
    if keep_unconverted and any(unconverted):
        return pc.if_else(pa.array(unconverted).take(codes), text, converted)
    return converted


def _convert_decimal(amounts, factor_codes, factors, decimal_places, keep_unconverted=False):
    values = as_arrow(amounts).to_pylist()
    codes = np.asarray(factor_codes)
    q = quantum(decimal_places)
    ctx = _CONTEXT
    out = []
    for amount, code in zip(values, codes, strict=True):
        if amount is None or amount == "":
            out.append(None)
            continue
        factor = factors[code]
        if factor == ONE and keep_unconverted:
            out.append(amount)
            continue
        value = Decimal(amount) if factor == ONE else ctx.multiply(Decimal(amount), factor)
        value = ctx.quantize(value, q)
        out.append(str(value if value else abs(value)))  # no "-0.00"
    return pa.array(out, type=pa.string())


def convert_amounts(amounts, factor_codes, factors, decimal_places, keep_unconverted=False):
    """Company-currency amounts as an Arrow string array, one per amount.

    ``amounts``: decimal strings or None (a sequence, Series or Arrow array);
    ``factor_codes``: per amount, an index into ``factors`` (Decimals). Missing amounts
    stay missing; with ``keep_unconverted``, amounts of factor 1 are returned as given.
    """
    try:
        return _convert_arrow(amounts, factor_codes, factors, decimal_places, keep_unconverted)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _convert_decimal(amounts, factor_codes, factors, decimal_places, keep_unconverted)


def charge_days(charge_start, fallback):
    """Arrow array of the day ('YYYY-MM-DD') whose rate applies to each row: the charge
    start, else the fallback (billing period start)."""
    days = pc.utf8_slice_codeunits(as_arrow(charge_start).cast(pa.string()), 0, 10)
    days = pc.if_else(pc.equal(days, ""), pa.scalar(None, pa.string()), days)
    if fallback is not None:
        other = pc.utf8_slice_codeunits(as_arrow(fallback).cast(pa.string()), 0, 10)
        other = pc.if_else(pc.equal(other, ""), pa.scalar(None, pa.string()), other)
        days = pc.coalesce(days, other)
    return days

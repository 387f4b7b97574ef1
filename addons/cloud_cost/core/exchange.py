"""Exact conversion of bill amounts (decimal text) into the company currency.

Rates come from the caller (Odoo's res.currency.rate), one factor per currency and
day; each amount is multiplied by its factor in Decimal arithmetic and rounded half
away from zero to the company currency's decimal places, as Odoo rounds amounts.
"""

import decimal
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999)
ONE = Decimal(1)


def rate_factor(company_rate, billing_rate):
    """Company-currency units per billing-currency unit, from two rates to a common base."""
    return _CONTEXT.divide(Decimal(str(company_rate)), Decimal(str(billing_rate)))


def quantum(decimal_places):
    return Decimal(1).scaleb(-int(decimal_places))


def convert_amounts(amounts, factor_codes, factors, decimal_places):
    """Company-currency amounts as text, one per amount.

    ``amounts``: decimal strings or None; ``factor_codes``: per amount, an index into
    ``factors`` (Decimals). Missing amounts stay missing.
    """
    amounts = np.asarray(amounts, dtype=object)
    codes = np.asarray(factor_codes)
    out = np.full(len(amounts), None, dtype=object)
    q = quantum(decimal_places)
    ctx = _CONTEXT
    for code, factor in enumerate(factors):
        where = np.flatnonzero(codes == code)
        if not len(where):
            continue
        values = amounts[where]
        if factor == ONE:
            converted = [
                None if a is None or a != a or a == "" else str(ctx.quantize(Decimal(a), q)) for a in values
            ]
        else:
            converted = [
                None if a is None or a != a or a == "" else str(ctx.quantize(ctx.multiply(Decimal(a), factor), q))
                for a in values
            ]
        out[where] = converted
    return out


def charge_days(charge_start, fallback):
    """The day ('YYYY-MM-DD') whose rate applies to each row: the charge start, else the fallback."""
    days = pd.Series(charge_start, copy=False).astype(object).str.slice(0, 10)
    if fallback is not None:
        days = days.where(days.notna() & (days != ""), pd.Series(fallback, index=days.index).astype(object))
    return days

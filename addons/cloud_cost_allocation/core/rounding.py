"""Rounding many exact amounts to the currency's smallest unit so that they add up to their rounded total."""

import numpy as np

from ...cloud_cost.core.money import to_decimal, to_units


def cumulative_units(amounts, digits: int = 2) -> list:
    """Integer units for ``amounts`` whose running sums are the rounded running sums.

    Each result is the rounded prefix sum minus the previous rounded prefix sum, so the
    results add up to the exactly rounded total, each one is within one unit of its
    exact amount, and credits (negative amounts) need no special case. The order of
    ``amounts`` decides where the half units land: sort them by a stable key first.
    """
    units = []
    running = to_decimal(0)
    previous = 0
    for amount in amounts:
        running += to_decimal(amount)
        current = to_units(running, digits)
        units.append(current - previous)
        previous = current
    return units


def cumulative_units_scaled(values, scale: int) -> np.ndarray:
    """cumulative_units for integer amounts counted in 1/``scale`` of the unit (vectorised).

    ``values``: int64 amounts, e.g. micro-dollars with ``scale`` 10,000 per cent. Rounds
    half away from zero like ROUND_HALF_UP on decimals.
    """
    running = np.cumsum(np.asarray(values, dtype=np.int64))
    rounded = np.sign(running) * ((np.abs(running) * 2 + scale) // (2 * scale))
    return np.diff(rounded, prepend=0)


def units_to_text(values, digits: int = 2):
    """Exact decimal texts ("-12.05", "-1205", "-1.205") of integer amounts in the smallest unit of a
    currency of ``digits`` decimal places, vectorised, for COPY into numeric columns."""
    import pandas as pd  # noqa: PLC0415

    units = np.asarray(values, dtype=np.int64)
    magnitude = np.abs(units)
    sign = pd.Series(np.where(units < 0, "-", ""), dtype=object)
    if digits <= 0:
        return sign + pd.Series(magnitude).astype(str).to_numpy()
    scale = 10**digits
    whole = (magnitude // scale).astype(str)
    fraction = pd.Series(magnitude % scale).astype(str).str.zfill(digits).to_numpy()
    return sign + whole + "." + fraction


def cents_to_text(values):
    """units_to_text of a two-decimal currency."""
    return units_to_text(values, 2)

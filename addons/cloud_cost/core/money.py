"""Exact money arithmetic: rounding to the currency unit and largest-remainder splits."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def to_decimal(value) -> Decimal:
    """Decimal from str, int, Decimal or float (floats through their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def to_units(amount, digits: int = 2) -> int:
    """Amount as an integer count of the smallest currency unit, rounded half up."""
    quantum = Decimal(1).scaleb(-digits)
    return int(to_decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP).scaleb(digits))


def from_units(units: int, digits: int = 2) -> Decimal:
    return Decimal(units).scaleb(-digits)


def split_units(total_units: int, weights, keys=None) -> list:
    """Split an integer total over non-negative weights; the parts sum to the total.

    Largest remainder method: every part gets the floor of its exact quota, the units
    left over go to the largest fractional remainders. Ties go to the smallest key
    (the position when no keys are given), so passing stable keys makes the result
    independent of the order of the receivers.

    Integer weights are split in integer arithmetic only (all quotas share the
    denominator ``sum(weights)``, so remainders of the integer division compare
    exactly); other weights go through exact fractions. Both give the same parts.
    """
    weights = list(weights)
    if not all(type(w) is int for w in weights):
        weights = [Fraction(to_decimal(w)) for w in weights]
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if not weights or weight_sum == 0:
        raise ValueError("cannot split over weights that sum to zero")
    keys = list(range(len(weights))) if keys is None else list(keys)
    if len(keys) != len(weights):
        raise ValueError("one key per weight is required")
    sign = -1 if total_units < 0 else 1
    magnitude = abs(total_units)
    parts = []
    remainders = []
    for weight in weights:
        part, remainder = divmod(magnitude * weight, weight_sum)
        parts.append(int(part))
        remainders.append(remainder)
    left_over = magnitude - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], keys[i]))
    for i in order[:left_over]:
        parts[i] += 1
    return [sign * p for p in parts]


def allocate(amount, weights, digits: int = 2, keys=None) -> list:
    """Split ``amount`` over ``weights`` into amounts rounded to ``digits`` that add up
    exactly to ``amount`` rounded to ``digits``."""
    units = split_units(to_units(amount, digits), weights, keys)
    return [from_units(u, digits) for u in units]

"""Small builders for engine tests (plain data, no database)."""

from decimal import Decimal

import pandas as pd

from ..core.engine import COST_COLUMNS


def cost_rows(*rows):
    """Engine cost rows from dicts; missing dimensions are empty, amounts given in cents."""
    return pd.DataFrame(list(rows)).reindex(columns=list(COST_COLUMNS))


def pool_cost(pool, cents, analytic=0, **dims):
    return dict(pool=pool, analytic=analytic, cents=cents, **dims)


def direct_cost(analytic, cents, **dims):
    return dict(pool=0, analytic=analytic, cents=cents, **dims)


def unallocated_cost(cents, **dims):
    return dict(pool=0, analytic=0, cents=cents, **dims)


def bu(ident):
    return ("a", ident)


def pool(ident):
    return ("p", ident)


def values(by_receiver):
    """Driver values or percentages as exact decimals."""
    return {k: Decimal(str(v)) for k, v in by_receiver.items()}


def totals(result):
    """{receiver id: cents} of the business units in a result."""
    return {rid: cents for (kind, rid), cents in result.receiver_totals().items() if kind == "analytic"}

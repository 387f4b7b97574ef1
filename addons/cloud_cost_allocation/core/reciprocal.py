"""Reciprocal allocation between service pools: the exact linear solution, rounded to cents.

Pools ``0..k-1`` of a reciprocal group serve each other. ``shares[i][j]`` is the share of
pool ``i``'s cost that goes to pool ``j`` of the group and ``outside[i]`` the share that
leaves the group (to business units or to later pools). With ``P`` the pools' own cost,
the reciprocal (fully loaded) cost ``T`` solves ``T = P + shares^T T``. Every pool
``i`` then sends ``T[i] * shares[i][j]`` to pool ``j`` and ``T[i] * outside[i]`` out of
the group, and the group sends out exactly ``sum(P)``.

Rounding: the flows form a network whose node balances are integers (each pool's own
cost in cents). Such a network always has an integer flow with every edge rounded down
or up from its exact value (its constraint matrix is totally unimodular), so the flows
are rounded to cents with each pool still credited exactly its cost plus what it
received, and the group sending out exactly its own cost.
"""

from collections import deque
from math import ceil, floor

import numpy as np


class ReciprocalError(ValueError):
    """The reciprocal system has no unique solution (pools that only serve each other)."""


def closed_pools(shares, outside):
    """Indexes of the pools from which no cost ever leaves the group."""
    k = len(outside)
    escapes = [outside[i] > 0 for i in range(k)]
    changed = True
    while changed:
        changed = False
        for i in range(k):
            if not escapes[i] and any(shares[i][j] > 0 and escapes[j] for j in range(k)):
                escapes[i] = True
                changed = True
    return [i for i in range(k) if not escapes[i]]


def solve(primaries, shares, outside):
    """The reciprocal cost ``T`` of each pool (floats, exact up to the solver's precision)."""
    closed = closed_pools(shares, outside)
    if closed:
        raise ReciprocalError(closed)
    matrix = np.eye(len(primaries)) - np.asarray(shares, dtype=float).T
    try:
        return np.linalg.solve(matrix, np.asarray(primaries, dtype=float))
    except np.linalg.LinAlgError as error:  # pragma: no cover - closed_pools catches the singular cases
        raise ReciprocalError(list(range(len(primaries)))) from error


def iterate(primaries, shares, outside, tolerance=1e-9, max_rounds=1_000_000):
    """The repeated-distribution method (SAP's iterative cycle), for comparison.

    Every round each pool sends what it holds along its shares; what goes outside the
    group stays outside. Returns (T, what left the group from each pool, rounds).
    """
    shares = np.asarray(shares, dtype=float)
    outside = np.asarray(outside, dtype=float)
    holding = np.asarray(primaries, dtype=float)
    total = np.zeros_like(holding)
    left = np.zeros_like(holding)
    rounds = 0
    while np.abs(holding).max(initial=0.0) > tolerance:
        rounds += 1
        if rounds > max_rounds:
            raise ReciprocalError(list(range(len(holding))))
        total += holding
        left += holding * outside
        holding = holding @ shares
    return total, left, rounds


def round_flows(primaries, shares, outside, totals):
    """Integer flows from the exact solution ``totals``.

    Returns (internal, out): ``internal[i][j]`` cents pool i sends to pool j, ``out[i]``
    cents pool i sends out of the group, with for every pool
    ``sum(internal[i]) + out[i] == primaries[i] + sum(internal[x][i] for x)``.
    """
    k = len(primaries)
    sink = k
    # the solver's floats are exact to about 1e-15 of the largest amount: bounds are widened by
    # a little more than that, so each flow still rounds to within a cent of its exact value
    scale = max(1.0, float(np.abs(np.asarray(totals, dtype=float)).max(initial=0.0)))
    tolerance = max(1e-7, 1e-12 * scale)
    edges = []  # [tail, head, lower, upper]
    for i in range(k):
        targets = [(j, float(totals[i]) * shares[i][j]) for j in range(k) if j != i and shares[i][j] > 0]
        if outside[i] > 0:
            targets.append((sink, float(totals[i]) * outside[i]))
        for j, value in targets:
            lower, upper = floor(value - tolerance), ceil(value + tolerance)
            if value >= 0:
                lower = max(lower, 0)
            else:
                upper = min(upper, 0)
            edges.append([i, j, lower, upper])
    flow = [edge[2] for edge in edges]
    excess = [int(p) for p in primaries] + [-sum(int(p) for p in primaries)]
    for (tail, head, _lower, _upper), value in zip(edges, flow, strict=False):
        excess[tail] -= value
        excess[head] += value
    adjacency = [[] for _ in range(k + 1)]
    for index, (tail, head, _lower, _upper) in enumerate(edges):
        adjacency[tail].append((index, +1, head))
        adjacency[head].append((index, -1, tail))
    while True:
        sources = [node for node in range(k + 1) if excess[node] > 0]
        if not sources:
            break
        path = _augmenting_path(sources, excess, adjacency, edges, flow)
        if path is None:  # pragma: no cover - cannot happen for a solvable system
            raise ReciprocalError(list(range(k)))
        start, end, steps = path
        amount = min(excess[start], -excess[end])
        for index, direction in steps:
            tail, head, lower, upper = edges[index]
            room = upper - flow[index] if direction > 0 else flow[index] - lower
            amount = min(amount, room)
        for index, direction in steps:
            flow[index] += direction * amount
        excess[start] -= amount
        excess[end] += amount
    internal = [[0] * k for _ in range(k)]
    out = [0] * k
    for (tail, head, _lower, _upper), value in zip(edges, flow, strict=False):
        if head == sink:
            out[tail] = value
        else:
            internal[tail][head] = value
    return internal, out


def _augmenting_path(sources, excess, adjacency, edges, flow):
    """Breadth-first path in the residual network from a node with excess to one short."""
    previous = {source: None for source in sources}
    queue = deque(sources)
    while queue:
        node = queue.popleft()
        if excess[node] < 0:
            steps = []
            current = node
            while previous[current] is not None:
                index, direction, before = previous[current]
                steps.append((index, direction))
                current = before
            return current, node, steps
        for index, direction, other in adjacency[node]:
            if other in previous:
                continue
            _tail, _head, lower, upper = edges[index]
            room = upper - flow[index] if direction > 0 else flow[index] - lower
            if room > 0:
                previous[other] = (index, direction, node)
                queue.append(other)
    return None

"""Allocation engine: a month of cost, a policy of ordered steps, exact amounts out.

Input
    ``costs``: a DataFrame with one row per group of cost lines and the columns of
    ``COST_COLUMNS``: ``pool`` (cost pool id, 0 for none), ``analytic`` (business unit
    id, 0 for none), the showback dimensions and ``cents`` (int: the amount in the currency's
    smallest unit, ``Policy.digits`` decimal places; the name is historical). Rows with a pool are
    the pools' own (primary) cost; rows with a business unit and no pool are direct
    cost; rows with neither are unallocated. ``group_costs`` builds such a frame from
    cost lines.
    ``drivers``: {driver key: {receiver: value}} for the period.
    ``policy``: a ``Policy`` of ``Step``s.

Receivers are ``("a", id)`` for a business unit (analytic account) and ``("p", id)``
for a cost pool (step-down: a pool feeding later pools).

Output
    A ``Result`` with the allocation lines (a DataFrame of ``LINE_COLUMNS``), the
    balance of every sender pool (own cost, received, credited, kept) and the totals.
    Every step credits its sender with exactly the amount it holds, to the cent, and
    the final lines (receivers that are not pools) add up to the total cost taken.

Money is integers of the currency's smallest unit throughout (cents, yen, fils); splits use the
largest remainder method with the receivers as tie-break keys, so the order in which receivers are
given does not matter.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from ...cloud_cost.core.money import split_units, to_decimal
from . import methods as method_registry
from . import reciprocal
from .errors import AllocationError
from .rounding import cumulative_units, cumulative_units_scaled

DIMENSIONS = ("environment", "tenant", "tier", "service", "provider", "category")
COST_COLUMNS = ("pool", "analytic") + DIMENSIONS + ("cents",)
LINE_COLUMNS = (
    "step",
    "sequence",
    "sender",
    "receiver_kind",
    "receiver",
    "method",
    "line_type",
    "driver_value",
    "share",
    "unit_price",
    "cents",
) + DIMENSIONS

FALLBACKS = ("keep", "share", "receiver")
# FOCUS ServiceCategory values counted by "proportional to direct cost" restricted to a class.
CATEGORY_CLASSES = {
    "all": None,
    "compute": {"compute"},
    "storage": {"storage"},
    "network": {"networking", "network"},
}
KIND_NAMES = {"a": "analytic", "p": "pool"}
_MIXED = object()
_HUNDRED = Decimal(100)


@dataclass
class Step:
    """One step: a sender pool split over receivers by one method (a key of the method registry, ``methods``)."""

    key: int
    sender: int
    method: str
    sequence: int = 10
    name: str = ""
    receivers: tuple = ()  # explicit receivers; empty: the method's default receivers
    excluded: frozenset = frozenset()
    driver_key: object = None  # driver and tier methods
    category: str = "all"  # direct_cost: all, compute, storage, network
    percents: dict = field(default_factory=dict)  # fixed: {receiver: Decimal percent}
    unit_prices: dict = field(default_factory=dict)  # tier: {receiver: Decimal price per driver unit}
    remainder: tuple = None  # direct and tier: receiver of what is left; None keeps it in the pool
    reciprocal_group: str = ""
    options: dict = field(default_factory=dict)  # what a method of another addon reads beyond these fields

    @property
    def label(self):
        return f"step {self.sequence} ({self.name or self.method}, pool {self.sender})"

    def describe(self, names):
        if ("p", self.sender) in names:
            return f"step {self.sequence} ({self.name or self.method}, {names[('p', self.sender)]})"
        return self.label


@dataclass
class Policy:
    steps: list
    unallocated: str = "keep"  # keep | share | receiver
    unallocated_receiver: tuple = None
    idle: str = "keep"
    idle_receiver: tuple = None
    names: dict = field(default_factory=dict)  # {receiver: label} for messages
    digits: int = 2  # decimal places of the currency: amounts are integers of 10**-digits


@dataclass
class SenderBalance:
    """What a pool held and where it went: own + received == credited + kept."""

    pool: int
    own: int = 0
    received: int = 0
    credited: int = 0
    kept: int = 0
    upstream: set = field(default_factory=set)
    steps: list = field(default_factory=list)

    @property
    def total(self):
        return self.own + self.received

    @property
    def credited_percent(self):
        """Share of what the pool held that left it (SAP: sender credited 100%)."""
        if not self.total:
            return _HUNDRED
        return (Decimal(self.credited) * 100 / Decimal(self.total)).quantize(Decimal("0.01"))

    @property
    def balanced(self):
        return self.own + self.received == self.credited + self.kept


@dataclass
class Result:
    lines: pd.DataFrame
    senders: dict
    total: int
    direct: int
    unallocated: int
    idle: int
    digits: int = 2

    def final_lines(self):
        return self.lines[self.lines["receiver_kind"] != "pool"]

    def receiver_totals(self):
        """{(receiver_kind, receiver id): cents} over the final lines."""
        final = self.final_lines()
        grouped = final.groupby(["receiver_kind", "receiver"], sort=True)["cents"].sum()
        return {key: int(value) for key, value in grouped.items()}

    @property
    def allocated(self):
        """Cents that reached a business unit by direct cost or by the policy's steps
        (not by the unallocated and idle fallbacks)."""
        final = self.final_lines()
        mask = (final["receiver_kind"] == "analytic") & final["line_type"].isin(("direct", "allocation", "remainder"))
        return int(final.loc[mask, "cents"].sum())

    def check(self):
        """The invariants every run must keep; raises AssertionError when one breaks."""
        final_sum = int(self.final_lines()["cents"].sum())
        assert final_sum == self.total, f"final lines {final_sum} != total {self.total}"
        for balance in self.senders.values():
            assert balance.balanced, f"pool {balance.pool} is not balanced: {balance}"


# ------------------------------------------------------------------------------ input helpers
def group_costs(lines, amount_column="amount", scale=None, digits=2):
    """Group cost lines into the engine's cost rows, rounded exactly to the smallest unit of a
    currency of ``digits`` decimal places.

    ``lines``: a DataFrame with ``pool``, ``analytic``, the dimensions and an amount
    column. With ``scale`` the amounts are integers in 1/``scale`` of that unit (e.g.
    micro-units: scale 10,000 per cent), summed in int64 and rounded vectorised; without
    it they are exact decimals (Decimal or str).
    The groups are rounded by cumulative rounding in the order of their keys, so they
    add up to the rounded total of all lines.
    """
    keys = list(COST_COLUMNS[:-1])
    frame = normalise_keys(lines.loc[:, keys + [amount_column]])
    if scale:
        grouped = frame.groupby(keys, sort=True, observed=True)[amount_column].sum().reset_index()
        grouped["cents"] = cumulative_units_scaled(grouped[amount_column].to_numpy(), scale)
    else:
        frame[amount_column] = frame[amount_column].map(to_decimal)
        grouped = frame.groupby(keys, sort=True, observed=True)[amount_column].sum().reset_index()
        grouped["cents"] = cumulative_units(grouped[amount_column], digits)
    costs = grouped.loc[:, list(COST_COLUMNS)]
    costs.attrs["normalised"] = True
    return costs


def normalise_keys(frame):
    """Empty dimensions as "" (texts) and 0 (ids), so that groups and sorting are stable."""
    frame = frame.copy()
    for column in ("pool", "analytic", "tier"):
        if column in frame:
            frame[column] = frame[column].fillna(0).astype("int64")
    for column in ("environment", "tenant", "service", "provider", "category"):
        if column in frame:
            frame[column] = frame[column].fillna("").astype(str)
    return frame


def scaled_integers(values):
    """Exact non-negative decimals as integers of one common scale (for split_units)."""
    decimals = [to_decimal(v) for v in values]
    places = max([max(-d.as_tuple().exponent, 0) for d in decimals if d.is_finite()] or [0])
    return [int(d.scaleb(places)) for d in decimals]


def receiver_label(receiver, names=None):
    if names and tuple(receiver) in names:
        return names[tuple(receiver)]
    kind, ident = receiver
    return f"{KIND_NAMES.get(kind, kind)} {ident}"


# ------------------------------------------------------------------------------ the engine
class _Run:
    def __init__(self, costs, policy, drivers):
        self.policy = policy
        self.drivers = drivers or {}
        if not getattr(costs, "attrs", {}).get("normalised"):
            costs = normalise_keys(pd.DataFrame(costs, columns=list(COST_COLUMNS)))
        costs = costs.assign(cents=costs["cents"].astype("int64"))
        self.costs = costs
        self.lines = []
        has_pool = costs["pool"] != 0
        has_bu = costs["analytic"] != 0
        self.pool_rows = costs[has_pool]
        self.direct_rows = costs[~has_pool & has_bu]
        self.unallocated_rows = costs[~has_pool & ~has_bu]
        self.balances = defaultdict(int)
        self.senders = {}
        for pool_id, cents in self.pool_rows.groupby("pool")["cents"].sum().items():
            self.balances[int(pool_id)] = int(cents)
            self._sender(int(pool_id)).own = int(cents)
        self.profiles = self._pool_profiles()
        self.last_step = {}
        ordered = sorted(policy.steps, key=lambda s: (s.sequence, s.key))
        for position, step in enumerate(ordered):
            if not method_registry.is_registered(step.method):
                raise AllocationError(f"{self.describe(step)}: unknown method {step.method!r}")
            self.last_step[step.sender] = position
        self.ordered = ordered
        self.position = -1
        self._direct_costs = {}

    # -- bookkeeping
    def name(self, receiver):
        return receiver_label(receiver, self.policy.names)

    def describe(self, step):
        return step.describe(self.policy.names)

    def _sender(self, pool_id):
        if pool_id not in self.senders:
            self.senders[pool_id] = SenderBalance(pool_id)
        return self.senders[pool_id]

    def _pool_profiles(self):
        profiles = {}
        rows = self.pool_rows
        if rows.empty:
            return profiles
        grouped = rows.groupby("pool")
        counts = grouped[list(DIMENSIONS)].nunique()
        firsts = grouped[list(DIMENSIONS)].first()
        for pool_id in counts.index:
            profiles[int(pool_id)] = {
                dim: (firsts.at[pool_id, dim] if counts.at[pool_id, dim] == 1 else _MIXED) for dim in DIMENSIONS
            }
        return profiles

    def _dimensions(self, pool_id):
        profile = self.profiles.get(pool_id) or {}
        values = {}
        for dim in DIMENSIONS:
            value = profile.get(dim, _MIXED)
            values[dim] = (0 if dim == "tier" else "") if value is _MIXED else value
        return values

    def _merge_profile(self, target, source):
        incoming = self.profiles.get(source)
        if incoming is None:
            return
        current = self.profiles.get(target)
        if current is None:
            self.profiles[target] = dict(incoming)
            return
        for dim in DIMENSIONS:
            if current[dim] is not _MIXED and current[dim] != incoming[dim]:
                current[dim] = _MIXED

    def _add_line(
        self, step, receiver, cents, line_type, driver_value=None, share=None, unit_price=None, dims=None, sender=None
    ):
        kind = "none" if receiver is None else KIND_NAMES[receiver[0]]
        sender = step.sender if sender is None else sender
        dims = dims if dims is not None else self._dimensions(sender)
        self.lines.append(
            (
                step.key if step else 0,
                step.sequence if step else 0,
                sender,
                kind,
                0 if receiver is None else receiver[1],
                step.method if step else line_type,
                line_type,
                driver_value,
                share,
                unit_price,
                int(cents),
            )
            + tuple(dims[dim] for dim in DIMENSIONS)
        )

    def _credit(self, step, receiver, cents, line_type, **values):
        """Move cents from the step's sender to a receiver, with one allocation line."""
        if not cents:
            return
        sender = self._sender(step.sender)
        sender.credited += cents
        self.balances[step.sender] -= cents
        if receiver[0] == "p":
            self._receive(step, receiver[1], cents)
        self._add_line(step, receiver, cents, line_type, **values)

    def _receive(self, step, pool_id, cents):
        last = self.last_step.get(pool_id)
        if last is None or last < self.position:
            where = "after its last step" if last is not None else "but has no step of its own"
            raise AllocationError(
                f"{self.describe(step)} sends cost to {self.name(('p', pool_id))}, which receives {where}: "
                "the cost would stay in the pool. Order the steps so that a pool is allocated after it has received, "
                "or put the pools in one reciprocal group."
            )
        target = self._sender(pool_id)
        target.received += cents
        target.upstream |= {step.sender} | self._sender(step.sender).upstream
        self.balances[pool_id] += cents
        self._merge_profile(pool_id, step.sender)

    # -- receivers and weights
    def _direct_cost(self, category):
        """({business unit: cents}, {pool: cents}) of own cost, all or of one service category class."""
        if category in self._direct_costs:
            return self._direct_costs[category]
        wanted = CATEGORY_CLASSES.get(category, False)
        if wanted is False:
            raise AllocationError(f"unknown service category class {category!r}")

        def totals(rows, column):
            if wanted is not None:
                values = rows["category"].unique()
                rows = rows[rows["category"].isin([v for v in values if str(v).strip().lower() in wanted])]
            return {int(k): int(v) for k, v in rows.groupby(column)["cents"].sum().items()}

        self._direct_costs[category] = (totals(self.direct_rows, "analytic"), totals(self.pool_rows, "pool"))
        return self._direct_costs[category]

    def _receivers(self, step):
        receivers = step.receivers or method_registry.get(step.method).default_receivers(self, step)
        excluded = set(step.excluded) | {("p", step.sender)}
        return sorted({tuple(r) for r in receivers} - excluded)

    def _weights(self, step, receivers):
        """(exact weights as shown, integer weights for the split) of the step's method."""
        shown = method_registry.get(step.method).weights(self, step, receivers)
        if any(w < 0 for w in shown):
            raise AllocationError(f"{self.describe(step)}: negative weights cannot split a cost")
        return shown, scaled_integers(shown)

    # -- methods
    def run(self):
        done_groups = set()
        for position, step in enumerate(self.ordered):
            self.position = position
            if step.reciprocal_group:
                if step.reciprocal_group not in done_groups:
                    done_groups.add(step.reciprocal_group)
                    group = [s for s in self.ordered if s.reciprocal_group == step.reciprocal_group]
                    self._reciprocal(group)
                continue
            self._sender(step.sender).steps.append(step.key)
            method_registry.get(step.method).allocate(self, step)
        return self._finish()

    def _split(self, step, receivers, shown, weights, amount, line_type="allocation", weight_sum=None):
        total_weight = sum(weights)
        if not amount:
            return
        if not receivers or not total_weight:
            raise AllocationError(
                f"{self.describe(step)}: no receiver has a weight to split "
                f"{Decimal(amount).scaleb(-self.policy.digits)} by "
                "(no driver values, direct cost or percentages for this period?)"
            )
        parts = split_units(amount, weights, keys=receivers)
        weight_sum = sum(shown) if weight_sum is None else weight_sum
        for receiver, part, value in zip(receivers, parts, shown, strict=False):
            share = (value / weight_sum).quantize(Decimal("1e-12")) if weight_sum else None
            self._credit(step, receiver, part, line_type, driver_value=value, share=share)

    def _remainder(self, step):
        left = self.balances[step.sender]
        if left and step.remainder is not None:
            self._credit(step, tuple(step.remainder), left, "remainder")

    # what a method (``methods.AllocationMethod``) may call on the run
    dimension_names = DIMENSIONS
    direct_cost = _direct_cost
    receivers = _receivers
    weights = _weights
    split = _split
    credit = _credit
    remainder = _remainder
    sender = _sender

    def _reciprocal(self, group):
        label = group[0].reciprocal_group
        pools = sorted(s.sender for s in group)
        if len(set(pools)) != len(pools):
            raise AllocationError(f"reciprocal group {label}: a pool has more than one step in the group")
        by_pool = {s.sender: s for s in group}
        index = {pool_id: i for i, pool_id in enumerate(pools)}
        size = len(pools)
        shares = [[0.0] * size for _ in range(size)]
        outside = [0.0] * size
        external = {}
        shown_sums = {}
        for pool_id in pools:
            step = by_pool[pool_id]
            if not method_registry.get(step.method).reciprocal:
                methods = ", ".join(method_registry.reciprocal_keys())
                raise AllocationError(f"{self.describe(step)}: a reciprocal group splits by weights ({methods})")
            self._sender(pool_id).steps.append(step.key)
            receivers = self._receivers(step)
            shown, weights = self._weights(step, receivers)
            total_weight = sum(weights)
            shown_sums[pool_id] = sum(shown)
            if not total_weight:
                raise AllocationError(f"{self.describe(step)}: no receiver has a weight in reciprocal group {label}")
            i = index[pool_id]
            outside_receivers = []
            for receiver, value, weight in zip(receivers, shown, weights, strict=False):
                if receiver[0] == "p" and receiver[1] in index:
                    shares[i][index[receiver[1]]] += weight / total_weight
                elif weight:
                    outside_receivers.append((receiver, value, weight))
                    outside[i] += weight / total_weight
            external[pool_id] = outside_receivers
        primaries = [self.balances[p] for p in pools]
        try:
            totals = reciprocal.solve(primaries, shares, outside)
        except reciprocal.ReciprocalError as error:
            names = ", ".join(self.name(("p", pools[i])) for i in error.args[0])
            raise AllocationError(
                f"reciprocal group {label} has no solution: {names} only send cost to each other, "
                "so it never reaches a receiver outside the group"
            ) from error
        internal, out = reciprocal.round_flows(primaries, shares, outside, totals)
        for pool_id in pools:
            i = index[pool_id]
            step = by_pool[pool_id]
            for j, target in enumerate(pools):
                cents = internal[i][j]
                if cents:
                    # inside the group: recorded both ways, settled by the solution
                    sender = self._sender(pool_id)
                    sender.credited += cents
                    receiver = self._sender(target)
                    receiver.received += cents
                    receiver.upstream |= {pool_id}
                    self._merge_profile(target, pool_id)
                    self._add_line(
                        step,
                        ("p", target),
                        cents,
                        "allocation",
                        share=Decimal(repr(shares[i][j])).quantize(Decimal("1e-12")),
                    )
            self.balances[pool_id] = out[i]
        for pool_id in pools:
            sender = self._sender(pool_id)
            sender.upstream |= set(pools) - {pool_id}
        for pool_id in pools:
            step = by_pool[pool_id]
            receivers = [r[0] for r in external[pool_id]]
            shown = [r[1] for r in external[pool_id]]
            weights = [r[2] for r in external[pool_id]]
            self._split(step, receivers, shown, weights, self.balances[pool_id], weight_sum=shown_sums[pool_id])

    # -- unallocated and idle
    def _finish(self):
        direct = self.direct_rows
        direct_lines = pd.DataFrame(
            {
                "step": 0,
                "sequence": 0,
                "sender": 0,
                "receiver_kind": "analytic",
                "receiver": direct["analytic"].to_numpy(),
                "method": "direct",
                "line_type": "direct",
                "driver_value": None,
                "share": None,
                "unit_price": None,
                "cents": direct["cents"].to_numpy(),
                **{dim: direct[dim].to_numpy() for dim in DIMENSIONS},
            },
            columns=list(LINE_COLUMNS),
        )
        step_lines = pd.DataFrame(self.lines, columns=list(LINE_COLUMNS))
        self.lines = []
        # what reached business units so far weighs the proportional fallbacks
        weights = defaultdict(int)
        for frame in (direct_lines, step_lines):
            bu = frame[frame["receiver_kind"] == "analytic"]
            for receiver, cents in bu.groupby("receiver")["cents"].sum().items():
                weights[("a", int(receiver))] += int(cents)
        fallback_receivers = sorted(r for r, c in weights.items() if c > 0)
        fallback_weights = [weights[r] for r in fallback_receivers]

        unallocated = int(self.unallocated_rows["cents"].sum())
        self._fallback(
            "unallocated",
            self.policy.unallocated,
            self.policy.unallocated_receiver,
            unallocated,
            0,
            fallback_receivers,
            fallback_weights,
            keep_rows=self.unallocated_rows,
        )
        idle = 0
        for pool_id in sorted(self.balances):
            left = self.balances[pool_id]
            if not left:
                continue
            idle += left
            self._fallback(
                "idle", self.policy.idle, self.policy.idle_receiver, left, pool_id, fallback_receivers, fallback_weights
            )
            self.balances[pool_id] = 0
        fallback_lines = pd.DataFrame(self.lines, columns=list(LINE_COLUMNS))
        frames = [f for f in (direct_lines, step_lines, fallback_lines) if not f.empty]
        lines = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(LINE_COLUMNS))
        lines["cents"] = lines["cents"].astype("int64")
        return Result(
            lines=lines,
            senders=self.senders,
            total=int(self.costs["cents"].sum()),
            direct=int(direct["cents"].sum()),
            unallocated=unallocated,
            idle=idle,
            digits=self.policy.digits,
        )

    def _fallback(self, line_type, how, receiver, amount, pool_id, receivers, weights, keep_rows=None):
        if not amount:
            return
        if how not in FALLBACKS:
            raise AllocationError(f"unknown {line_type} policy {how!r}")
        if how == "share" and not receivers:
            how = "keep"  # nobody to share with: keep it visible
        if how == "receiver" and receiver is None:
            raise AllocationError(f"the {line_type} policy charges a default receiver, but none is set")
        balance = self._sender(pool_id) if pool_id else None
        pseudo = Step(key=0, sender=pool_id, method=line_type, sequence=0)
        if how == "keep":
            if balance:
                balance.kept += amount
            if keep_rows is not None:
                for values in keep_rows.itertuples(index=False):
                    dims = {dim: getattr(values, dim) for dim in DIMENSIONS}
                    self._add_line(pseudo, None, int(values.cents), line_type, dims=dims, sender=0)
            else:
                self._add_line(pseudo, None, amount, line_type)
            return
        if balance:
            balance.credited += amount
        if how == "receiver":
            self._add_line(pseudo, tuple(receiver), amount, line_type)
            return
        parts = split_units(amount, weights, keys=receivers)
        total_weight = sum(weights)
        for target, part, weight in zip(receivers, parts, weights, strict=False):
            if part:
                share = (Decimal(weight) / Decimal(total_weight)).quantize(Decimal("1e-12"))
                self._add_line(
                    pseudo,
                    target,
                    part,
                    line_type,
                    share=share,
                    driver_value=Decimal(weight).scaleb(-self.policy.digits),
                )


def allocate(costs, policy, drivers=None):
    """Apply ``policy`` to ``costs`` (see the module docstring); returns a ``Result``."""
    return _Run(costs, policy, drivers).run()

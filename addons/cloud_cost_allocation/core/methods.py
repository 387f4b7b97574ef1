"""Allocation methods: one registered class per method, read by the engine and by the step model.

A method is everything the suite knows about one way of splitting a pool:

- ``key`` and ``label``: the value of the step's ``method`` selection and its name;
- what a step of it is configured with (``uses_driver``, ``uses_fixed_shares``, ...), which the step form
  shows and hides by, and ``validate``: the problems of a step's configuration, read from the same plain
  data the run's snapshot freezes (``rule``: the step's ``_snapshot()``);
- ``engine_options``: what the policy reads for it beyond the step's fields (the tier's rate card prices),
  handed to the engine as ``Step.options``; ``snapshot``: that data as the run's rules record it (part of
  the fingerprint and of the seal);
- in the engine: ``default_receivers`` when the step lists none, ``weights`` for the methods that split by
  weight (and may then sit in a reciprocal group), or ``allocate`` for any other computation.

Another addon adds a method with one class decorated by ``register`` and a ``selection_add`` of its key on
``cloud.cost.allocation.step.method`` (see docs/DEVELOP.md). The registry is plain Python and shared by the
whole process; which methods a database offers is its step selection, so an addon installed in one database
only adds its method there.
"""

from decimal import Decimal

from ...cloud_cost.core.money import split_units, to_decimal, to_units
from .errors import AllocationError

_REGISTRY = {}
_HUNDRED = Decimal(100)


def register(cls):
    """Class decorator: register an allocation method (a later class of the same key replaces it)."""
    if not cls.key or not cls.label:
        raise ValueError(f"allocation method {cls.__name__} needs a key and a label")
    _REGISTRY[cls.key] = cls()
    return cls


def get(key):
    """The registered method of ``key``; AllocationError when none is."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise AllocationError(f"unknown method {key!r}") from None


def is_registered(key):
    return key in _REGISTRY


def methods():
    """The registered methods in selection order."""
    return sorted(_REGISTRY.values(), key=lambda method: (method.sequence, method.key))


def reciprocal_keys():
    """Keys of the methods a reciprocal group can solve (those that split by weights)."""
    return [method.key for method in methods() if method.reciprocal]


def selection(methods_=None):
    """[(key, label)] for a selection field."""
    return [(method.key, method.label) for method in (methods_ or methods())]


class AllocationMethod:
    """Base of the allocation methods. Subclasses set ``key`` and ``label`` and either ``weights`` (split the
    sender's balance by weight, largest remainder, exact to the smallest unit) or ``allocate``."""

    key = None
    label = None
    sequence = 100
    # what a step of this method is configured with: the step form shows these fields only
    uses_driver = False  # an allocation key whose values the method reads (required)
    uses_category = False  # a FOCUS service category class
    uses_base_price = False  # a price per driver unit for receivers without a tier rate
    uses_fixed_shares = False  # percentages per receiver
    uses_receivers = True  # receivers may be listed (empty: the method's default receivers)
    uses_exclusions = True  # receivers may be excluded
    uses_remainder = False  # where what the method does not place goes
    # splits by weights: may be solved with other pools in a reciprocal group
    reciprocal = False

    # -- configuration (the step model)
    def validate(self, rule):
        """Problems of a step's configuration as English sentences. ``rule``: the step's snapshot (plain data:
        ``key``, ``percents`` as [kind, id, percent text], ``reciprocal_group``, ...)."""
        problems = []
        if self.uses_driver and not rule.get("key"):
            problems.append("choose the allocation key whose values split the pool.")
        if rule.get("reciprocal_group") and not self.reciprocal:
            problems.append(
                "a reciprocal group takes only the methods that split by weights: "
                + ", ".join(label_of(key) for key in reciprocal_keys())
                + "."
            )
        return problems

    def rule_snapshot(self, step):
        """Extra configuration of the method kept in the step's snapshot (``step``: the step record); the suite's
        own methods keep none beyond the step's common fields."""
        return {}

    # -- the policy's reads
    def engine_options(self, policy, step, receivers, drivers, period):
        """What the method reads beyond the step's own fields, for the engine: {name: value}, a name of a field
        of the engine's ``Step`` filling it, any other kept in ``Step.options``. ``policy`` and ``step`` are the
        records; ``receivers`` the step's explicit receivers; ``drivers`` the period's driver values; ``period``
        (first day, last day) of the run. Called by the policy's ``_prepare_method_options``."""
        return {}

    def snapshot(self, step):
        """{section: data} of the engine step's options as the run's rules keep them (``step``: engine Step)."""
        return {}

    # -- the engine
    def default_receivers(self, run, step):
        by_bu, _by_pool = run.direct_cost("all")
        return sorted(("a", bu) for bu, cents in by_bu.items() if cents)

    def weights(self, run, step, receivers):
        """Exact non-negative weights (Decimal), one per receiver, as the allocation lines show them."""
        raise AllocationError(f"{run.describe(step)}: method {step.method!r} does not split by weights")

    def allocate(self, run, step):
        """Split the sender's balance over the receivers by ``weights``."""
        receivers = run.receivers(step)
        shown, weights = run.weights(step, receivers)
        run.split(step, receivers, shown, weights, run.balances[step.sender])


def label_of(key):
    return _REGISTRY[key].label.lower() if key in _REGISTRY else key


# ------------------------------------------------------------------------------ the suite's methods
class DirectMethod(AllocationMethod):
    """Each of the pool's own cost groups to the business unit on the cost lines."""

    key = "direct"
    label = "Direct attribution"
    sequence = 10
    uses_receivers = False
    uses_remainder = True

    def allocate(self, run, step):
        sender = run.sender(step.sender)
        if len(sender.steps) > 1:
            raise AllocationError(f"{run.describe(step)}: direct attribution must be the pool's first step")
        rows = run.pool_rows[(run.pool_rows["pool"] == step.sender) & (run.pool_rows["analytic"] != 0)]
        allowed = set(step.receivers) if step.receivers else None
        for values in rows.itertuples(index=False):
            receiver = ("a", int(values.analytic))
            if receiver in step.excluded or (allowed is not None and receiver not in allowed):
                continue
            dims = {dim: getattr(values, dim) for dim in run.dimension_names}
            run.credit(step, receiver, int(values.cents), "allocation", dims=dims)
        run.remainder(step)


class DriverMethod(AllocationMethod):
    key = "driver"
    label = "Proportional to a driver"
    sequence = 20
    uses_driver = True
    reciprocal = True

    def default_receivers(self, run, step):
        return sorted(run.drivers.get(step.driver_key, {}))

    def weights(self, run, step, receivers):
        values = run.drivers.get(step.driver_key, {})
        return [to_decimal(values.get(r, 0)) for r in receivers]


class EvenMethod(AllocationMethod):
    key = "even"
    label = "Even split"
    sequence = 30
    reciprocal = True

    def weights(self, run, step, receivers):
        return [Decimal(1)] * len(receivers)


class FixedMethod(AllocationMethod):
    key = "fixed"
    label = "Fixed percentages"
    sequence = 40
    uses_fixed_shares = True
    uses_receivers = False
    uses_exclusions = False
    reciprocal = True

    def validate(self, rule):
        problems = super().validate(rule)
        total = sum((Decimal(percent) for *_receiver, percent in rule.get("percents") or []), Decimal(0))
        if total != _HUNDRED:
            problems.append(f"the percentages add up to {total} %, not 100 %.")
        return problems

    def default_receivers(self, run, step):
        return sorted(step.percents)

    def weights(self, run, step, receivers):
        total = Decimal(0)
        for receiver, percent in step.percents.items():
            percent = to_decimal(percent)
            if percent < 0 or percent != percent.quantize(Decimal("0.01")):
                raise AllocationError(
                    f"{run.describe(step)}: {percent} % for {run.name(receiver)} must be a non-negative "
                    "percentage with at most two decimals"
                )
            total += percent
        if total != _HUNDRED:
            raise AllocationError(f"{run.describe(step)}: the fixed percentages add up to {total} %, not 100 %")
        return [to_decimal(step.percents.get(r, 0)) for r in receivers]


class DirectCostMethod(AllocationMethod):
    key = "direct_cost"
    label = "Proportional to direct cost"
    sequence = 50
    uses_category = True
    reciprocal = True

    def default_receivers(self, run, step):
        by_bu, _by_pool = run.direct_cost(step.category)
        return sorted(("a", bu) for bu, cents in by_bu.items() if cents > 0)

    def weights(self, run, step, receivers):
        by_bu, by_pool = run.direct_cost(step.category)
        cents = [by_bu.get(r[1], 0) if r[0] == "a" else by_pool.get(r[1], 0) for r in receivers]
        return [Decimal(max(c, 0)).scaleb(-run.policy.digits) for c in cents]


class TierMethod(AllocationMethod):
    """Value-based: each receiver pays its driver units at its tier's price per unit."""

    key = "tier"
    label = "Value-based tier (rate card)"
    sequence = 60
    uses_driver = True
    uses_base_price = True
    uses_remainder = True

    def engine_options(self, policy, step, receivers, drivers, period):
        candidates = set(receivers) or set(drivers.get(step.key_id.id, {}))
        return {"unit_prices": policy._unit_prices(step, sorted(candidates))}

    def snapshot(self, step):
        prices = step.unit_prices
        if not prices:
            return {}
        return {"unit_prices": sorted([kind, ident, str(price)] for (kind, ident), price in prices.items())}

    def default_receivers(self, run, step):
        return sorted(run.drivers.get(step.driver_key, {}))

    def allocate(self, run, step):
        receivers = run.receivers(step)
        units = run.drivers.get(step.driver_key, {})
        charges = []
        for receiver in receivers:
            if receiver not in step.unit_prices:
                raise AllocationError(f"{run.describe(step)}: no rate card price for {run.name(receiver)}")
            price = to_decimal(step.unit_prices[receiver])
            quantity = to_decimal(units.get(receiver, 0))
            if price < 0 or quantity < 0:
                raise AllocationError(f"{run.describe(step)}: prices and driver units cannot be negative")
            charges.append((receiver, quantity, price, to_units(quantity * price)))
        balance = run.balances[step.sender]
        wanted = sum(c[3] for c in charges)
        if wanted > balance:
            # The rate card asks for more than the pool holds: nobody pays more than the cost.
            parts = (
                split_units(balance, [c[3] for c in charges], keys=receivers)
                if balance > 0 and wanted
                else [0 for _c in charges]
            )
        else:
            parts = [c[3] for c in charges]
        for (receiver, quantity, price, _charge), part in zip(charges, parts, strict=False):
            share = (Decimal(part) / Decimal(balance)).quantize(Decimal("1e-12")) if balance else None
            run.credit(step, receiver, part, "allocation", driver_value=quantity, share=share, unit_price=price)
        run.remainder(step)


BUILTIN = (DirectMethod, DriverMethod, EvenMethod, FixedMethod, DirectCostMethod, TierMethod)
for _method in BUILTIN:
    register(_method)

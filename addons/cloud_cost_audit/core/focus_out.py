"""An allocation run's result as FOCUS 1.3 cost rows: each original charge split per receiver.

Plain data in, plain rows out (no database):

``origins``: which part of which cost line is behind each final allocation line. A pool holds its own
cost lines whole and the parts of other pools' cost lines its earlier receipts carried; each of its
lines, in the order the engine made them, takes the line's amount over what the pool still holds of
every part (direct attribution takes its cost lines whole). Lines without a sender pool (direct cost,
unallocated cost) take the cost lines the audit trace finds behind them. A reciprocal group is one
holding. What no line took (a pool whose cost nets to zero) is the charge's unallocated portion.

``split_charge``: one charge's cost columns split by those parts into one row per receiver, each
column by the largest remainder method in the smallest unit of the currency or of the value, whichever
is finer, so that the rows of a charge add up exactly to it, column by column.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

# FOCUS 1.3 Cost and Usage columns written, in this order
COLUMNS = (
    "AllocatedMethodDetails",
    "AllocatedMethodId",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    # custom columns (FOCUS: prefixed x_): the bill row each row comes from, as the audit trace names it
    "x_CostLineId",
    "x_SourceFile",
    "x_SourceRow",
)
# split over the rows of a charge; everything else is the charge's own value on each of its rows
SPLIT_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "PricingCurrencyEffectiveCost",
    "PricingQuantity",
    "ConsumedQuantity",
)
DECIMAL_COLUMNS = SPLIT_COLUMNS + (
    "CommitmentDiscountQuantity",
    "ContractedUnitPrice",
    "ListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyListUnitPrice",
)
DATETIME_COLUMNS = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
JSON_COLUMNS = ("AllocatedMethodDetails", "AllocatedTags", "SkuPriceDetails", "Tags")
SERVICE_CATEGORIES = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)
# data generator-defined tags of the receiver (FOCUS: prefixed by the generator's own key prefix)
TAG_PREFIX = "cloudcost/"
RATIO_PLACES = 12


@dataclass(frozen=True)
class Line:
    """An allocation line as stored: ``receiver`` ("a", id), ("p", id) or None (kept visible)."""

    id: int
    sender: int  # pool id; 0 for direct and unallocated cost
    receiver: tuple | None
    amount: Decimal
    method: str
    line_type: str
    order: tuple = (0, 0)  # (step sequence, step id): the engine's order of steps
    group: str = ""  # reciprocal group of the line's step
    cost_ids: frozenset = frozenset()  # the trace's cost lines: lines without sender, direct attribution


@dataclass
class Part:
    """The part of one cost line that one final allocation line carries."""

    line: Line
    fraction: Fraction


class _Holding:
    def __init__(self):
        self.parts = {}  # cost line id -> Fraction of it held
        self.balance = Decimal(0)  # what the pool holds, as the engine counted it

    def take(self, amount):
        """The parts ``amount`` takes out of the holding, proportionally."""
        if not self.balance or not self.parts:
            self.balance -= amount
            return {}
        ratio = Fraction(amount) / Fraction(self.balance)
        taken = {cost: part * ratio for cost, part in self.parts.items() if part}
        self.parts = {cost: part - taken.get(cost, 0) for cost, part in self.parts.items()}
        self.balance -= amount
        return taken

    def take_whole(self, cost_ids, amount):
        taken = {cost: self.parts[cost] for cost in cost_ids if self.parts.get(cost)}
        for cost in taken:
            self.parts[cost] = Fraction(0)
        self.balance -= amount
        return taken

    def receive(self, parts, amount):
        for cost, part in parts.items():
            self.parts[cost] = self.parts.get(cost, Fraction(0)) + part
        self.balance += amount


def origins(lines, pool_costs, pool_totals):
    """{cost line id: [Part]}: the parts of each cost line carried by the final lines.

    ``lines``: every allocation line of the run (pool lines included); ``pool_costs``: {pool id: cost line
    ids of its own}; ``pool_totals``: {pool id: own cost as the engine counted it}. The parts of a cost
    line add up to one where its cost went somewhere; what remains is returned under the line None."""
    holder = _holders(lines)
    own = {pool: frozenset(costs) for pool, costs in pool_costs.items()}
    holdings = {}
    for pool, costs in pool_costs.items():
        holdings.setdefault(holder(pool), _Holding()).receive({cost: Fraction(1) for cost in costs}, Decimal(0))
    for pool, total in pool_totals.items():
        holdings.setdefault(holder(pool), _Holding()).balance += Decimal(total)
    result = {}

    def carry(line, parts):
        if line.receiver is not None and line.receiver[0] == "p":
            holdings.setdefault(holder(line.receiver[1]), _Holding()).receive(parts, line.amount)
            return
        for cost, fraction in parts.items():
            if fraction:
                result.setdefault(cost, []).append(Part(line, fraction))

    _sender_less(lines, carry)
    for line in _in_engine_order([line for line in lines if line.sender]):
        source = holdings.setdefault(holder(line.sender), _Holding())
        if line.receiver is not None and line.receiver[0] == "p" and holder(line.receiver[1]) == holder(line.sender):
            continue  # within a reciprocal group: one holding
        if line.method == "direct" and line.line_type == "allocation":
            # the engine attributes the pool's own cost lines only, not what it received
            carry(line, source.take_whole(line.cost_ids & own.get(line.sender, frozenset()), line.amount))
        else:
            carry(line, source.take(line.amount))
    # what no line took: the unallocated portion of those charges
    for holding in holdings.values():
        for cost, fraction in holding.parts.items():
            if fraction:
                result.setdefault(cost, []).append(Part(None, fraction))
    return result


def _holders(lines):
    """The holding of a pool: its own, or its reciprocal group's."""
    holder_of = {}
    for line in lines:
        if line.group:
            holder_of[line.sender] = f"g:{line.group}"
    return lambda pool: holder_of.get(pool, pool)


def _in_engine_order(lines):
    """Steps by sequence and id, a reciprocal group at its first step, the idle fallbacks last."""
    first_of_group = {}
    for line in lines:
        if line.group:
            first_of_group[line.group] = min(first_of_group.get(line.group, line.order), line.order)

    def key(line):
        order = first_of_group[line.group] if line.group else line.order
        return (line.line_type in ("idle", "unallocated"), order, line.id)

    return sorted(lines, key=key)


def _sender_less(lines, carry):
    """Direct and unallocated cost: each cost line goes to the most specific of the lines that the trace
    finds it behind (the fewest cost lines), and the lines of one set of cost lines share it by amount."""
    sets = {}
    for line in lines:
        if not line.sender:
            sets.setdefault(line.cost_ids, []).append(line)
    owner = {}
    for cost_ids in sorted(sets, key=len):
        for cost in cost_ids:
            owner.setdefault(cost, cost_ids)
    for cost_ids, group in sets.items():
        mine = [cost for cost in cost_ids if owner[cost] == cost_ids]
        total = sum((line.amount for line in group), Decimal(0))
        for line in group:
            share = Fraction(line.amount) / Fraction(total) if total else Fraction(1, len(group))
            carry(line, {cost: share for cost in mine})


# ------------------------------------------------------------------------------ splitting one charge
def split_exact(value, fractions, digits):
    """``value`` (exact decimal text or Decimal) split by ``fractions`` (summing to one) into decimals that add up
    exactly to it: the largest remainder method in units of 10**-max(digits, the value's own places); ties go
    to the first parts."""
    value = Decimal(value)
    places = max(digits, -value.as_tuple().exponent if value.is_finite() else 0, 0)
    units = int(value.scaleb(places))
    sign = -1 if units < 0 else 1
    magnitude = abs(units)
    quotas = [magnitude * Fraction(f) for f in fractions]
    parts = [int(q) for q in quotas]  # floor: quotas are not negative
    left = magnitude - sum(parts)
    order = sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(sign * p).scaleb(-places) for p in parts]


def ratios(fractions):
    """The fractions as decimals of RATIO_PLACES places that add up to exactly one."""
    return split_exact(Decimal(1).quantize(Decimal(1).scaleb(-RATIO_PLACES)), fractions, RATIO_PLACES)


@dataclass
class Receiver:
    """A receiver of a split: the business unit, as FOCUS shows the resource a cost is allocated to."""

    id: str
    name: str
    tags: dict = field(default_factory=dict)


def method_details(ratio, parts, units, run_name):
    """AllocatedMethodDetails: one element with the row's ratio of the charge, and the driver's unit and
    quantity where one allocation key made it; the allocation lines behind it as x_ properties."""
    element = {"AllocatedRatio": ratio}
    keyed = {(units.get(part.line.id) or (None, None)) for part in parts}
    if len(keyed) == 1:
        unit, quantity = next(iter(keyed))
        if unit and quantity is not None:
            element.update(UsageUnit=unit, UsageQuantity=Decimal(quantity))
    lines = sorted({part.line.id for part in parts if part.line})
    details = {"Elements": [element], "x_AllocationRun": run_name, "x_AllocationLineIds": lines}
    return dumps(details)


def method_id(policy_code, parts):
    methods = sorted({part.line.method for part in parts if part.line} or {"unallocated"})
    return f"{policy_code}/{'+'.join(methods)}"


def split_charge(charge, parts, receivers, digits, policy_code, run_name, units=None):
    """The FOCUS rows of one charge. ``charge``: {FOCUS column: value} of the original row; ``parts``: its
    [Part] (from ``origins``); ``receivers``: {receiver: Receiver}; ``digits``: the billing currency's decimal
    places; ``units``: {allocation line id: (driver unit, driver value)}. A charge no allocation split (all of
    it kept, unallocated) is one row as it came, with no allocation columns."""
    by_receiver = {}
    for part in parts:
        receiver = part.line.receiver if part.line else None
        if receiver is not None and receiver[0] != "a":
            receiver = None
        by_receiver.setdefault(receiver, []).append(part)
    if not by_receiver or (
        list(by_receiver) == [None]
        and all(part.line is None or part.line.method in ("unallocated", "idle") for part in parts)
    ):
        return [dict(charge)]
    keys = sorted(by_receiver, key=lambda r: (r is None, r or ()))
    fractions = [sum((part.fraction for part in by_receiver[key]), Fraction(0)) for key in keys]
    total = sum(fractions, Fraction(0))
    fractions = [f / total for f in fractions]
    splits = {
        column: split_exact(charge[column], fractions, digits if "Cost" in column else 0)
        for column in SPLIT_COLUMNS
        if charge.get(column) not in (None, "")
    }
    rows = []
    for index, (key, ratio) in enumerate(zip(keys, ratios(fractions), strict=True)):
        row = dict(charge)
        for column, values in splits.items():
            row[column] = values[index]
        row["AllocatedMethodId"] = method_id(policy_code, by_receiver[key])
        row["AllocatedMethodDetails"] = method_details(ratio, by_receiver[key], units or {}, run_name)
        if key is None:  # the unallocated portion of the charge: no resource it went to
            row["AllocatedResourceId"] = row["AllocatedResourceName"] = row["AllocatedTags"] = None
        else:
            receiver = receivers[key]
            own = json.loads(charge["Tags"]) if charge.get("Tags") else {}
            row["AllocatedResourceId"] = receiver.id
            row["AllocatedResourceName"] = receiver.name
            row["AllocatedTags"] = dumps({k: v for k, v in receiver.tags.items() if k not in own}) or None
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------ values as FOCUS writes them
def dumps(value):
    """Compact JSON (keys sorted) with decimals as exact numbers; None for an empty object."""
    if value in ({}, None):
        return None
    return _encode(value)


def _encode(value):
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_encode(v)}" for k, v in sorted(value.items()))
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _plain(value):
    text = format(value, "f")
    return "0" if text in ("-0", "") else text


def trim(value, places=0):
    """An exact decimal without trailing zeros beyond ``places`` decimal places (1.000000000000 -> 1.0 for one)."""
    value = Decimal(value).normalize()
    if -value.as_tuple().exponent < places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return value


def timestamp(value):
    """ISO 8601 in UTC with a Z, as FOCUS writes date-times."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return datetime(value.year, value.month, value.day).strftime("%Y-%m-%dT%H:%M:%SZ")


def period_end(start, end):
    """FOCUS periods end exclusively: a last day kept inclusively becomes the next day's start."""
    if end is None:
        return None
    if isinstance(end, datetime):
        return end
    if end.day == 1 and (start is None or end > start):
        return end
    return end + timedelta(days=1)


def service_category(value):
    canonical = {name.lower(): name for name in SERVICE_CATEGORIES}
    return canonical.get((value or "").strip().lower(), "Other")


def charge_frequency(category):
    return "Usage-Based" if category == "Usage" else "One-Time"


def as_text(row):
    """A row's values as CSV text: decimals plain, date-times ISO 8601, empty for null."""
    out = {}
    for column in COLUMNS:
        value = row.get(column)
        if value is None:
            out[column] = ""
        elif isinstance(value, Decimal):
            out[column] = _plain(value)
        elif isinstance(value, datetime | date):
            out[column] = timestamp(value)
        else:
            out[column] = str(value)
    return out


def parquet(rows):
    """The rows as Parquet bytes: decimals as decimal128 of the column's largest scale, date-times as UTC
    timestamps, JSON and text as strings."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    arrays, fields = [], []
    for column in COLUMNS:
        values = [row.get(column) for row in rows]
        if column in DECIMAL_COLUMNS:
            values = [None if v in (None, "") else Decimal(v) for v in values]
            scale = max([-v.as_tuple().exponent for v in values if v is not None] + [0])
            scale = min(max(scale, 0), 18)
            quantum = Decimal(1).scaleb(-scale)
            kind = pa.decimal128(38, scale)
            arrays.append(pa.array([None if v is None else v.quantize(quantum) for v in values], type=kind))
        elif column in DATETIME_COLUMNS:
            kind = pa.timestamp("ms", tz="UTC")  # Parquet keeps no coarser unit
            arrays.append(pa.array([_as_datetime(v) for v in values], type=kind))
        else:
            kind = pa.string()
            arrays.append(pa.array([None if v in (None, "") else str(v) for v in values], type=kind))
        fields.append(pa.field(column, kind))
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), buffer)
    return buffer.getvalue().to_pybytes()


def _as_datetime(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)

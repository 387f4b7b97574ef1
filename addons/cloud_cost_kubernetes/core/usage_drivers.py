"""Driver values per receiver from cluster usage rows (plain data, no ORM).

What each measure counts, per usage row (a receiver's rows summed over the period):

- cpu_core_hours: max(CPU request average, CPU usage average) x hours, OpenCost's rule: a
  workload pays for what it reserves, or for what it uses beyond its reservation;
- memory_gib_hours: max(RAM request average, RAM usage average) x hours / 2^30;
- pv_gib_hours: persistent volume byte-hours / 2^30;
- gpu_hours: GPU hours;
- network_gb: bytes sent and received / 10^9;
- cost_weighted: the row's total cost as OpenCost prices it, a blend of every resource
  weighted by its price (CPU, memory, GPU, volumes, network, load balancers, shared);
- compute_cost: CPU + memory + GPU cost, the blend of the compute resources alone.

The averages OpenCost reports for an aggregate are its workloads' averages summed over the
aggregate's minutes, so ``average x hours`` is the aggregate's requested (or used) core-hours:
the max is taken at the grain the source reads (namespace, controller, pod or label value).

Idle rows (``__idle__``) have neither request nor usage: they count the core-hours, byte-hours
and cost reported for them. They are never a receiver's: they are returned apart, so that a
policy shares idle capacity out (no idle receiver) or shows it as a receiver of its own.
Rows no mapping rule gave a receiver are returned apart too, as unassigned.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
GIB = Decimal(2**30)
GB = Decimal(10**9)
HOUR = Decimal(60)
PLACES = Decimal("0.000001")
MEASURES = (
    "cpu_core_hours",
    "memory_gib_hours",
    "pv_gib_hours",
    "gpu_hours",
    "network_gb",
    "cost_weighted",
    "compute_cost",
)


def row_measures(values, is_idle=False):
    """{measure: Decimal} of one usage row; ``values`` maps usage value names to Decimals."""

    def get(name):
        return values.get(name) or ZERO

    if is_idle:  # idle capacity has no request nor usage: its hours are what nobody took
        cpu, memory = get("cpu_core_hours"), get("ram_byte_hours") / GIB
    else:
        hours = get("minutes") / HOUR
        cpu = max(get("cpu_request_avg"), get("cpu_usage_avg")) * hours
        memory = max(get("ram_request_avg"), get("ram_usage_avg")) * hours / GIB
    return {
        "cpu_core_hours": cpu,
        "memory_gib_hours": memory,
        "pv_gib_hours": get("pv_byte_hours") / GIB,
        "gpu_hours": get("gpu_hours"),
        "network_gb": (get("network_transfer_bytes") + get("network_receive_bytes")) / GB,
        "cost_weighted": get("total_cost"),
        "compute_cost": get("cpu_cost") + get("ram_cost") + get("gpu_cost"),
    }


def _rounded(value):
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


class DriverTotals:
    """One measure over a period: per receiver, idle and unassigned (rounded to 6 places)."""

    __slots__ = ("receivers", "idle", "unassigned")

    def __init__(self, receivers, idle, unassigned):
        self.receivers, self.idle, self.unassigned = receivers, idle, unassigned

    def positive(self):
        """Receivers with a value above zero: those a driver value is written for."""
        return {receiver: value for receiver, value in sorted(self.receivers.items()) if value > 0}

    def __repr__(self):
        return f"DriverTotals({self.receivers!r}, idle={self.idle}, unassigned={self.unassigned})"


def drivers_by_receiver(rows):
    """rows: iterable of (receiver or None, is_idle, values). Returns {measure: DriverTotals}."""
    receivers = defaultdict(lambda: defaultdict(lambda: ZERO))
    idle = defaultdict(lambda: ZERO)
    unassigned = defaultdict(lambda: ZERO)
    for receiver, is_idle, values in rows:
        for measure, value in row_measures(values, is_idle).items():
            if is_idle:
                idle[measure] += value
            elif receiver is None:
                unassigned[measure] += value
            else:
                receivers[measure][receiver] += value
    return {
        measure: DriverTotals(
            {r: _rounded(v) for r, v in receivers[measure].items()},
            _rounded(idle[measure]),
            _rounded(unassigned[measure]),
        )
        for measure in MEASURES
    }

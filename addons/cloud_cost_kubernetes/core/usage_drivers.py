"""Driver values per receiver from cluster usage rows (plain data, no ORM).

What each measure counts, per row (a receiver's rows summed over the period):
- cpu_core_hours: max(CPU request average, CPU usage average) x hours, OpenCost's rule: a
  workload pays for what it reserves, or for what it uses beyond its reservation;
- memory_gib_hours: max(RAM request average, RAM usage average) x hours / 2^30;
- pv_gib_hours: persistent volume byte-hours / 2^30;
- gpu_hours: GPU hours;
- network_gb: bytes sent and received / 10^9;
- cost_weighted: the row's total cost as OpenCost prices it (a blend of all resources).
Idle rows (``__idle__``) count their core-hours and byte-hours as reported, and are never a receiver's: they are returned apart, so that a policy
can share idle or keep it visible.
"""

from collections import defaultdict

GIB = 2**30
MEASURES = ("cpu_core_hours", "memory_gib_hours", "pv_gib_hours", "gpu_hours", "network_gb", "cost_weighted")


def row_measures(values, network_bytes, is_idle=False):
    hours = values.get("minutes", 0.0) / 60.0
    if is_idle:  # idle capacity has no request nor usage: its hours are what nobody took
        cpu, memory = values.get("cpu_core_hours", 0.0), values.get("ram_byte_hours", 0.0) / GIB
    else:
        cpu = max(values.get("cpu_request_avg", 0.0), values.get("cpu_usage_avg", 0.0)) * hours
        memory = max(values.get("ram_request_avg", 0.0), values.get("ram_usage_avg", 0.0)) * hours / GIB
    return {
        "cpu_core_hours": cpu,
        "memory_gib_hours": memory,
        "pv_gib_hours": values.get("pv_byte_hours", 0.0) / GIB,
        "gpu_hours": values.get("gpu_hours", 0.0),
        "network_gb": network_bytes / 1e9,
        "cost_weighted": values.get("total_cost", 0.0),
    }


def drivers_by_receiver(rows):
    """rows: iterable of (receiver or None, is_idle, values, network_bytes).

    Returns ({measure: {receiver: value}}, {measure: idle value}, {measure: unassigned value}).
    """
    drivers = defaultdict(lambda: defaultdict(float))
    idle = defaultdict(float)
    unassigned = defaultdict(float)
    for receiver, is_idle, values, network_bytes in rows:
        for measure, value in row_measures(values, network_bytes, is_idle).items():
            if is_idle:
                idle[measure] += value
            elif receiver is None:
                unassigned[measure] += value
            else:
                drivers[measure][receiver] += value
    return ({m: {r: round(v, 6) for r, v in per.items()} for m, per in drivers.items()},
            {m: round(v, 6) for m, v in idle.items()}, {m: round(v, 6) for m, v in unassigned.items()})

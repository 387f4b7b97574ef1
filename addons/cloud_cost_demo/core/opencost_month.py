"""A month of the shared cluster's usage as OpenCost's daily CSV export, the same every time.

Namespaces of the three business units run on the shared cluster (the regulated tenant has a
cluster of its own); the platform's own namespaces and idle capacity are there too. Some days
a namespace uses more than it requested: it pays for its usage then (OpenCost's rule).
"""

import csv
import io
import random
from datetime import timedelta

from odoo.addons.cloud_cost.core import periods

GIB = 2**30
COLUMNS = (
    "Date",
    "Namespace",
    "Minutes",
    "CPUCoreRequestAverage",
    "CPUCoreUsageAverage",
    "CPUCoreHours",
    "RAMBytesRequestAverage",
    "RAMBytesUsageAverage",
    "RAMByteHours",
    "PVByteHours",
    "NetworkTransferBytes",
    "NetworkReceiveBytes",
    "CPUCost",
    "RAMCost",
    "PVCost",
    "NetworkCost",
    "TotalCost",
)
# namespace -> (CPU cores requested, memory GiB requested, PV GiB)
NAMESPACES = {
    "retail-prod": (7.0, 28.0, 400),
    "wholesale-prod": (4.2, 16.0, 250),
    "services-prod": (2.6, 10.0, 120),
    "platform-system": (1.5, 6.0, 50),
}
CORE_HOUR, GIB_HOUR, PV_GIB_HOUR = 0.031, 0.0042, 0.00014


def _row(day, namespace, cpu_request, cpu_usage, ram_request, ram_usage, pv_gib, network):
    hours = 24.0
    cpu_hours = max(cpu_request, cpu_usage) * hours
    ram_hours = max(ram_request, ram_usage) * hours
    cpu_cost, ram_cost = cpu_hours * CORE_HOUR, ram_hours / GIB * GIB_HOUR
    pv_cost = pv_gib * hours * PV_GIB_HOUR
    network_cost = network / 1e9 * 0.01
    return {
        "Date": day.isoformat(),
        "Namespace": namespace,
        "Minutes": "1440",
        "CPUCoreRequestAverage": f"{cpu_request:.4f}",
        "CPUCoreUsageAverage": f"{cpu_usage:.4f}",
        "CPUCoreHours": f"{cpu_hours:.4f}",
        "RAMBytesRequestAverage": f"{ram_request:.0f}",
        "RAMBytesUsageAverage": f"{ram_usage:.0f}",
        "RAMByteHours": f"{ram_hours:.0f}",
        "PVByteHours": f"{pv_gib * GIB * hours:.0f}",
        "NetworkTransferBytes": f"{network * 0.6:.0f}",
        "NetworkReceiveBytes": f"{network * 0.4:.0f}",
        "CPUCost": f"{cpu_cost:.6f}",
        "RAMCost": f"{ram_cost:.6f}",
        "PVCost": f"{pv_cost:.6f}",
        "NetworkCost": f"{network_cost:.6f}",
        "TotalCost": f"{cpu_cost + ram_cost + pv_cost + network_cost:.6f}",
    }


def generate_usage_month(month_start):
    """Rows of OpenCost's daily CSV export for every day of the month."""
    rng = random.Random(f"opencost-{month_start:%Y-%m}")
    rows = []
    days = (periods.next_month_start(month_start) - month_start).days
    for index in range(days):
        day = month_start + timedelta(days=index)
        used_cores = used_ram = 0.0
        for namespace, (cores, ram_gib, pv_gib) in NAMESPACES.items():
            usage = cores * rng.uniform(0.78, 1.12)  # some days above the request
            ram_usage = ram_gib * GIB * rng.uniform(0.85, 1.08)
            used_cores += max(cores, usage)
            used_ram += max(ram_gib * GIB, ram_usage)
            rows.append(
                _row(day, namespace, cores, usage, ram_gib * GIB, ram_usage, pv_gib, rng.uniform(2e9, 9e9) * cores / 7)
            )
        idle_cores, idle_ram = max(24.0 - used_cores, 0.0), max(96 * GIB - used_ram, 0.0)
        idle = _row(day, "__idle__", 0.0, 0.0, 0.0, 0.0, 0, 0)
        idle.update(
            {
                "CPUCoreHours": f"{idle_cores * 24:.4f}",
                "RAMByteHours": f"{idle_ram * 24:.0f}",
                "CPUCost": f"{idle_cores * 24 * CORE_HOUR:.6f}",
                "TotalCost": f"{idle_cores * 24 * CORE_HOUR:.6f}",
            }
        )
        rows.append(idle)
    return rows


def to_csv(rows):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()

"""OpenCost / Kubecost allocation data: one day window at a time, parsed into usage rows.

The parsing is plain Python; the HTTP client is a thin layer over requests with retries
and backoff. A day either comes back whole or raises UsageError: nothing partial.
"""

import csv
import io
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

IDLE = "__idle__"
API_PATHS = {"opencost": "/allocation", "kubecost": "/model/allocation"}
# usage row field -> allocation JSON field
NUMBERS = {
    "minutes": "minutes",
    "cpu_core_hours": "cpuCoreHours",
    "cpu_request_avg": "cpuCoreRequestAverage",
    "cpu_usage_avg": "cpuCoreUsageAverage",
    "ram_byte_hours": "ramByteHours",
    "ram_request_avg": "ramByteRequestAverage",
    "ram_usage_avg": "ramByteUsageAverage",
    "gpu_hours": "gpuHours",
    "pv_byte_hours": "pvByteHours",
    "cpu_cost": "cpuCost",
    "ram_cost": "ramCost",
    "gpu_cost": "gpuCost",
    "pv_cost": "pvCost",
    "network_cost": "networkCost",
    "total_cost": "totalCost",
}


class UsageError(Exception):
    """A day that cannot be imported: the message says what and where."""


@dataclass
class UsageRow:
    day: date
    name: str
    is_idle: bool
    namespace: str = ""
    labels: dict = field(default_factory=dict)
    network_bytes: float = 0.0
    values: dict = field(default_factory=dict)  # NUMBERS keys -> float


def day_window(day):
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    return f"{start:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ}"


def query_params(kind, day, aggregate):
    params = {"window": day_window(day), "aggregate": aggregate, "accumulate": "true"}
    params["includeIdle" if kind == "opencost" else "idle"] = "true"
    return params


def _number(allocation, key, where):
    value = allocation.get(key, 0) or 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: {key} is not a number ({value!r})")
    if value != value or value < 0:  # NaN or negative
        raise UsageError(f"{where}: {key} is {value!r}")
    return float(value)


def parse_allocation(payload, day, *, origin="response"):
    """Usage rows of one day from an /allocation response (bytes, text or decoded JSON)."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError as error:
            raise UsageError(f"{origin}: not JSON ({error})") from None
    if not isinstance(payload, dict) or "data" not in payload:
        raise UsageError(f"{origin}: no 'data' in the response")
    if payload.get("code", 200) != 200:
        raise UsageError(f"{origin}: the API answered code {payload.get('code')}: {payload.get('message', '')}")
    sets = payload["data"] or []
    if not isinstance(sets, list) or any(not isinstance(s, dict) for s in sets):
        raise UsageError(f"{origin}: 'data' is not a list of allocation sets")
    if len(sets) > 1:
        raise UsageError(f"{origin}: {len(sets)} allocation sets for one day (expected one, accumulated)")
    wanted_start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    rows = []
    for name, allocation in (sets[0] if sets else {}).items():
        where = f"{origin}, {day}, {name}"
        if not isinstance(allocation, dict):
            raise UsageError(f"{where}: not an allocation object")
        _check_window(allocation, wanted_start, where)
        properties = allocation.get("properties") or {}
        labels = properties.get("labels") or {}
        values = {field_name: _number(allocation, key, where) for field_name, key in NUMBERS.items()}
        network = _number(allocation, "networkTransferBytes", where) + _number(allocation, "networkReceiveBytes", where)
        rows.append(UsageRow(day=day, name=name, is_idle=name == IDLE or name.endswith("/" + IDLE),
                             namespace=properties.get("namespace") or "", labels=dict(labels),
                             network_bytes=network, values=values))
    return rows


def _check_window(allocation, wanted_start, where):
    """An allocation must cover the day asked for: a partial window is refused."""
    start, end = allocation.get("start"), allocation.get("end")
    window = allocation.get("window") or {}
    start, end = start or window.get("start"), end or window.get("end")
    if not (start and end):
        return
    try:
        first = datetime.fromisoformat(start.replace("Z", "+00:00"))
        last = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: unreadable window {start!r} - {end!r}") from None
    if first < wanted_start or last > wanted_start + timedelta(days=1) or last <= first:
        raise UsageError(f"{where}: window {start} - {end} is not within the day")


def fetch_day(session, base_url, kind, day, aggregate, *, headers=None, verify=True, timeout=30.0, attempts=3,
              backoff=1.0, sleep=time.sleep):
    """Usage rows of ``day`` from the API; retries HTTP errors, timeouts and bad bodies with backoff."""
    import requests  # noqa: PLC0415

    url = base_url.rstrip("/") + API_PATHS[kind]
    params = query_params(kind, day, aggregate)
    error = None
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            response = session.get(url, params=params, headers=headers or {}, verify=verify, timeout=timeout)
        except requests.Timeout:
            error = UsageError(f"{url}: no answer within {timeout:g} s for {day}")
            continue
        except requests.RequestException as exc:
            error = UsageError(f"{url}: {exc.__class__.__name__}: {exc}")
            continue
        if response.status_code != 200:
            error = UsageError(f"{url}: HTTP {response.status_code} for {day}: {response.text[:200]}")
            continue
        try:
            return parse_allocation(response.content, day, origin=url)
        except UsageError as exc:
            error = exc
    raise UsageError(f"{error} (after {attempts} attempts)")


CSV_COLUMNS = {
    "cpu_core_hours": "CPUCoreHours",
    "cpu_request_avg": "CPUCoreRequestAverage",
    "cpu_usage_avg": "CPUCoreUsageAverage",
    "ram_byte_hours": "RAMByteHours",
    "ram_request_avg": "RAMBytesRequestAverage",
    "ram_usage_avg": "RAMBytesUsageAverage",
    "gpu_hours": "GPUHours",
    "pv_byte_hours": "PVByteHours",
    "cpu_cost": "CPUCost",
    "ram_cost": "RAMCost",
    "gpu_cost": "GPUCost",
    "pv_cost": "PVCost",
    "network_cost": "NetworkCost",
    "total_cost": "TotalCost",
    "minutes": "Minutes",
}


def parse_daily_csv(data, file_name):
    """Usage rows of an OpenCost daily CSV export: Date, Namespace (or Name), then the measures.

    Missing measure columns count as zero; a bad number or date names file, row and column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{file_name}: not UTF-8 text ({error.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    name_column = "Namespace" if "Namespace" in header else "Name" if "Name" in header else None
    if "Date" not in header or not name_column:
        raise UsageError(f"{file_name}: the header needs Date and Namespace (or Name) columns")
    rows = []
    for number, record in enumerate(reader, start=1):
        try:
            day = date.fromisoformat((record["Date"] or "")[:10])
        except ValueError:
            raise UsageError(f"{file_name}, row {number}, column Date: not a date ({record['Date']!r})") from None
        values = {}
        for field_name, column in CSV_COLUMNS.items():
            raw = (record.get(column) or "0").strip() or "0"
            try:
                value = float(raw)
            except ValueError:
                raise UsageError(f"{file_name}, row {number}, column {column}: not a number ({raw!r})") from None
            if value < 0 or value != value:
                raise UsageError(f"{file_name}, row {number}, column {column}: {raw} is not allowed")
            values[field_name] = value
        network = 0.0
        for column in ("NetworkTransferBytes", "NetworkReceiveBytes"):
            raw = (record.get(column) or "0").strip() or "0"
            try:
                network += float(raw)
            except ValueError:
                raise UsageError(f"{file_name}, row {number}, column {column}: not a number ({raw!r})") from None
        name = (record[name_column] or "").strip()
        rows.append(UsageRow(day=day, name=name, is_idle=name == IDLE, namespace=name if name_column == "Namespace"
                             else "", network_bytes=network, values=values))
    return rows

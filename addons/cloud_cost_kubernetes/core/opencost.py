"""OpenCost / Kubecost allocation data: one day window at a time, parsed into usage rows.

The parsing is plain Python; the HTTP client is a thin layer over requests with retries
and backoff. A day either comes back whole or raises UsageError: nothing partial.

Numbers are read as ``Decimal`` (JSON and CSV alike), so that what is stored is what the
API or the file said, to the digit.
"""

import csv
import io
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from http import HTTPStatus

from odoo.addons.cloud_cost.core.outbound import TargetRefused, describe_request_error

IDLE = "__idle__"
UNALLOCATED = "__unallocated__"
API_PATHS = {"opencost": "/allocation", "kubecost": "/model/allocation"}
ZERO = Decimal(0)
FULL_DAY = Decimal(1440)
HOUR = Decimal(60)
# usage row value -> allocation JSON field
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
    "network_transfer_bytes": "networkTransferBytes",
    "network_receive_bytes": "networkReceiveBytes",
    "cpu_cost": "cpuCost",
    "ram_cost": "ramCost",
    "gpu_cost": "gpuCost",
    "pv_cost": "pvCost",
    "network_cost": "networkCost",
    "total_cost": "totalCost",
}
VALUES = tuple(NUMBERS)
COSTS = frozenset(name for name in VALUES if name.endswith("_cost"))  # may be negative (credits)
# statuses worth another call: the server is busy or broken for a while
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def _phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unknown status"


class UsageError(Exception):
    """A day that cannot be imported: the message says what and where."""


@dataclass
class UsageRow:
    day: date
    name: str
    is_idle: bool = False
    namespace: str = ""
    labels: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # VALUES -> Decimal

    def value(self, name):
        return self.values.get(name, ZERO)


def is_idle_name(name):
    """``__idle__``, or ``<cluster>/__idle__`` when idle is reported per cluster or node."""
    return name == IDLE or name.endswith("/" + IDLE)


def day_bounds(day):
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def day_window(day):
    start, end = day_bounds(day)
    return f"{start:%Y-%m-%dT%H:%M:%SZ},{end:%Y-%m-%dT%H:%M:%SZ}"


def query_params(kind, day, aggregate):
    """One accumulated set for the day, idle as its own allocation and not shared out."""
    params = {"window": day_window(day), "aggregate": aggregate, "accumulate": "true"}
    if kind == "opencost":
        params.update(includeIdle="true", shareIdle="false")
    else:
        params.update(idle="true", shareIdle="false")
    return params


# ---------------------------------------------------------------------------- API responses
def _number(allocation, key, where, negative=False):
    value = allocation.get(key)
    if value is None:  # OpenCost answers null for a value it could not compute (NaN, infinity)
        return ZERO
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise UsageError(f"{where}: {key} is not a number")  # what it is instead is not repeated
    if not value.is_finite() or (value < 0 and not negative):
        raise UsageError(f"{where}: {key} is {value}")
    return value


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _timestamp(text, where):
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: unreadable time") from None


def _check_window(allocation, day, where):
    """The allocation must be of the whole day asked for: a partial window is refused."""
    first, last = day_bounds(day)
    window = allocation.get("window") or {}
    if window.get("start") and window.get("end"):
        start, end = _timestamp(window["start"], where), _timestamp(window["end"], where)
        if (start, end) != (first, last):
            raise UsageError(
                f"{where}: window {_stamp(start)} - {_stamp(end)} is not the whole day " f"(partial window)"
            )
    start, end = allocation.get("start"), allocation.get("end")
    if start and end:
        running_from, running_to = _timestamp(start, where), _timestamp(end, where)
        if running_from < first or running_to > last or running_to < running_from:
            raise UsageError(f"{where}: runs {_stamp(running_from)} - {_stamp(running_to)}, outside the day")


def _stamp(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment.tzinfo else moment.isoformat()


def parse_allocation(payload, day, *, origin="response"):
    """Usage rows of one day from an /allocation response (bytes, text or decoded JSON).

    The response is ``{"code": 200, "data": [{name: allocation, ...}]}``: one set, since the
    call asks for one accumulated day.
    """
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload, parse_float=Decimal, parse_int=Decimal, parse_constant=_refuse_constant)
        except ValueError as error:
            raise UsageError(f"{origin}: not JSON ({error})") from None
    if not isinstance(payload, dict) or "data" not in payload:
        raise UsageError(f"{origin}: no 'data' in the response")
    code = payload.get("code", 200)
    if code != 200:  # the API's message is not repeated, only its code when it is one
        shown = int(code) if isinstance(code, Decimal) and code == code.to_integral_value() else "other than 200"
        raise UsageError(f"{origin}: the API answered code {shown}")
    sets = payload["data"] or []
    if not isinstance(sets, list) or any(not isinstance(s, dict) for s in sets):
        raise UsageError(f"{origin}: 'data' is not a list of allocation sets")
    if len(sets) > 1:
        raise UsageError(f"{origin}: {len(sets)} allocation sets for one day (expected one, accumulated)")
    if not sets or not sets[0]:
        raise UsageError(f"{origin}: no allocation at all for {day}: no data for the day (yet)")
    rows = []
    for name, allocation in sets[0].items():
        where = f"{origin}, {day}, {name}"
        if not isinstance(allocation, dict):
            raise UsageError(f"{where}: not an allocation object")
        _check_window(allocation, day, where)
        properties = allocation.get("properties") or {}
        if not isinstance(properties, dict):
            raise UsageError(f"{where}: properties is not an object")
        labels = properties.get("labels") or {}
        values = {name_: _number(allocation, key, where, negative=name_ in COSTS) for name_, key in NUMBERS.items()}
        rows.append(
            UsageRow(
                day=day,
                name=name,
                is_idle=is_idle_name(name),
                namespace=str(properties.get("namespace") or ""),
                labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
                values=values,
            )
        )
    return rows


def fetch_day(
    session,
    base_url,
    kind,
    day,
    aggregate,
    *,
    headers=None,
    verify=True,
    timeout=30.0,
    attempts=3,
    backoff=1.0,
    sleep=time.sleep,
    now=None,
):
    """Usage rows of ``day`` from the API.

    Retries server errors, timeouts, broken connections and bad bodies, waiting ``backoff``
    seconds, then twice that, and so on. A client error (401, 403, 404...) is not retried.
    A day not over yet is refused without a call: its window would be partial. Redirects are
    not followed (they could lead the token elsewhere). A target the session refuses
    (core.outbound.TargetRefused) is not called. Messages give the status and a reason of
    our own, never the body or headers of the answer.
    """
    import requests  # noqa: PLC0415

    now = now or datetime.now(timezone.utc)
    if day_bounds(day)[1] > now:
        raise UsageError(f"{day} is not over yet (partial window): import it from the next day on")
    url = base_url.rstrip("/") + API_PATHS[kind]
    params = query_params(kind, day, aggregate)
    error = None
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            response = session.get(
                url, params=params, headers=headers or {}, verify=verify, timeout=timeout, allow_redirects=False
            )
        except TargetRefused as exc:
            raise UsageError(f"{exc} (not called)") from None
        except requests.Timeout:
            error = UsageError(f"{url}: no answer within {timeout:g} s for {day}")
            continue
        except requests.RequestException as exc:
            error = UsageError(f"{url}: {describe_request_error(exc)} for {day}")
            continue
        status = response.status_code
        if status != 200:
            response.close()  # the body is not read: it is not ours to show
            error = UsageError(f"{url}: HTTP {status} for {day} ({_phrase(status)})")
            if status in TRANSIENT_STATUS:
                continue
            raise UsageError(f"{error} (not retried)")
        try:
            return parse_allocation(response.content, day, origin=url)
        except UsageError as exc:
            error = exc
    raise UsageError(f"{error} (after {attempts} attempts)")


# ---------------------------------------------------------------------------- daily CSV export
# OpenCost's daily export: one row per container and day. Columns beyond these are ignored.
CSV_AVERAGES = {  # usage value -> column, averages over the row's minutes
    "cpu_request_avg": "CPUCoreRequestAverage",
    "cpu_usage_avg": "CPUCoreUsageAverage",
    "ram_request_avg": "RAMBytesRequestAverage",
    "ram_usage_avg": "RAMBytesUsageAverage",
}
CSV_SUMS = {  # usage value -> column, summed
    "network_transfer_bytes": "NetworkTransferBytes",
    "network_receive_bytes": "NetworkReceiveBytes",
    "cpu_cost": "CPUCost",
    "ram_cost": "RAMCost",
    "gpu_cost": "GPUCost",
    "pv_cost": "PVCost",
    "network_cost": "NetworkCost",
    "total_cost": "TotalCost",
}
# usage value -> (column of hours, column of an average count it is derived from when absent)
CSV_HOURS = {
    "gpu_hours": ("GPUHours", "GPUs"),
    "pv_byte_hours": ("PVByteHours", "PVBytes"),
    "cpu_core_hours": ("CPUCoreHours", None),  # absent: max(request, usage) x hours, OpenCost's allocation
    "ram_byte_hours": ("RAMByteHours", None),
}
CSV_COST_COLUMNS = frozenset(column for name, column in CSV_SUMS.items() if name in COSTS)
CSV_NUMBER_COLUMNS = (
    ["Minutes"]
    + list(CSV_AVERAGES.values())
    + list(CSV_SUMS.values())
    + [c for pair in CSV_HOURS.values() for c in pair if c]
)


def _csv_name(record, aggregate):
    """The aggregate a row of the export belongs to, named as the allocation API names it."""
    namespace = record.get("Namespace") or ""
    if is_idle_name(namespace):
        return namespace
    if aggregate == "controller":
        kind, name = record.get("ControllerKind") or "", record.get("ControllerName") or ""
        return f"{kind}:{name}" if name else UNALLOCATED
    if aggregate == "pod":
        return record.get("Pod") or UNALLOCATED
    return namespace or UNALLOCATED  # namespace, and label: the export carries no labels


def parse_daily_csv(data, file_name, aggregate="namespace"):
    """Usage rows of an OpenCost daily CSV export, summed per day and aggregate.

    The export has a row per container and day (Date, Namespace, ControllerKind, ControllerName,
    Pod, Container, CPUCoreUsageAverage, CPUCoreRequestAverage, RAMBytesUsageAverage,
    RAMBytesRequestAverage, NetworkReceiveBytes, NetworkTransferBytes, GPUs, PVBytes, CPUCost,
    RAMCost, NetworkCost, PVCost, GPUCost, TotalCost). Without a Minutes column a row counts the
    whole day. CPUCoreHours, RAMByteHours, GPUHours and PVByteHours are read when present,
    otherwise derived: max(request, usage), GPUs and PVBytes times the row's hours.

    A bad number or date refuses the whole file, naming file, row and column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{file_name}: not UTF-8 text ({error.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "Date" not in header or "Namespace" not in header:
        raise UsageError(f"{file_name}: the header needs Date and Namespace columns (OpenCost's daily export)")
    groups = {}
    for number, record in enumerate(reader, start=1):
        record = {k: (v or "").strip() for k, v in record.items() if k}
        try:
            day = date.fromisoformat(record["Date"][:10])
        except ValueError:
            raise UsageError(f"{file_name}, row {number}, column Date: not a date ({record['Date']!r})") from None
        group = groups.setdefault((day, _csv_name(record, aggregate)), _CsvGroup())
        group.add(record.get("Namespace") or "", _csv_numbers(record, f"{file_name}, row {number}"))
    return [group.row(day, name) for (day, name), group in sorted(groups.items())]


def _csv_numbers(record, where):
    """{column: Decimal} of the number columns a row of the export fills."""
    numbers = {}
    for column in CSV_NUMBER_COLUMNS:
        raw = record.get(column)
        if raw in (None, ""):
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise UsageError(f"{where}, column {column}: not a number ({raw!r})") from None
        if not value.is_finite() or (value < 0 and column not in CSV_COST_COLUMNS):
            raise UsageError(f"{where}, column {column}: {raw} is not allowed")
        numbers[column] = value
    return numbers


class _CsvGroup:
    """The export's rows of one day and aggregate, summed: averages weighted by their minutes."""

    def __init__(self):
        self.namespaces, self.minutes, self.sums = set(), ZERO, defaultdict(lambda: ZERO)

    def add(self, namespace, numbers):
        self.namespaces.add(namespace)
        minutes = numbers.get("Minutes", FULL_DAY)
        hours = minutes / HOUR
        self.minutes = max(self.minutes, minutes)
        sums = self.sums
        for value_name, column in CSV_AVERAGES.items():
            sums[value_name + "_minutes"] += numbers.get(column, ZERO) * minutes
        for value_name, column in CSV_SUMS.items():
            sums[value_name] += numbers.get(column, ZERO)
        for value_name, (column, count_column) in CSV_HOURS.items():
            if column in numbers:
                sums[value_name] += numbers[column]
            elif count_column:
                sums[value_name] += numbers.get(count_column, ZERO) * hours
        if "CPUCoreHours" not in numbers:
            sums["cpu_core_hours"] += (
                max(numbers.get("CPUCoreRequestAverage", ZERO), numbers.get("CPUCoreUsageAverage", ZERO)) * hours
            )
        if "RAMByteHours" not in numbers:
            sums["ram_byte_hours"] += (
                max(numbers.get("RAMBytesRequestAverage", ZERO), numbers.get("RAMBytesUsageAverage", ZERO)) * hours
            )

    def row(self, day, name):
        values = {value_name: self.sums[value_name] for value_name in VALUES if value_name not in CSV_AVERAGES}
        values["minutes"] = self.minutes
        for value_name in CSV_AVERAGES:
            values[value_name] = self.sums[value_name + "_minutes"] / self.minutes if self.minutes else ZERO
        namespaces = self.namespaces - {""}
        return UsageRow(
            day=day,
            name=name,
            is_idle=is_idle_name(name),
            namespace=namespaces.pop() if len(namespaces) == 1 else "",
            values=values,
        )

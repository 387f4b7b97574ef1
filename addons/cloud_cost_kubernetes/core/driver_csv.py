"""Driver values entered in a CSV file: key, receiver, period, value; checked whole before anything is written."""

import csv
import io
from datetime import datetime
from decimal import Decimal, InvalidOperation

from odoo.addons.cloud_cost.core.periods import month_end

REQUIRED = ("key", "receiver", "period", "value")
AMBIGUOUS = -1  # a name several business units share


class DriverFileError(ValueError):
    pass


def parse_driver_csv(data, file_name, keys, receivers):
    """[(key id, receiver id, date_from, date_to, value, row)]; ``keys`` and ``receivers`` map lower-cased
    names and codes to ids (``AMBIGUOUS`` for a name several business units share).

    Refuses the whole file at the first bad row, naming file, row and column: an unknown key or
    business unit, a period that is not a month, a value that is not a number or is negative, the
    same key, business unit and month twice.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DriverFileError(f"{file_name}: not UTF-8 text ({error.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise DriverFileError(f"{file_name}: column {missing[0]} missing (expected {', '.join(REQUIRED)})")
    result, seen = [], {}
    for number, raw in enumerate(reader, start=1):
        record = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}

        def fail(column, message, number=number):
            raise DriverFileError(f"{file_name}, row {number}, column {column}: {message}")

        key = keys.get(record["key"].lower())
        if key is None:
            fail("key", f"no allocation key {record['key']!r}")
        receiver = receivers.get(record["receiver"].lower())
        if receiver is None:
            fail("receiver", f"no business unit {record['receiver']!r}")
        if receiver == AMBIGUOUS:
            fail("receiver", f"several business units are named {record['receiver']!r}: use the code")
        try:
            start = datetime.strptime(record["period"], "%Y-%m").date()
        except ValueError:
            fail("period", f"not a month like 2026-10 ({record['period']!r})")
        try:
            value = Decimal(record["value"])
        except InvalidOperation:
            fail("value", f"not a number ({record['value']!r})")
        if not value.is_finite():
            fail("value", f"not a number ({record['value']!r})")
        if value < 0:
            fail("value", f"{record['value']} is negative: driver values are zero or more")
        if (key, receiver, start) in seen:
            fail(
                "receiver",
                f"{record['receiver']!r} has a value for {record['key']!r} in {record['period']} "
                f"on row {seen[key, receiver, start]} already",
            )
        seen[key, receiver, start] = number
        result.append((key, receiver, start, month_end(start), value, number))
    return result

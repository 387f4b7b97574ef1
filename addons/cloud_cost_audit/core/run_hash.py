"""Content hash of an allocation run: SHA-256 over a canonical text of what the run holds.

The canonical form is JSON with sorted keys, rows sorted, numbers as exact decimal text and
no whitespace: the same content gives the same hash on any machine, any later day.
"""

import datetime
import hashlib
import json
from decimal import Decimal

ALGORITHM = "sha256-v1"


def canonical_value(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value else "0"
        return text
    if isinstance(value, float):
        return canonical_value(Decimal(repr(value)))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    return str(value)


def canonical_rows(rows):
    """Rows (dicts) as canonical values, sorted by their JSON text: order-free."""
    values = [canonical_value(row) for row in rows]
    return sorted(values, key=lambda row: json.dumps(row, sort_keys=True, separators=(",", ":")))


def canonical_text(sections):
    """``sections``: {name: dict of values or list of row dicts}."""
    body = {
        name: canonical_rows(value) if isinstance(value, list) else canonical_value(value)
        for name, value in sections.items()
    }
    return json.dumps({"algorithm": ALGORITHM, **body}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(sections):
    return hashlib.sha256(canonical_text(sections).encode()).hexdigest()

"""Content hash of an allocation run: SHA-256 over a canonical text of what the run holds.

The canonical form is JSON with sorted keys, numbers as exact decimal text and no whitespace:
the same content gives the same hash on any machine, any later day.

``sha256-v2`` hashes each section of the content apart (the run's identity, its figures, the
allocation lines, the cost lines taken, each bill file's bytes, ...) and the seal is the hash of
those section digests: a verification that does not match names the sections that changed.
``sha256-v1`` (one hash over everything) is kept to verify the runs sealed with it.
"""

import datetime
import hashlib
import json
from decimal import Decimal

ALGORITHM_V1 = "sha256-v1"
ALGORITHM = "sha256-v2"


def canonical_value(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _decimal_text(value):
    return format(value.normalize(), "f") if value else "0"


def _float_text(value):
    """The exact decimal text of a float's shortest form, as ``_decimal_text(Decimal(repr(value)))``."""
    text = repr(value)
    if "e" in text or not text[-1].isdigit() or not value:  # exponents, infinities, NaN, zeros
        return _decimal_text(Decimal(text))
    return text[:-2] if text.endswith(".0") else text  # shortest digits: no trailing zeros but an integer's


# json.dumps with these options, its encoder made once (json.dumps makes one per call)
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
# values canonical_value hands back as they are
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
# what canonical_value does with the scalar types database rows hold, looked up by type
_SCALAR_TEXT = {
    float: _float_text,
    Decimal: _decimal_text,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
}


def _dumps(value):
    return _encode(value)


def canonical_rows(rows):
    """Rows (dicts) as canonical values, sorted by their JSON text: order-free."""
    values = [canonical_value(row) for row in rows]
    return sorted(values, key=_dumps)


def canonical_text(sections):
    """``sections``: {name: dict of values or list of row dicts} (``sha256-v1``)."""
    body = {
        name: canonical_rows(value) if isinstance(value, list) else canonical_value(value)
        for name, value in sections.items()
    }
    return _dumps({"algorithm": ALGORITHM_V1, **body})


def content_hash(sections):
    """The ``sha256-v1`` hash of ``sections``."""
    return hashlib.sha256(canonical_text(sections).encode()).hexdigest()


# ---------------------------------------------------------------------- sha256-v2
class SectionHash:
    """The digest of one section: a header naming the section and its columns, then one canonical JSON
    array per row, a line each. Rows fed with ``add`` are hashed in the order given (the caller orders
    them by a stable key that is part of the row); ``add_unordered`` rows are sorted by their text
    first, for rows without such a key (allocation lines are new records at each computation)."""

    def __init__(self, name, columns):
        self.name = name
        self.columns = tuple(columns)
        self._hash = hashlib.sha256()
        self._hash.update(_dumps({"algorithm": ALGORITHM, "section": name, "columns": self.columns}).encode())
        self._hash.update(b"\n")
        self._unordered = []
        self.rows = 0

    def _line(self, row):
        if isinstance(row, dict):
            row = [row[column] for column in self.columns]
        elif len(row) != len(self.columns):
            raise ValueError(f"section {self.name}: {len(row)} values for {len(self.columns)} columns")
        return _encode(
            [
                value if type(value) in _PLAIN_TYPES else _SCALAR_TEXT.get(type(value), canonical_value)(value)
                for value in row
            ]
        )

    def add(self, rows):
        for row in rows:
            self._hash.update(self._line(row).encode())
            self._hash.update(b"\n")
            self.rows += 1
        return self

    def add_unordered(self, rows):
        self._unordered.extend(self._line(row) for row in rows)
        return self

    def hexdigest(self):
        digest = self._hash.copy()
        for line in sorted(self._unordered):
            digest.update(line.encode())
            digest.update(b"\n")
        return digest.hexdigest()


def section_digest(name, columns, rows, ordered=False):
    section = SectionHash(name, columns)
    (section.add if ordered else section.add_unordered)(rows)
    return section.hexdigest()


def seal_hash(digests):
    """The seal of a ``sha256-v2`` content: the hash of its section digests ({section: hex digest})."""
    return hashlib.sha256(_dumps({"algorithm": ALGORITHM, "sections": dict(digests)}).encode()).hexdigest()


def changed_sections(stored, current):
    """Sections whose digest differs, is new or is gone, in a stable order."""
    names = sorted(set(stored) | set(current))
    return [name for name in names if stored.get(name) != current.get(name)]


def file_sha256(chunks):
    """SHA-256 (hex) of bytes read in ``chunks`` (an iterable of bytes)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()

"""The bill formats the suite reads: one entry per format, registered by the module that reads it.

A format module (focus.py, aws.py, azure.py, gcp.py here, or a core module of another addon)
ends with ``register(BillFormat(...))``: the format's key (what detection returns and what the
parser is asked for), the value and label of the sources' selection, how a header is told
(``detect``: the header's column names -> a confidence, 0 when it is not this format), how a
chunk of its rows becomes cost-line columns (``normalize``), and what it has beyond that: how
JSON lines are recognized and flattened, what the first chunk of a file decides for the whole
file (``file_options``), the layout a summed import queries (``summed``, a summed.Layout).

The registry belongs to the process: it holds every format whose module was imported, whichever
database that was for. What one database reads is what its sources may choose (the
``bill_format`` selection, extended with ``selection_add`` by the addon that registers a format),
and the import passes those keys on to detection (``keys``): a format of an addon that a
database does not have installed is never detected there. Without ``keys`` the functions of this
package know the formats of the base addon only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import BillFormatError

BASE_ADDON = "cloud_cost"
# detection confidences: a header only this format has, or one told by markers others could share
CERTAIN = 100
LIKELY = 50


@dataclass(frozen=True)
class BillFormat:
    key: str  # parser key: what detect_format returns and read_bill(fmt=...) takes
    label: str  # the label of the sources' selection
    addon: str  # the addon that registers the format (and declares its selection value)
    detect: Callable[[list], int]  # header column names (trimmed) -> confidence, 0: not this format
    normalize: Callable  # (raw text frame, *, file, **file_options) -> cost-line columns
    value: str | None = None  # the selection value sources store; default: the key
    named: str | None = None  # how "not a bill" names it; None: named by another entry (its family)
    sequence: int = 100  # detection ties and listings go by sequence, then registration
    file_options: Callable | None = None  # (first raw chunk, file name) -> keyword arguments for every chunk
    detect_record: Callable[[Any], bool] | None = None  # JSON lines: whether the first record is one of its rows
    records_to_raw: Callable | None = None  # JSON lines: a chunk of parsed records -> raw frame
    record_hint: str = ""  # JSON lines: the fields a refusal names, e.g. 'cost, usage_start_time...'
    summed: Any = None  # summed.Layout of a summed import (Athena, DuckDB); None: rows are imported one by one

    @property
    def selection_value(self):
        return self.value or self.key

    @property
    def choice(self):
        """(value, label) of the sources' selection: ``selection_add=[entry.choice]``."""
        return (self.selection_value, self.label)


_ENTRIES = {}  # key -> BillFormat, in registration order


def register(entry):
    """Add (or, the module being imported again, replace) a format; returns the entry."""
    for other in _ENTRIES.values():
        if other.key != entry.key and other.selection_value == entry.selection_value:
            raise ValueError(
                f"bill format {entry.key!r}: selection value {entry.selection_value!r} "
                f"is already that of {other.key!r}"
            )
    _ENTRIES[entry.key] = entry
    return entry


def entries(keys=None):
    """The registered formats (of ``keys`` only, when given), by sequence then registration."""
    order = {key: index for index, key in enumerate(_ENTRIES)}
    found = [e for e in _ENTRIES.values() if keys is None or e.key in keys]
    return sorted(found, key=lambda e: (e.sequence, order[e.key]))


def keys_of(addons):
    """The keys of the formats these addons register."""
    return tuple(entry.key for entry in entries() if entry.addon in addons)


def base_keys():
    return keys_of((BASE_ADDON,))


def get(key, *, file=None):
    try:
        return _ENTRIES[key]
    except KeyError:
        raise BillFormatError(f"unknown bill format {key!r}", file=file) from None


def find(key):
    """The format of this key, or None."""
    return _ENTRIES.get(key)


def by_value(value):
    """The format a source's selection value stands for, or None (such as 'auto')."""
    return next((entry for entry in _ENTRIES.values() if entry.selection_value == value), None)


def selection(addon):
    """[(value, label)] of the formats an addon registers: the selection it declares."""
    return [entry.choice for entry in entries() if entry.addon == addon]


def detect(columns, keys=None):
    """The key of the format whose detector is the most confident about these header columns, or None."""
    best, confidence = None, 0
    for entry in entries(base_keys() if keys is None else keys):
        found = entry.detect(columns) or 0
        if found > confidence:  # a tie goes to the earlier entry
            best, confidence = entry.key, found
    return best


def detect_record(record, keys=None):
    """The key of the JSON-lines format of which ``record`` (the first) is a row, or None."""
    for entry in entries(base_keys() if keys is None else keys):
        if entry.detect_record is not None and entry.detect_record(record):
            return entry.key
    return None


def names(keys=None):
    """How a refusal lists the formats read: 'FOCUS, AWS CUR 2.0 or legacy CUR, ...'."""
    return ", ".join(entry.named for entry in entries(base_keys() if keys is None else keys) if entry.named)


def record_names(keys=None):
    """How a refusal of JSON lines lists the formats read as JSON lines, with the fields they have."""
    return " or ".join(
        f"{entry.named} ({entry.record_hint})" if entry.record_hint else entry.named
        for entry in entries(base_keys() if keys is None else keys)
        if entry.detect_record is not None and entry.named
    )

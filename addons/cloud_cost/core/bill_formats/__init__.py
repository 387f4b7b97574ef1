"""Bill file parsers: FOCUS 1.0-1.4, AWS CUR 2.0 and legacy CUR, Azure cost exports (EA, MCA and
pay-as-you-go, current and legacy layouts), Google Cloud billing export, as CSV (UTF-8, or UTF-16
with its byte-order mark), gzip CSV, Parquet or JSON lines; plain Python and pandas, no ORM.

The format is told by the content (the header, the schema, the first record), never by the file
name: a file that is no bill raises NotABill (a BillFormatError) saying why; a bill with a header
and no rows yields no chunk.

    for frame in read_bill(path_or_binary_file, file_name="x.csv.gz"):
        ...  # a DataFrame with exactly LINE_COLUMNS

The file is read as a stream, a chunk at a time, whatever its size: from its path, from an open binary
file (rewound for each of the few readings a file takes, and left open) or from bytes in memory.

Amounts and quantities come out as exact decimal text (never through a float), datetimes as
'YYYY-MM-DD HH:MM:SS' in UTC, dates as 'YYYY-MM-DD', tags and provider_extra as compact JSON
object text, empty values as None; source_file and source_row (1 = first data row, or the line
of a JSON-lines file) keep the provenance of every line. Bad input raises BillFormatError naming
the file, row and column; the caller discards what it read before.
"""

from collections import defaultdict
from decimal import Decimal

from . import aws, azure, focus, gcp, registry  # noqa: F401 - each format module registers its format(s)
from .columns import (
    AMOUNT_COLUMNS,
    CHARGE_CATEGORIES,
    DATE_COLUMNS,
    DATETIME_COLUMNS,
    LINE_COLUMNS,
    QUANTITY_COLUMNS,
)
from .errors import BillFormatError, NotABill
from .manifests import ExportManifest, parse_manifest
from .registry import BillFormat, register
from .readers import (
    DEFAULT_LIMITS,
    HEAD_BYTES,
    PARQUET_MAGIC,
    InputLimits,
    InputTooLarge,
    BillInput,
    as_utf8,
    check_decompressed_size,
    check_parquet_size,
    container,
    csv_chunks,
    csv_header,
    decompressed_head,
    jsonl_chunks,
    parquet_chunks,
    parquet_columns,
    utf8_input,
)

__all__ = [
    "AMOUNT_COLUMNS",
    "CHARGE_CATEGORIES",
    "DEFAULT_LIMITS",
    "DATE_COLUMNS",
    "DATETIME_COLUMNS",
    "LINE_COLUMNS",
    "QUANTITY_COLUMNS",
    "BillFormat",
    "BillFormatError",
    "BillInput",
    "ExportManifest",
    "InputLimits",
    "InputTooLarge",
    "NotABill",
    "check_parquet_size",
    "detect_format",
    "parse_manifest",
    "read_bill",
    "register",
    "registry",
    "sniff",
    "summarize",
]
ZIP_MAGIC = b"PK\x03\x04"


def format_of_columns(columns, *, file, keys=None):
    """The key of the format whose header these are, among ``keys`` (default: the base addon's formats)."""
    line = ",".join(columns)
    columns = [c.strip().lstrip("\ufeff") for c in columns]
    found = registry.detect(columns, keys)
    if found:
        return found
    shown = line[:80] + ("..." if len(line) > 80 else "")
    raise NotABill(
        f"not a bill: its first line is not the header of a format this suite reads ({registry.names(keys)}): "
        f"{shown!r}",
        file=file,
    )


def _first_record(data, kind):
    """The first JSON object of a JSON-lines file (only the first line is read)."""
    import json

    for line in decompressed_head(data, kind, HEAD_BYTES).splitlines():
        if line.strip():
            try:
                return json.loads(line.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return None
    return None


def _json_format(data, kind, *, file, keys=None):
    found = registry.detect_record(_first_record(data, kind), keys)
    if found:
        return found
    raise NotABill(
        f"not a bill: JSON lines whose first record is not a row of a {registry.record_names(keys)}", file=file
    )


def _refuse_archives(data, *, file):
    if data.startswith(ZIP_MAGIC):
        raise NotABill("not a bill: a ZIP archive; import the bill files it holds", file=file)


def detect_format(file_name, head, keys=None):
    """The format of a file from its first bytes (decompressed or not); raises NotABill for other files.

    ``keys``: the formats told apart (default: the base addon's; an import passes its database's)."""
    _refuse_archives(head, file=file_name)
    kind = container(file_name, head)
    if kind == "parquet":
        raise BillFormatError("the format of a Parquet file is read from its schema: use read_bill", file=file_name)
    if kind.startswith("jsonl"):
        return _json_format(head, kind, file=file_name, keys=keys)
    head, kind = as_utf8(head, kind, file=file_name)
    return format_of_columns(csv_header(head, kind, file=file_name), file=file_name, keys=keys)


def sniff(file_name, head, keys=None):
    """Whether the first bytes of a file (whatever its name) are those of a bill: its format, or
    'parquet' (whose schema is at its end), or NotABill saying why not."""
    if not head:
        raise NotABill("not a bill: the file is empty", file=file_name)
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    try:
        return detect_format(file_name, head, keys)
    except NotABill:
        raise
    except BillFormatError as error:
        raise NotABill(f"not a bill: {error.message}", file=file_name) from None


def read_bill(source, *, file_name, fmt=None, chunk_rows=200_000, limits=DEFAULT_LIMITS, keys=None):
    """Normalized chunks of one bill file (a path, a binary file or its bytes); see the module's docstring.

    ``fmt``: the format's key (registry); None: told by the content among ``keys`` (default: the base
    addon's formats). A file that expands past ``limits`` when decompressed is refused (InputTooLarge)
    as soon as it does."""
    if fmt is not None:
        registry.get(fmt, file=file_name)
    bill = BillInput(source, file=file_name)
    try:
        yield from _read_bill(bill, file_name=file_name, fmt=fmt, chunk_rows=chunk_rows, limits=limits, keys=keys)
    finally:
        bill.close()


def _read_bill(bill, *, file_name, fmt, chunk_rows, limits, keys):
    if not bill.size:
        raise BillFormatError("the file is empty (0 bytes)", file=file_name)
    head = bill.head(HEAD_BYTES)
    _refuse_archives(head[:4], file=file_name)
    kind = container(file_name, head)
    if kind != "parquet":
        # a file that expands too far is refused before it is parsed (its parser counts again as it reads)
        check_decompressed_size(bill, kind, file=file_name, limits=limits)
    # the format comes from the header (or schema, or first record) before any row is read
    if kind == "parquet":
        columns = parquet_columns(bill, file=file_name)
        fmt = fmt or format_of_columns(columns, file=file_name, keys=keys)
        chunks = parquet_chunks(bill, file=file_name, chunk_rows=chunk_rows, limits=limits)
    elif kind.startswith("jsonl"):
        fmt = fmt or _json_format(head, kind, file=file_name, keys=keys)
        # records flattened by the format's own reader, else as the Google Cloud export's are (dotted names)
        to_raw = registry.get(fmt, file=file_name).records_to_raw or gcp.records_to_raw
        chunks = (
            to_raw(chunk) for chunk in jsonl_chunks(bill, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
        )
    else:
        bill, kind = utf8_input(bill, kind, limits=limits)
        header = csv_header(bill.head(HEAD_BYTES), kind, file=file_name)
        fmt = fmt or format_of_columns(header, file=file_name, keys=keys)
        chunks = csv_chunks(bill, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
    entry = registry.get(fmt, file=file_name)
    options = None
    for raw in chunks:
        if options is None:  # what the first chunk tells of the whole file
            options = entry.file_options(raw, file_name) if entry.file_options else {}
        out = entry.normalize(raw, file=file_name, **options)
        del raw  # a chunk's raw text is not kept beside the next one
        out = focus.finish(out, file=file_name)
        yield out
        out = None


def summarize(chunks):
    """Rows and exact totals per (charge category, currency) of normalized chunks."""
    rows = 0
    totals = defaultdict(lambda: {"billed_cost": Decimal(0), "effective_cost": Decimal(0)})
    for chunk in chunks:
        rows += len(chunk)
        for (category, currency), group in chunk.groupby(["charge_category", "billing_currency"], dropna=False):
            entry = totals[(category, currency)]
            entry["billed_cost"] += sum((Decimal(v) for v in group["billed_cost"] if v is not None), Decimal(0))
            entry["effective_cost"] += sum((Decimal(v) for v in group["effective_cost"] if v is not None), Decimal(0))
    return {"rows": rows, "totals": dict(totals)}

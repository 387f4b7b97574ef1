"""Bill file parsers: FOCUS 1.0-1.4, AWS CUR 2.0 and legacy CUR, Azure cost exports (EA, MCA and
pay-as-you-go, current and legacy layouts), Google Cloud billing export, as CSV (UTF-8, or UTF-16
with its byte-order mark), gzip CSV, Parquet or JSON lines; plain Python and pandas, no ORM.

The format is told by the content (the header, the schema, the first record), never by the file
name: a file that is no bill raises NotABill (a BillFormatError) saying why; a bill with a header
and no rows yields no chunk.

    for frame in read_bill(path_or_binary_file, file_name="x.csv.gz"):
        ...  # a DataFrame with exactly LINE_COLUMNS

Amounts and quantities come out as exact decimal text (never through a float), datetimes as
'YYYY-MM-DD HH:MM:SS' in UTC, dates as 'YYYY-MM-DD', tags and provider_extra as compact JSON
object text, empty values as None; source_file and source_row (1 = first data row, or the line
of a JSON-lines file) keep the provenance of every line. Bad input raises BillFormatError naming
the file, row and column; the caller discards what it read before.
"""

from collections import defaultdict
from decimal import Decimal

from . import aws, azure, focus, gcp
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
from .readers import (
    DEFAULT_LIMITS,
    HEAD_BYTES,
    PARQUET_MAGIC,
    InputLimits,
    InputTooLarge,
    as_utf8,
    check_decompressed_size,
    check_parquet_size,
    container,
    csv_chunks,
    csv_header,
    decompressed_head,
    jsonl_chunks,
    open_binary,
    parquet_chunks,
    parquet_columns,
)

FORMATS = ("focus", "aws_cur2", "aws_cur_legacy", "azure", "gcp")

__all__ = [
    "AMOUNT_COLUMNS",
    "CHARGE_CATEGORIES",
    "DEFAULT_LIMITS",
    "DATE_COLUMNS",
    "DATETIME_COLUMNS",
    "FORMATS",
    "LINE_COLUMNS",
    "QUANTITY_COLUMNS",
    "BillFormatError",
    "ExportManifest",
    "InputLimits",
    "InputTooLarge",
    "NotABill",
    "check_parquet_size",
    "detect_format",
    "parse_manifest",
    "read_bill",
    "sniff",
    "summarize",
]
FORMAT_NAMES = "FOCUS, AWS CUR 2.0 or legacy CUR, Azure cost export, Google Cloud billing export"
ZIP_MAGIC = b"PK\x03\x04"


def format_of_columns(columns, *, file):
    line = ",".join(columns)
    columns = [c.strip().lstrip("\ufeff") for c in columns]
    if focus.is_focus(columns):
        return "focus"
    if aws.is_cur2(columns):
        return "aws_cur2"
    if aws.is_legacy(columns):
        return "aws_cur_legacy"
    if gcp.is_gcp(columns):
        return "gcp"
    if azure.is_azure(columns):
        return "azure"
    shown = line[:80] + ("..." if len(line) > 80 else "")
    raise NotABill(
        f"not a bill: its first line is not the header of a format this suite reads ({FORMAT_NAMES}): {shown!r}",
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


def _json_format(data, kind, *, file):
    record = _first_record(data, kind)
    if gcp.is_gcp_record(record):
        return "gcp"
    raise NotABill(
        "not a bill: JSON lines whose first record is not a row of a Google Cloud billing export "
        "(cost, usage_start_time...)",
        file=file,
    )


def _refuse_archives(data, *, file):
    if data.startswith(ZIP_MAGIC):
        raise NotABill("not a bill: a ZIP archive; import the bill files it holds", file=file)


def detect_format(file_name, head):
    """The format of a file from its first bytes (decompressed or not); raises NotABill for other files."""
    _refuse_archives(head, file=file_name)
    kind = container(file_name, head)
    if kind == "parquet":
        raise BillFormatError("the format of a Parquet file is read from its schema: use read_bill", file=file_name)
    if kind.startswith("jsonl"):
        return _json_format(head, kind, file=file_name)
    head, kind = as_utf8(head, kind, file=file_name, partial=True)
    return format_of_columns(csv_header(head, kind, file=file_name), file=file_name)


def sniff(file_name, head):
    """Whether the first bytes of a file (whatever its name) are those of a bill: its format, or
    'parquet' (whose schema is at its end), or NotABill saying why not."""
    if not head:
        raise NotABill("not a bill: the file is empty", file=file_name)
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    try:
        return detect_format(file_name, head)
    except NotABill:
        raise
    except BillFormatError as error:
        raise NotABill(f"not a bill: {error.message}", file=file_name) from None


_NORMALIZERS = {
    "focus": focus.normalize,
    "aws_cur2": aws.normalize,
    "aws_cur_legacy": aws.normalize,
    "azure": azure.normalize,
    "gcp": gcp.normalize,
}


def read_bill(source, *, file_name, fmt=None, chunk_rows=200_000, limits=DEFAULT_LIMITS):
    """Normalized chunks of one bill file (a path, a binary file or its bytes); see the module's docstring.

    A file that expands past ``limits`` when decompressed is refused (InputTooLarge) as soon as it does."""
    if fmt is not None and fmt not in FORMATS:
        raise BillFormatError(f"unknown bill format {fmt!r}", file=file_name)
    if isinstance(source, bytes):
        data = source  # a large file's bytes are not copied
    else:
        stream = open_binary(source)
        try:
            data = stream.read()
        finally:
            if stream is not source:
                stream.close()
    if not data:
        raise BillFormatError("the file is empty (0 bytes)", file=file_name)
    _refuse_archives(data[:4], file=file_name)
    kind = container(file_name, data[:HEAD_BYTES])
    if kind != "parquet":
        # a file that expands too far is refused before it is parsed (its parser counts again as it reads)
        check_decompressed_size(data, kind, file=file_name, limits=limits)
    # the format comes from the header (or schema, or first record) before any row is read
    if kind == "parquet":
        columns = parquet_columns(data, file=file_name)
        fmt = fmt or format_of_columns(columns, file=file_name)
        chunks = parquet_chunks(data, file=file_name, chunk_rows=chunk_rows, limits=limits)
    elif kind.startswith("jsonl"):
        fmt = fmt or _json_format(data, kind, file=file_name)
        chunks = (
            gcp.records_to_raw(chunk)
            for chunk in jsonl_chunks(data, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
        )
    else:
        data, kind = as_utf8(data, kind, file=file_name)
        header = csv_header(data, kind, file=file_name)
        fmt = fmt or format_of_columns(header, file=file_name)
        chunks = csv_chunks(data, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
    amortized = None
    for raw in chunks:
        if fmt == "azure":
            amortized = azure.is_amortized(raw, file_name) if amortized is None else amortized
            out = azure.normalize(raw, file=file_name, amortized=amortized)
        else:
            out = _NORMALIZERS[fmt](raw, file=file_name)
        yield focus.finish(out, file=file_name)


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

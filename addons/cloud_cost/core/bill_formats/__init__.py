"""Bill file parsers: FOCUS 1.0-1.3, AWS CUR 2.0 and legacy CUR, Azure cost exports, Google Cloud
billing export, as CSV, gzip CSV, Parquet or JSON lines; plain Python and pandas, no ORM.

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
from .errors import BillFormatError
from .manifests import ExportManifest, parse_manifest
from .readers import (
    DEFAULT_LIMITS,
    InputLimits,
    InputTooLarge,
    check_decompressed_size,
    check_parquet_size,
    container,
    csv_chunks,
    decompressed_head,
    jsonl_chunks,
    open_binary,
    parquet_chunks,
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
    "check_parquet_size",
    "detect_format",
    "parse_manifest",
    "read_bill",
    "summarize",
]


def format_of_columns(columns, *, file):
    columns = list(columns)
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
    raise BillFormatError(
        "not a bill format this suite reads (FOCUS, AWS CUR 2.0 or legacy CUR, Azure cost export, "
        "Google Cloud billing export): header starts " + ", ".join(columns[:6]),
        file=file,
    )


def detect_format(file_name, head):
    """The format of a file from its name and first bytes (decompressed or not)."""
    kind = container(file_name, head)
    if kind == "parquet":
        raise BillFormatError("the format of a Parquet file is read from its schema: use read_bill", file=file_name)
    text = decompressed_head(head, kind).decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    if kind.startswith("jsonl"):
        return "gcp"
    import csv

    return format_of_columns(next(csv.reader([first_line]), []), file=file_name)


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
        raise BillFormatError("the file is empty", file=file_name)
    kind = container(file_name, data[:4])
    if kind != "parquet":
        # a file that expands too far is refused before it is parsed (its parser counts again as it reads)
        check_decompressed_size(data, kind, file=file_name, limits=limits)
    if kind == "parquet":
        chunks = parquet_chunks(data, file=file_name, chunk_rows=chunk_rows, limits=limits)
    elif kind.startswith("jsonl"):
        chunks = (
            gcp.records_to_raw(chunk)
            for chunk in jsonl_chunks(data, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
        )
        fmt = fmt or "gcp"
    else:
        chunks = csv_chunks(data, kind, file=file_name, chunk_rows=chunk_rows, limits=limits)
    amortized = None
    for raw in chunks:
        if fmt is None:
            fmt = format_of_columns(raw.columns, file=file_name)
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

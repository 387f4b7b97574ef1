"""Raw chunks of a bill file as text columns, whatever its container: CSV, gzip CSV, Parquet, JSON lines.

Each chunk is a DataFrame of text (None for empty) indexed by the 0-based data row of the file.
"""

import gzip
import io
import json
import zlib
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .errors import BillFormatError, NotABill
from .normalize import decimal_from_number

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
HEAD_BYTES = 1 << 20  # enough for the header of any bill (a CUR names hundreds of columns)


def open_binary(source):
    """A binary file object for a path or an open binary file."""
    if isinstance(source, str | Path):
        return open(source, "rb")  # noqa: SIM115 (closed by the caller's context)
    return source


def container(file_name, head):
    """'parquet', 'csv', 'csv.gz', 'jsonl' or 'jsonl.gz': by the content where it tells (the magic bytes
    of Parquet and gzip, the first character of JSON lines), by the name where it does not."""
    name = file_name.lower()
    if head.startswith(PARQUET_MAGIC) or name.endswith(".parquet"):
        return "parquet"
    compressed = head.startswith(GZIP_MAGIC) or name.endswith(".gz")
    text = decompressed_head(head, "csv.gz" if compressed else "csv", 4096)
    first = text.removeprefix(UTF8_BOM).lstrip()[:1]
    if first:
        json_lines = first == b"{"
    else:
        plain = name[:-3] if name.endswith(".gz") else name
        json_lines = plain.endswith((".jsonl", ".json", ".ndjson"))
    if json_lines:
        return "jsonl.gz" if compressed else "jsonl"
    return "csv.gz" if compressed else "csv"


def as_utf8(data, kind, *, file, partial=False):
    """A UTF-16 text (with its byte-order mark, as some spreadsheet tools save CSV) as UTF-8; else as is.
    ``partial``: ``data`` is the head of a file (it may end inside a character)."""
    head = decompressed_head(data, kind, 2) if kind.endswith(".gz") else data[:2]
    if not head.startswith(UTF16_BOMS):
        return data, kind
    try:
        content = decompressed_head(data, kind, HEAD_BYTES) if partial else (
            gzip.decompress(data) if kind.endswith(".gz") else data)
        if partial:
            content = content[: len(content) // 2 * 2]
        text = content.decode("utf-16", errors="ignore" if partial else "strict")
    except UnicodeDecodeError as error:
        raise BillFormatError(f"not UTF-16 text, although it starts as such ({error.reason})", file=file) from None
    except (EOFError, OSError, zlib.error) as error:
        raise BillFormatError(f"the gzip file is truncated or damaged ({error})", file=file) from None
    return text.encode("utf-8"), kind.removesuffix(".gz")


def decompressed_head(data, kind, size=65536):
    if kind.endswith(".gz"):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
        except zlib.error:
            return b""
    return data[:size]


def csv_chunks(data, kind, *, file, chunk_rows):
    """Chunks of a CSV (or gzip CSV) given as bytes: strict UTF-8 (a byte-order mark is allowed), every
    value as text, and every row with as many fields as the header."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = csv_header(data, kind, file=file)
    stream = pa.input_stream(pa.py_buffer(data), compression="gzip" if kind == "csv.gz" else None)
    read_options = pacsv.ReadOptions(block_size=max(1 << 20, min(chunk_rows * 400, 64 << 20)), use_threads=True)
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    # every column read as text, whichever spelling of its name Arrow keeps (spaces, byte-order mark)
    spellings = {variant for name in header for variant in (name, name.strip(), "\ufeff" + name)}
    convert_options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in spellings},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    offset = 0
    try:
        reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
        names = [name.lstrip("\ufeff").strip() for name in reader.schema.names]
        pending = None
        for batch in reader:
            table = pa.Table.from_batches([batch])
            pending = table if pending is None else pa.concat_tables([pending, table])
            while pending.num_rows >= chunk_rows:
                yield _arrow_frame(pending.slice(0, chunk_rows), names, offset)
                offset += chunk_rows
                pending = pending.slice(chunk_rows)
        if pending is not None and pending.num_rows:
            yield _arrow_frame(pending, names, offset)
    except (EOFError, OSError) as error:
        if kind == "csv.gz":
            raise BillFormatError(
                f"the gzip file is truncated or damaged ({error}); rows read before: {offset}", file=file
            ) from None
        raise BillFormatError(f"not a readable CSV file: {error}", file=file) from None
    except pa.ArrowInvalid as error:
        row, message = _locate_csv_error(data, kind, str(error))
        raise BillFormatError(message, file=file, row=row) from None


def _arrow_frame(table, names, offset):
    frame = pd.DataFrame({name: table.column(i).to_pandas().astype(object) for i, name in enumerate(names)})
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def csv_header(data, kind, *, file):
    """The column names of a CSV's first line; refuses a file without one, or whose first line is not text."""
    import csv

    try:
        head = decompressed_head(data, kind, HEAD_BYTES) if kind == "csv.gz" else data[:HEAD_BYTES]
    except EOFError:
        head = b""
    if kind == "csv.gz" and not head:
        raise BillFormatError("not a readable gzip file", file=file)
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if b"\x00" in head[:1024]:
        raise NotABill("not a bill: binary content, not text", file=file)
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotABill(
            f"not a bill, or one in an encoding other than UTF-8: the first line is not UTF-8 text ({error.reason})",
            file=file,
        ) from None
    try:
        names = next(csv.reader([text]), [])
    except csv.Error as error:
        raise BillFormatError(f"the header is not a well-formed CSV row ({error})", file=file, row=None) from None
    if not any(name.strip() for name in names):
        raise BillFormatError("the file is empty (no header row)", file=file)
    return names


def parquet_columns(data, *, file):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(io.BytesIO(data)).schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as error:
        raise BillFormatError(f"not a readable Parquet file: {error}", file=file) from None


def _locate_csv_error(data, kind, message):
    """Row and message of the first bad row, found again with Python's csv module (the slow path)."""
    import csv

    try:
        content = gzip.decompress(data) if kind == "csv.gz" else data
    except (EOFError, OSError, zlib.error):
        return None, f"not a readable CSV file: {message}"
    lines = content.split(b"\n")
    for number, line in enumerate(lines):
        try:
            line.decode("utf-8-sig" if number == 0 else "utf-8")
        except UnicodeDecodeError as error:
            return (number or None), f"not UTF-8 text ({error.reason})"
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    width = None
    try:
        for record in reader:
            if width is None:
                width = len(record)
                continue
            if len(record) != width:
                return reader.line_num - 1, f"this row has {len(record)} fields, the header {width}"
    except csv.Error as error:
        return reader.line_num - 1, f"not a well-formed CSV row: {error}"
    return None, f"not a readable CSV file: {message}"


def parquet_chunks(data, *, file, chunk_rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        offset = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = pd.DataFrame({name: _arrow_text(batch.column(i)) for i, name in enumerate(batch.schema.names)})
            frame.index = pd.RangeIndex(offset, offset + len(frame))
            offset += len(frame)
            yield frame
    except (pa.ArrowInvalid, OSError) as error:
        raise BillFormatError(f"not a readable Parquet file: {error}", file=file) from None


def _arrow_text(column):
    """Arrow values as text: decimals exactly, timestamps in ISO form, maps and lists as JSON."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.to_pandas().astype(object)
    if pa.types.is_timestamp(kind):
        values = column.to_pandas()
        if values.dt.tz is None:
            values = values.dt.tz_localize("UTC")
        return values.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(values.notna(), None)
    if pa.types.is_map(kind):
        return pd.Series([None if v is None else json.dumps(dict(v)) for v in column.to_pylist()], dtype=object)
    if pa.types.is_nested(kind):
        return pd.Series([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()], dtype=object)
    return pd.Series(
        [decimal_from_number(v) if not isinstance(v, str) else v for v in column.to_pylist()], dtype=object
    )


def jsonl_chunks(data, kind, *, file, chunk_rows):
    """JSON lines (as BigQuery exports them): one object per line, numbers kept exact."""
    try:
        content = gzip.decompress(data) if kind == "jsonl.gz" else data
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise BillFormatError(f"the gzip file is truncated or damaged ({error})", file=file) from None
    rows = []
    offset = 0
    for number, line in enumerate(content.splitlines()):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8-sig" if number == 0 else "utf-8"), parse_float=Decimal)
        except UnicodeDecodeError as error:
            raise BillFormatError(f"not UTF-8 text ({error.reason})", file=file, row=number + 1) from None
        except json.JSONDecodeError as error:
            raise BillFormatError(f"not a JSON object: {error.msg}", file=file, row=number + 1) from None
        if not isinstance(record, dict):
            raise BillFormatError("not a JSON object", file=file, row=number + 1)
        record["__line__"] = number + 1
        rows.append(record)
        if len(rows) >= chunk_rows:
            yield _records_frame(rows, offset)
            offset += len(rows)
            rows = []
    if rows:
        yield _records_frame(rows, offset)


def _records_frame(records, offset):
    frame = pd.DataFrame({"__record__": records})
    frame.index = pd.RangeIndex(offset, offset + len(records))
    return frame

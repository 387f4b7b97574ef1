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

from .errors import BillFormatError
from .normalize import decimal_from_number

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


def open_binary(source):
    """A binary file object for a path or an open binary file."""
    if isinstance(source, str | Path):
        return open(source, "rb")  # noqa: SIM115 (closed by the caller's context)
    return source


def container(file_name, head):
    name = file_name.lower()
    if head.startswith(PARQUET_MAGIC) or name.endswith(".parquet") or name.endswith(".snappy.parquet"):
        return "parquet"
    compressed = head.startswith(GZIP_MAGIC) or name.endswith(".gz")
    plain = name[:-3] if name.endswith(".gz") else name
    if plain.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl.gz" if compressed else "jsonl"
    return "csv.gz" if compressed else "csv"


def peek(stream, size=65536):
    """The first bytes of the (decompressed) content, and a stream positioned at the start again."""
    data = stream.read()
    return data, io.BytesIO(data)


def decompressed_head(data, kind, size=65536):
    if kind.endswith(".gz"):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
        except zlib.error:
            return b""
    return data[:size]


def csv_chunks(data, kind, *, file, chunk_rows):
    """Chunks of a CSV (or gzip CSV) given as bytes; strict UTF-8 (a byte-order mark is allowed)."""
    stream = gzip.GzipFile(fileobj=io.BytesIO(data)) if kind == "csv.gz" else io.BytesIO(data)
    offset = 0
    try:
        reader = pd.read_csv(
            stream,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            chunksize=chunk_rows,
            encoding="utf-8-sig",
            encoding_errors="strict",
            engine="c",
            low_memory=False,
        )
        for chunk in reader:
            chunk.index = pd.RangeIndex(offset, offset + len(chunk))
            chunk.columns = [str(c).strip() for c in chunk.columns]
            offset += len(chunk)
            yield chunk
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise BillFormatError(
            f"the gzip file is truncated or damaged ({error}); rows read before: {offset}", file=file
        ) from None
    except UnicodeDecodeError as error:
        row = _row_of_bad_encoding(data, kind)
        raise BillFormatError(f"not UTF-8 text ({error.reason})", file=file, row=row) from None
    except pd.errors.ParserError as error:
        raise BillFormatError(
            f"not a well-formed CSV file: {error}", file=file, row=_row_of_parser_error(error, offset)
        ) from None
    except pd.errors.EmptyDataError:
        raise BillFormatError("the file is empty (no header row)", file=file) from None


def _row_of_bad_encoding(data, kind):
    content = gzip.decompress(data) if kind == "csv.gz" else data
    for number, line in enumerate(content.splitlines()):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return max(number, 1) if number else None  # line 0 is the header
    return None


def _row_of_parser_error(error, offset):
    # pandas says "Error tokenizing data. C error: Expected 5 fields in line 7, saw 6"
    words = str(error).split()
    if "line" in words:
        try:
            return int(words[words.index("line") + 1].rstrip(",")) - 1
        except (ValueError, IndexError):
            return None
    return None


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

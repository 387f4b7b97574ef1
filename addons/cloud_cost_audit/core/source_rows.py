"""The raw rows of a bill file, by the row numbers the cost lines keep (1 = first data row, or the
line of a JSON-lines file), read as the importer read them."""

import csv
import gzip
import io
import json
from decimal import Decimal

from .run_hash import canonical_value

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


def read_rows(source, file_name, wanted):
    """{row number: {column: raw value}} for the ``wanted`` row numbers of a CSV, gzip CSV, Parquet or
    JSON lines (plain or gzip) file given as bytes or as a binary stream that can seek (read as a stream,
    never whole). Reading stops after the last wanted row."""
    wanted = set(wanted)
    if not wanted:
        return {}
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    magic = stream.read(4)
    stream.seek(0)
    name = file_name.lower().removesuffix(".gz")
    if magic == PARQUET_MAGIC or name.endswith(".parquet"):
        return _parquet_rows(stream, wanted)
    if magic[:2] == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream)
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return _jsonl_rows(stream, wanted)
    return _csv_rows(stream, wanted)


def _csv_rows(stream, wanted):
    found = {}
    last = max(wanted)
    reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    for number, record in enumerate(reader, start=1):
        if number in wanted:
            found[number] = dict(record)
        if number >= last:
            break
    return found


def _jsonl_rows(stream, wanted):
    found = {}
    last = max(wanted)
    for number, line in enumerate(stream, start=1):
        if number in wanted and line.strip():
            found[number] = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"), parse_float=Decimal)
        if number >= last:
            break
    return found


def _parquet_rows(stream, wanted):
    """Only the row groups holding wanted rows are read."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    parquet = pq.ParquetFile(stream)
    found = {}
    start = 1
    for group in range(parquet.metadata.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        rows = sorted(n for n in wanted if start <= n < start + size)
        if rows:
            table = parquet.read_row_group(group).take([n - start for n in rows])
            for number, record in zip(rows, table.to_pylist(), strict=True):
                found[number] = {k: canonical_value(v) for k, v in record.items()}
        start += size
    return found

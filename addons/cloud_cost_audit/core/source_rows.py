"""The raw rows of a bill file, by the row numbers the cost lines keep (1 = first data row)."""

import csv
import gzip
import io
import json

from .run_hash import canonical_value


def read_rows(data, file_name, wanted):
    """{row number: {column: raw text}} for the ``wanted`` row numbers of a CSV, gzip CSV, Parquet or JSON lines file."""
    wanted = set(wanted)
    if not wanted:
        return {}
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    name = file_name.lower().removesuffix(".gz")
    if data[:4] == b"PAR1" or name.endswith(".parquet"):
        return _parquet_rows(data, wanted)
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return _jsonl_rows(data, wanted)
    found = {}
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    for number, record in enumerate(reader, start=1):
        if number in wanted:
            found[number] = dict(record)
            if len(found) == len(wanted):
                break
    return found


def _parquet_rows(data, wanted):
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(io.BytesIO(data))
    rows = sorted(n for n in wanted if 1 <= n <= table.num_rows)
    picked = table.take([n - 1 for n in rows]).to_pylist()
    return {n: {k: canonical_value(v) for k, v in record.items()} for n, record in zip(rows, picked, strict=True)}


def _jsonl_rows(data, wanted):
    found = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if number in wanted and line.strip():
            found[number] = json.loads(line)
    return found

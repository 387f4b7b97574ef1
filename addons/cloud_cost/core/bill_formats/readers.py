"""Raw chunks of a bill file as text columns, whatever its container: CSV, gzip CSV, Parquet, JSON lines.

Each chunk is a DataFrame of text (None for empty) indexed by the 0-based data row of the file.

A file is read as a stream, never held whole: from its path, from an open binary file (rewound for
each reading, left open) or from bytes already in memory (``BillInput``). Compressed content is
decompressed piece by piece and counted as it comes: a file that expands past ``InputLimits`` (a
size, and a ratio to its compressed size) is refused before it takes more memory.
"""

import atexit
import codecs
import contextlib
import io
import json
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass
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
MB = 1 << 20
# A small file of repeated rows compresses a lot: the ratio counts once this much came out of it.
RATIO_GRACE_BYTES = 16 * MB
_PIECE = 1 << 20  # compressed bytes fed, and decompressed bytes taken, at a time
# A chunk also ends at this much text, so that wide rows do not make a chunk of chunk_rows rows huge.
CHUNK_BYTES = 32 * MB
# Text the CSV parser takes at a time: its working memory grows with it (tens of times a block), so
# blocks stay small and are gathered into chunks of chunk_rows rows.
CSV_BLOCK_BYTES = 4 * MB
SPOOL_MEMORY_BYTES = 8 * MB  # a stream that cannot seek is copied to disk past this much


class InputTooLarge(BillFormatError):
    """A file expands past the limits when decompressed: it is read no further."""


@dataclass(frozen=True)
class InputLimits:
    """How large a bill file may be once decompressed: ``max_bytes``, and ``max_ratio`` times its size."""

    max_bytes: int = 20480 * MB
    max_ratio: float = 200.0

    def ceiling(self, compressed_size):
        """Bytes a file of ``compressed_size`` compressed bytes may expand to."""
        by_ratio = max(int(self.max_ratio * compressed_size), RATIO_GRACE_BYTES)
        return min(self.max_bytes, by_ratio)

    def refusal(self, file, stored_size, *, expanded=None, compressed=True):
        """The InputTooLarge error of ``file``, naming the limit it passed and the option that sets it."""
        ceiling = self.ceiling(stored_size) if compressed else self.max_bytes
        if ceiling == self.max_bytes:
            limit = f"the {_size(self.max_bytes)} allowed (server option cloud_cost_max_uncompressed_mb)"
        else:
            limit = (
                f"{_size(ceiling)}: over {self.max_ratio:g} times its compressed size of {_size(stored_size)} "
                "(server option cloud_cost_max_expansion_ratio)"
            )
        held = f"holds {_size(expanded)}, more than" if expanded is not None else "holds more than"
        where = "decompressed, it" if compressed else "it"
        return InputTooLarge(f"refused: {where} {held} {limit}; nothing was imported", file=file)

    def check(self, file, size, compressed_size=None):
        """Refuse ``size`` bytes of content (of ``compressed_size`` stored bytes, when compressed)."""
        compressed = compressed_size is not None
        if size > (self.ceiling(compressed_size) if compressed else self.max_bytes):
            raise self.refusal(file, compressed_size or size, expanded=size, compressed=compressed)


DEFAULT_LIMITS = InputLimits()


def _size(count):
    """``count`` bytes for people: whole units when exact, one decimal below ten."""
    for unit, name in ((1 << 30, "GB"), (MB, "MB"), (1024, "KB")):
        if count >= unit:
            value = count / unit
            if not count % unit or value >= 10:
                return f"{value:.0f} {name}"
            return f"{value:.1f} {name}"
    return f"{count} bytes"


class _Borrowed(io.RawIOBase):
    """A file given by the caller, read from where it stands; closing this leaves the file open."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def readable(self):
        return True

    def seekable(self):
        return True

    def read(self, size=-1):  # pylint: disable=method-required-super
        return self._stream.read(size)

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._stream.seek(offset, whence)

    def tell(self):
        return self._stream.tell()


class BillInput:
    """The stored bytes of one bill file, opened as often as reading it takes, never held whole.

    ``source``: a path, a binary file (it must seek; one that cannot is first copied to a temporary file,
    on disk past a few megabytes) or bytes already in memory.
    """

    def __init__(self, source, *, file):
        self.file = file
        self.path = self._data = self._stream = self._spool = None
        if isinstance(source, BillInput):
            self.path, self._data, self._stream, self.size = source.path, source._data, source._stream, source.size
        elif isinstance(source, bytes | bytearray | memoryview):
            self._data = source
            self.size = len(source)
        elif isinstance(source, str | Path):
            self.path = str(source)
            self.size = os.path.getsize(self.path)
        else:
            stream = source
            if not _seekable(stream):
                self._spool = stream = tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES)  # noqa: SIM115
                shutil.copyfileobj(source, stream, _PIECE)
            self._stream = stream
            self.size = stream.seek(0, io.SEEK_END)
            stream.seek(0)

    def open(self):
        """A binary stream of the file from its first byte; the caller closes it."""
        if self._data is not None:
            return io.BytesIO(self._data)
        if self.path is not None:
            return open(self.path, "rb")  # noqa: SIM115 (closed by the caller)
        self._stream.seek(0)
        return io.BufferedReader(_Borrowed(self._stream), buffer_size=_PIECE)

    def head(self, size):
        with self.open() as stream:
            return stream.read(size)

    def parquet_source(self):
        """What pyarrow's Parquet reader opens: the path where there is one (row groups read from disk)."""
        return self.path if self.path is not None else self.open()

    def close(self):
        if self._spool is not None:
            self._spool.close()


def _seekable(stream):
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


def bill_input(source, file):
    return source if isinstance(source, BillInput) else BillInput(source, file=file)


class GunzipReader(io.RawIOBase):
    """The decompressed content of gzip data (every member of it), produced a piece at a time and counted:
    past the limits' ceiling for the data's size, reading stops with InputTooLarge.

    ``source``: the gzip bytes, or a binary stream of them (read a piece at a time, closed with this
    reader) of ``size`` bytes. Truncated data ends in EOFError and damaged data in OSError, as Python's
    gzip module reports them."""

    def __init__(self, source, *, file, limits=DEFAULT_LIMITS, size=None):
        super().__init__()
        if isinstance(source, bytes | bytearray | memoryview):
            size, source = len(source), io.BytesIO(source)
        self._source = source
        self._size = size
        self._exhausted = False
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._offset = 0
        self._total = 0
        self._file = file
        self._limits = limits
        self._ceiling = limits.ceiling(size)
        self._finished = False

    def close(self):
        if not self.closed:
            self._source.close()
        return super().close()

    def readable(self):
        return True

    def readinto(self, buffer):
        while self._offset >= len(self._pending) and not self._finished:
            self._pending, self._offset = self._inflate(), 0
        count = min(len(buffer), len(self._pending) - self._offset)
        buffer[:count] = self._pending[self._offset : self._offset + count]
        self._offset += count
        return count

    def _next_input(self):
        piece = b"" if self._exhausted else self._source.read(_PIECE)
        if not piece:
            self._exhausted = True
        return piece

    def _inflate(self):
        inflater = self._inflater
        try:
            if inflater.eof:
                # another member may follow, after zero padding (as Python's gzip module reads them)
                tail = inflater.unused_data.lstrip(b"\x00")
                while not tail and not self._exhausted:
                    tail = self._next_input().lstrip(b"\x00")
                if not tail:
                    self._finished = True
                    return b""
                if not tail.startswith(GZIP_MAGIC[: len(tail)]):
                    raise OSError("not a gzip file after the end of its data (trailing garbage)")
                self._inflater = inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = inflater.decompress(tail, _PIECE)
            elif inflater.unconsumed_tail:
                out = inflater.decompress(inflater.unconsumed_tail, _PIECE)
            elif piece := self._next_input():
                out = inflater.decompress(piece, _PIECE)
            else:
                out = inflater.decompress(b"", _PIECE)
                if not out and not inflater.eof:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        except zlib.error as error:
            raise OSError(f"not a valid gzip file ({error})") from None
        self._total += len(out)
        if self._total > self._ceiling:
            raise self._limits.refusal(self._file, self._size)
        return out


def check_decompressed_size(source, kind, *, file, limits=DEFAULT_LIMITS):
    """Decompress the file once, keeping nothing, to refuse a file that expands past the limits before
    any of it is parsed. A damaged file passes: its parser names the row it reached."""
    source = bill_input(source, file)
    if not kind.endswith(".gz"):
        limits.check(file, source.size)
        return
    buffer = bytearray(_PIECE)
    with GunzipReader(source.open(), size=source.size, file=file, limits=limits) as reader:
        try:
            while reader.readinto(buffer):
                pass
        except (EOFError, OSError):
            return


def decompressed_stream(source, kind, *, file, limits=DEFAULT_LIMITS):
    """A binary stream of the file's content: decompressed (and counted) when ``kind`` is gzip."""
    source = bill_input(source, file)
    if kind.endswith(".gz"):
        reader = GunzipReader(source.open(), size=source.size, file=file, limits=limits)
        return io.BufferedReader(reader, buffer_size=_PIECE)
    limits.check(file, source.size)
    return source.open()


class _Utf16AsUtf8(io.RawIOBase):
    """UTF-16 text (with its byte-order mark) of a binary stream, given as UTF-8, a piece at a time."""

    def __init__(self, stream, *, file):
        super().__init__()
        self._stream = stream
        self._file = file
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="strict")
        self._pending = b""
        self._done = False

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending and not self._done:
            piece = self._stream.read(_PIECE)
            self._done = not piece
            try:
                self._pending = self._decoder.decode(piece, final=self._done).encode("utf-8")
            except UnicodeDecodeError as error:
                raise BillFormatError(
                    f"not UTF-16 text, although it starts as such ({error.reason})", file=self._file
                ) from None
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self):
        if not self.closed:
            self._stream.close()
        return super().close()


class _Utf16Input(BillInput):
    """A UTF-16 file read as the UTF-8 text its parser takes (decompressed first when it is gzip)."""

    def __init__(self, source, kind, *, limits):
        super().__init__(source, file=source.file)
        self._kind = kind
        self._limits = limits

    def open(self):
        stream = decompressed_stream(BillInput(self, file=self.file), self._kind, file=self.file, limits=self._limits)
        return io.BufferedReader(_Utf16AsUtf8(stream, file=self.file), buffer_size=_PIECE)

    def parquet_source(self):
        raise TypeError("UTF-16 text is no Parquet file")


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


def as_utf8(head, kind, *, file):
    """The first bytes of a UTF-16 text (with its byte-order mark, as some spreadsheet tools save CSV) as
    UTF-8, decompressed; other heads as they are. ``head`` may end inside a character."""
    if not decompressed_head(head, kind, 2).startswith(UTF16_BOMS):
        return head, kind
    try:
        content = decompressed_head(head, kind, HEAD_BYTES)
        text = content[: len(content) // 2 * 2].decode("utf-16", errors="ignore")
    except (EOFError, OSError, zlib.error) as error:
        raise BillFormatError(f"the gzip file is truncated or damaged ({error})", file=file) from None
    return text.encode("utf-8"), kind.removesuffix(".gz")


def utf8_input(source, kind, *, limits=DEFAULT_LIMITS):
    """(input, kind): a UTF-16 file (by its byte-order mark) as a stream of UTF-8 text, else as it is."""
    head = source.head(HEAD_BYTES if kind.endswith(".gz") else 2)
    if not decompressed_head(head, kind, 2).startswith(UTF16_BOMS):
        return source, kind
    return _Utf16Input(source, kind, limits=limits), kind.removesuffix(".gz")


def decompressed_head(data, kind, size=65536):
    if kind.endswith(".gz"):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
        except zlib.error:
            return b""
    return data[:size]


def csv_chunks(source, kind, *, file, chunk_rows, limits=DEFAULT_LIMITS):
    """Chunks of a CSV (or gzip CSV), read as a stream: strict UTF-8 (a byte-order mark is allowed), every
    value as text, and every row with as many fields as the header."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    source = bill_input(source, file)
    header = csv_header(source.head(HEAD_BYTES), kind, file=file)
    block = max(1 << 20, min(chunk_rows * 400, CSV_BLOCK_BYTES))
    # one thread: the parser runs beside the COPY of the previous chunk, and more threads only take memory
    read_options = pacsv.ReadOptions(block_size=block, use_threads=False)
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    # every column read as text, whichever spelling of its name Arrow keeps (spaces, byte-order mark)
    spellings = {variant for name in header for variant in (name, name.strip(), "\ufeff" + name)}
    convert_options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in spellings},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    offset = 0
    stream = decompressed_stream(source, kind, file=file, limits=limits)
    reader = None
    try:
        reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
        _OPEN_READERS[id(reader)] = (reader, stream)
        names = [name.lstrip("\ufeff").strip() for name in reader.schema.names]
        pending = []  # record batches not yet given, rows in order
        held = held_bytes = 0
        for batch in reader:
            pending.append(batch)
            held += batch.num_rows
            held_bytes += batch.nbytes
            while held >= chunk_rows or (held > 1 and held_bytes >= CHUNK_BYTES):
                table = pa.Table.from_batches(pending)
                rows = min(chunk_rows, max(1, held * CHUNK_BYTES // max(held_bytes, 1)))
                yield _arrow_frame(table.slice(0, rows), names, offset)
                offset += rows
                rest = table.slice(rows)
                pending = rest.combine_chunks().to_batches() if rest.num_rows else []
                held, held_bytes = rest.num_rows, rest.nbytes
                del table, rest
        if held:
            yield _arrow_frame(pa.Table.from_batches(pending), names, offset)
    except (EOFError, OSError) as error:
        if kind == "csv.gz":
            raise BillFormatError(
                f"the gzip file is truncated or damaged ({error}); rows read before: {offset}", file=file
            ) from None
        raise BillFormatError(f"not a readable CSV file: {error}", file=file) from None
    except pa.ArrowInvalid as error:
        _close_reader(reader, stream)
        reader = None
        row, message = _locate_csv_error(source, kind, str(error), file=file, limits=limits)
        raise BillFormatError(message, file=file, row=row) from None
    finally:
        _close_reader(reader, stream)


# CSV readers not closed yet: a reader whose chunks were not all taken is closed when its generator is collected
_OPEN_READERS = {}


@atexit.register
def _close_open_readers():
    """At exit, close the CSV readers still open: an open reader's read-ahead reads its Python stream, which it
    cannot do once the interpreter is finalizing, and Arrow's thread pool then waits for it for ever."""
    for reader, stream in list(_OPEN_READERS.values()):
        with contextlib.suppress(Exception):  # exiting goes on whatever a reader says
            _close_reader(reader, stream)


def _close_reader(reader, stream):
    """Stop the CSV reader (its read-ahead) before its stream is closed or read again."""
    if reader is not None:
        _OPEN_READERS.pop(id(reader), None)
        try:
            reader.close()
        except Exception:  # noqa: BLE001, S110 - stopping a reader that failed already
            pass
    stream.close()


def _arrow_frame(table, names, offset):
    frame = pd.DataFrame({name: table.column(i).to_pandas().astype(object) for i, name in enumerate(names)})
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def csv_header(data, kind, *, file):
    """The column names of a CSV's first line (``data``: the file's first bytes, or all of them); refuses a
    file without one, or whose first line is not text."""
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


def parquet_columns(source, *, file):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = bill_input(source, file)
    try:
        with pq.ParquetFile(source.parquet_source()) as parquet:
            return list(parquet.schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as error:
        raise BillFormatError(f"not a readable Parquet file: {error}", file=file) from None


def _locate_csv_error(source, kind, message, *, file, limits):
    """Row and message of the first bad row, found again with Python's csv module (the slow path), reading
    the content as a stream again."""
    import csv

    try:
        with decompressed_stream(source, kind, file=file, limits=limits) as stream:
            for number, line in enumerate(stream):
                try:
                    line.decode("utf-8-sig" if number == 0 else "utf-8")
                except UnicodeDecodeError as error:
                    return (number or None), f"not UTF-8 text ({error.reason})"
        with decompressed_stream(source, kind, file=file, limits=limits) as stream:
            reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
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
    except (EOFError, OSError):
        return None, f"not a readable CSV file: {message}"
    return None, f"not a readable CSV file: {message}"


def check_parquet_size(metadata, stored_size, *, file, limits=DEFAULT_LIMITS):
    """Refuse a Parquet file whose pages decompress past the limits, as its footer gives their size."""
    expanded = sum(metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups))
    limits.check(file, expanded, stored_size)


def parquet_chunks(source, *, file, chunk_rows, limits=DEFAULT_LIMITS):
    """Chunks of a Parquet file, read a row group at a time (from its path where it has one)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = bill_input(source, file)
    try:
        with pq.ParquetFile(source.parquet_source(), pre_buffer=False) as parquet:
            check_parquet_size(parquet.metadata, source.size, file=file, limits=limits)
            offset = decoded = 0
            for batch in parquet.iter_batches(batch_size=chunk_rows, use_threads=False):
                # values the footer counts once (dictionaries, runs) are counted as read, before they are copied
                decoded += batch.nbytes
                limits.check(file, decoded)
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


def jsonl_chunks(source, kind, *, file, chunk_rows, limits=DEFAULT_LIMITS):
    """JSON lines (as BigQuery exports them), read line by line: one object per line, numbers kept exact."""
    try:
        with decompressed_stream(source, kind, file=file, limits=limits) as stream:
            yield from _jsonl_frames(stream, file, chunk_rows)
    except (EOFError, OSError) as error:
        raise BillFormatError(f"the gzip file is truncated or damaged ({error})", file=file) from None


def _jsonl_frames(stream, file, chunk_rows):
    rows = []
    offset = size = 0
    number = -1
    for physical in stream:
        for line in physical.splitlines() or [b""]:
            number += 1
            if not line.strip():
                continue
            record = _json_record(line, number, file)
            record["__line__"] = number + 1
            rows.append(record)
            size += len(line)
            if len(rows) >= chunk_rows or size >= CHUNK_BYTES:
                yield _records_frame(rows, offset)
                offset += len(rows)
                rows, size = [], 0
    if rows:
        yield _records_frame(rows, offset)


def _json_record(line, number, file):
    try:
        record = json.loads(line.decode("utf-8-sig" if number == 0 else "utf-8"), parse_float=Decimal)
    except UnicodeDecodeError as error:
        raise BillFormatError(f"not UTF-8 text ({error.reason})", file=file, row=number + 1) from None
    except json.JSONDecodeError as error:
        raise BillFormatError(f"not a JSON object: {error.msg}", file=file, row=number + 1) from None
    if not isinstance(record, dict):
        raise BillFormatError("not a JSON object", file=file, row=number + 1)
    return record


def _records_frame(records, offset):
    frame = pd.DataFrame({"__record__": records})
    frame.index = pd.RangeIndex(offset, offset + len(records))
    return frame

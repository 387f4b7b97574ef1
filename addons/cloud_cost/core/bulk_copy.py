"""Bulk load of a DataFrame into a PostgreSQL table with COPY FROM STDIN.

Values travel as text and PostgreSQL parses them into the column types: decimal
strings become exact numerics, 'YYYY-MM-DD HH:MM:SS' strings timestamps, JSON text
jsonb. Float columns are refused: money must never pass through binary floats.

The frame is rendered by Arrow's CSV writer, whose conventions are PostgreSQL's CSV
ones: text values are always quoted (so "" is an empty string) and missing values are
left empty and unquoted (NULL).
"""

import io
import time

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

_WRITE_OPTIONS = pa_csv.WriteOptions(include_header=False, batch_size=16384)


class BulkCopyError(ValueError):
    """The frame cannot be copied as is (float money, unknown column type)."""


def _quote_ident(name):
    return '"' + str(name).replace('"', '""') + '"'


def frame_to_arrow(frame, columns=None):
    """Arrow table of ``frame``'s ``columns``: text, integers and booleans only."""
    columns = list(frame.columns if columns is None else columns)
    arrays = []
    for column in columns:
        series = frame[column]
        dtype = series.dtype
        if pd.api.types.is_float_dtype(dtype):
            raise BulkCopyError(f"column {column!r} holds floats: pass exact decimal strings (or integers) instead")
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
            arrays.append(pa.Array.from_pandas(series))
            continue
        array = pa.Array.from_pandas(series)
        if pa.types.is_floating(array.type):
            raise BulkCopyError(f"column {column!r} holds floats: pass exact decimal strings instead")
        if pa.types.is_null(array.type):
            array = pa.nulls(len(series), pa.string())
        elif not (
            pa.types.is_string(array.type)
            or pa.types.is_large_string(array.type)
            or pa.types.is_integer(array.type)
            or pa.types.is_boolean(array.type)
            or pa.types.is_decimal(array.type)
        ):
            raise BulkCopyError(f"column {column!r}: cannot copy values of type {array.type}")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=[str(c) for c in columns])


def frame_to_csv(frame, columns=None):
    """The CSV bytes COPY ... (FORMAT csv) reads back into exactly these values."""
    buffer = io.BytesIO()
    pa_csv.write_csv(frame_to_arrow(frame, columns), buffer, _WRITE_OPTIONS)
    buffer.seek(0)
    return buffer


def copy_frame(cursor, table, frame, columns=None):
    """COPY the rows of ``frame`` into ``table``; returns the number of rows copied.

    ``cursor``: a psycopg2 cursor (or Odoo's, which hands copy_expert to psycopg2).
    ``columns``: frame columns to copy, named as the table's columns (default: all).
    """
    if not len(frame):
        return 0
    columns = list(frame.columns if columns is None else columns)
    buffer = frame_to_csv(frame, columns)
    column_list = ", ".join(_quote_ident(c) for c in columns)
    table_name = ".".join(_quote_ident(part) for part in str(table).split("."))
    cursor.copy_expert(f"COPY {table_name} ({column_list}) FROM STDIN WITH (FORMAT csv)", buffer, size=1 << 20)
    return len(frame)


class BackgroundCopy:
    """COPY chunks in one background thread while the caller prepares the next ones.

    PostgreSQL parses and stores a chunk while Python reads and classifies the next:
    on two cores, the two halves of an import overlap. The cursor is the caller's (one
    transaction); the caller must call ``wait()`` before using the cursor itself, and
    leave the ``with`` block (which waits) before committing or rolling back. An error
    of a COPY is raised again by the next ``submit()`` / ``wait()`` / exit.

        with BackgroundCopy(cr, "cloud_cost_line") as writer:
            for frame in frames:
                writer.submit(frame)
    """

    def __init__(self, cursor, table, max_pending=1):
        import queue  # noqa: PLC0415
        import threading  # noqa: PLC0415

        self.cursor = cursor
        self.table = table
        self.rows = 0
        self.seconds = 0.0  # time spent rendering and copying, in the background thread
        self._queue = queue.Queue(maxsize=max_pending)
        self._idle = threading.Condition()
        self._pending = 0
        self._error = None
        self._thread = threading.Thread(target=self._work, name=f"copy {table}", daemon=True)
        self._thread.start()

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            table, columns, context = item
            started = time.perf_counter()
            try:
                if self._error is None:
                    buffer = io.BytesIO()
                    pa_csv.write_csv(table, buffer, _WRITE_OPTIONS)  # Arrow writes without the GIL
                    buffer.seek(0)
                    column_list = ", ".join(_quote_ident(c) for c in columns)
                    table_name = ".".join(_quote_ident(part) for part in str(self.table).split("."))
                    self.cursor.copy_expert(
                        f"COPY {table_name} ({column_list}) FROM STDIN WITH (FORMAT csv)", buffer, size=1 << 20
                    )
                    self.rows += table.num_rows
            except Exception as error:  # handed to the caller's thread
                error.copy_context = context  # what the caller said this chunk was
                self._error = error
            finally:
                self.seconds += time.perf_counter() - started
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _raise(self):
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, frame, columns=None, context=None):
        """Queue ``frame`` for COPY (converted to Arrow here, in the caller's thread).

        ``context`` is attached to the error (``error.copy_context``) if this chunk fails.
        """
        self._raise()
        if not len(frame):
            return
        columns = list(frame.columns if columns is None else columns)
        table = frame_to_arrow(frame, columns)
        with self._idle:
            self._pending += 1
        self._queue.put((table, columns, context))

    def wait(self):
        """Block until every submitted chunk is copied; the cursor is the caller's again."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0)
        self._raise()

    def close(self):
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0)
        self._queue.put(None)
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        if exc_type is None:
            self._raise()
        return False

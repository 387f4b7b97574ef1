"""Bill files are read as streams, a piece at a time, whatever their container and wherever they come from:
no reading ever asks for a whole file."""

import gzip
import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from odoo.tests import tagged

from ..core.bill_formats import BillFormatError, read_bill, summarize
from ..core.bill_stores import S3Store, hash_stream
from .bill_files import focus_csv, focus_row
from .plain import PlainCase, parametrize
from .test_bill_formats import gcp_line

PIECE = 4 << 20  # the largest read a parser may ask for


class Watched(io.RawIOBase):
    """A binary file whose reads are noted; a read of the whole file (no size, or more than PIECE) fails."""

    def __init__(self, data, seekable=True):
        super().__init__()
        self._data = io.BytesIO(data)
        self._seekable = seekable
        self.reads = []

    def readable(self):
        return True

    def seekable(self):
        return self._seekable

    def read(self, size=-1):  # pylint: disable=method-required-super
        assert 0 < size <= PIECE or (size > 0 and not self._seekable), f"asked for {size} bytes at once"
        self.reads.append(size)
        return self._data.read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        return self._data.seek(offset, whence)

    def tell(self):
        return self._data.tell()


def rows(count):
    return [focus_row(day=1 + n % 28, BilledCost=f"{n}.{n % 97:02d}", ResourceId=f"i-{n:08x}") for n in range(count)]


def parquet(data_rows):
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(data_rows), buffer, row_group_size=500)
    return buffer.getvalue()


BILLS = {
    "focus.csv": lambda: focus_csv(rows(3000)),
    "focus.csv.gz": lambda: focus_csv(rows(3000), gzip_it=True),
    "focus-utf16.csv": lambda: focus_csv(rows(3000)).decode().encode("utf-16"),
    "part-0.parquet": lambda: parquet(rows(3000)),
    "billing.jsonl": lambda: "\n".join(gcp_line(cost=n) for n in range(3000)).encode(),
    "billing.jsonl.gz": lambda: gzip.compress("\n".join(gcp_line(cost=n) for n in range(3000)).encode()),
}


class _Body(io.RawIOBase):
    """An S3 response body (botocore's StreamingBody): read a piece at a time, never sought."""

    def __init__(self, data):
        super().__init__()
        self._data = io.BytesIO(data)
        self.reads = []

    def readable(self):
        return True

    def read(self, size=-1):  # pylint: disable=method-required-super
        assert size > 0, "the whole object asked for at once"
        self.reads.append(size)
        return self._data.read(size)


class _Client:
    def __init__(self, objects):
        self.objects = objects
        self.bodies = []

    def get_object(self, Bucket, Key, **extra):  # noqa: N803 (boto3's names)
        body = _Body(self.objects[Key])
        self.bodies.append(body)
        return {"Body": body}


@tagged("post_install", "-at_install")
class TestBillStreams(PlainCase):
    @parametrize("name", sorted(BILLS))
    def test_every_container_is_read_a_piece_at_a_time_from_the_open_file(self, name):
        data = BILLS[name]()
        expected = summarize(read_bill(data, file_name=name, chunk_rows=700))
        assert expected["rows"] == 3000
        stream = Watched(data)
        stream.seek(123)  # wherever the caller left it: the file is read from its first byte
        assert summarize(read_bill(stream, file_name=name, chunk_rows=700)) == expected
        assert stream.reads and not stream.closed, "read in pieces, and left open for the caller"

    def test_a_stream_that_cannot_seek_is_read_from_a_temporary_copy(self):
        data = focus_csv(rows(500), gzip_it=True)
        stream = Watched(data, seekable=False)
        assert summarize(read_bill(stream, file_name="focus.csv.gz"))["rows"] == 500

    def test_a_bad_row_of_a_streamed_file_is_named(self):
        data = focus_csv(rows(2000)).replace(b"i-000005dc", b"i-000005dc,extra")  # row 1501: one field more
        with pytest.raises(BillFormatError, match=r"focus.csv, row 1501: this row has 44 fields, the header 43"):
            list(read_bill(Watched(data), file_name="focus.csv", chunk_rows=500))

    def test_a_file_is_hashed_a_piece_at_a_time(self):
        data = b"x" * (3 << 20) + b"y"
        stream = Watched(data)
        assert hash_stream(stream) == (hashlib.sha256(data).hexdigest(), len(data))
        assert max(stream.reads) <= 1 << 20

    def test_an_s3_object_is_downloaded_a_piece_at_a_time_into_a_file_on_disk(self):
        big = focus_csv(rows(30_000))  # about 18 MB: past what a download keeps in memory
        assert len(big) > 8 << 20
        client = _Client({"exports/focus.csv": big, "exports/small.csv": focus_csv(rows(2))})
        store = S3Store(client, "bucket", "exports/")
        with store.open("exports/focus.csv") as stream:
            assert stream._rolled, "kept on disk, not in memory"
            assert stream.read(10) == big[:10] and stream.seek(0) == 0
            assert summarize(read_bill(stream, file_name="focus.csv"))["rows"] == 30_000
        assert max(client.bodies[0].reads) <= 1 << 20
        with store.open("exports/small.csv") as stream:
            assert not stream._rolled

"""Compressed bill files are refused past a decompressed size and an expansion ratio, while they are read:
a gzip bomb never gets the chance to take the memory it would expand to."""

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from odoo.tests import tagged

from ..core.bill_formats import InputLimits, InputTooLarge, read_bill, readers
from ..core.bill_formats.readers import GunzipReader, csv_chunks, jsonl_chunks
from .bill_files import focus_csv, focus_row, gzip_bomb
from .memory import PeakMemory
from .plain import PlainCase

MB = 1 << 20


def read_all(data, name, **kwargs):
    return sum(len(chunk) for chunk in read_bill(data, file_name=name, **kwargs))


def parquet_bill(**options):
    rows = [
        focus_row(day=1 + n % 28, BilledCost=f"{n}.{n % 97:02d}", ResourceId=f"i-{n:08x}", ChargeDescription="y" * 500)
        for n in range(20_000)
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer, **options)
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestBillLimits(PlainCase):
    def test_a_gzip_bomb_is_refused_by_its_expansion_ratio_before_it_takes_memory(self):
        bomb = gzip_bomb(600)  # about 600 KB that expand to 600 MB of bill rows
        assert len(bomb) < 2 * MB
        with PeakMemory() as peak, pytest.raises(InputTooLarge) as refusal:
            read_all(bomb, "exports/focus-2026-10.csv.gz", chunk_rows=50_000)
        message = str(refusal.value)
        assert message.startswith("exports/focus-2026-10.csv.gz: refused")
        assert "200 times its compressed size" in message
        assert "cloud_cost_max_expansion_ratio" in message
        assert peak.growth < 200 * MB, str(peak)

    def test_the_absolute_limit_counts_for_a_file_of_ordinary_compression(self):
        rows = [focus_row(day=1 + n % 28, BilledCost=f"{n}.{n % 97:02d}", ResourceId=f"i-{n:08x}") for n in range(4000)]
        data = gzip.compress(focus_csv(rows))
        assert read_all(data, "bill.csv.gz") == 4000
        with pytest.raises(
            InputTooLarge,
            match=r"bill.csv.gz: refused: decompressed, it holds more than the 1 MB allowed "
            r"\(server option cloud_cost_max_uncompressed_mb\); nothing was imported",
        ):
            read_all(data, "bill.csv.gz", limits=InputLimits(max_bytes=MB))
        # a plain file is held to the size too
        with pytest.raises(InputTooLarge, match=r"bill.csv: refused: it holds .* more than the 1 MB allowed"):
            read_all(focus_csv(rows), "bill.csv", limits=InputLimits(max_bytes=MB))

    def test_while_parsing_the_content_is_counted_again_on_every_path(self):
        # read_bill measures a compressed file before it parses it; the parsers count as they read too: a
        # good header, then a line of 400 MB that the CSV reader cannot cut into blocks, so that the error is
        # looked for again row by row, and that second reading is held to the same limits
        header = focus_csv([]).rstrip(b"\n") + b"\n"
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressor:
            compressor.write(header)
            for _ in range(400):
                compressor.write(b"a" * MB)
        data = buffer.getvalue()
        with PeakMemory() as peak, pytest.raises(InputTooLarge, match="bill.csv.gz: refused"):
            list(csv_chunks(data, "csv.gz", file="bill.csv.gz", chunk_rows=50_000))
        assert peak.growth < 200 * MB, str(peak)
        bomb = gzip_bomb(100)
        with pytest.raises(InputTooLarge, match="bill.csv.gz: refused"):
            list(
                csv_chunks(bomb, "csv.gz", file="bill.csv.gz", chunk_rows=50_000, limits=InputLimits(max_bytes=40 * MB))
            )
        with pytest.raises(InputTooLarge, match="billing.jsonl.gz: refused"):
            list(
                jsonl_chunks(
                    gzip_bomb(100, jsonl=True),
                    "jsonl.gz",
                    file="billing.jsonl.gz",
                    chunk_rows=50_000,
                    limits=InputLimits(max_bytes=40 * MB),
                )
            )

    def test_a_json_lines_bomb_is_refused_while_it_is_read(self):
        bomb = gzip_bomb(400, jsonl=True)
        with PeakMemory() as peak, pytest.raises(InputTooLarge, match="billing.jsonl.gz: refused"):
            read_all(bomb, "billing.jsonl.gz")
        assert peak.growth < 200 * MB, str(peak)

    def test_a_parquet_file_whose_pages_expand_too_far_is_refused_from_its_footer(self):
        data = parquet_bill(compression="zstd", use_dictionary=False)  # 80 KB of pages holding 22 MB
        with pytest.raises(
            InputTooLarge,
            match="part-0.parquet: refused: decompressed, it holds 21 MB, more than "
            "16 MB: over 200 times its compressed size of 77 KB",
        ):
            read_all(data, "part-0.parquet")
        assert read_all(data, "part-0.parquet", limits=InputLimits(max_ratio=1000)) == 20_000

    def test_parquet_values_a_dictionary_repeats_are_counted_as_they_are_read(self):
        data = parquet_bill()  # 300 KB, 600 KB of pages: the descriptions are one dictionary entry
        assert read_all(data, "part-0.parquet") == 20_000
        with pytest.raises(InputTooLarge, match="part-0.parquet: refused: it holds 21 MB, more than the 4 MB allowed"):
            read_all(data, "part-0.parquet", limits=InputLimits(max_bytes=4 * MB))

    def test_small_files_that_compress_well_still_read(self):
        # a few thousand identical rows compress better than the ratio, but expand to little
        data = gzip.compress(focus_csv([focus_row()] * 3000))
        assert len(focus_csv([focus_row()] * 3000)) / len(data) > 150
        assert read_all(data, "same.csv.gz", limits=InputLimits(max_ratio=10)) == 3000

    def test_the_counting_reader_reads_every_member_and_zero_padding_and_reports_damage(self):
        one, two = b"a,b\n1,2\n", b"3,4\n" * 1000
        data = gzip.compress(one) + b"\0" * 16 + gzip.compress(two)
        assert io.BufferedReader(GunzipReader(data, file="x.gz")).read() == one + two
        with pytest.raises(EOFError):
            io.BufferedReader(GunzipReader(data[:-5], file="x.gz")).read()
        with pytest.raises(OSError, match="trailing garbage"):
            io.BufferedReader(GunzipReader(gzip.compress(one) + b"garbage", file="x.gz")).read()
        with pytest.raises(OSError):
            io.BufferedReader(GunzipReader(data[:20] + b"\xff" * 30 + data[50:], file="x.gz")).read()

    def test_a_csv_reader_left_half_read_is_closed_at_exit(self):
        data = focus_csv([focus_row(day=1 + n % 28, ResourceId=f"i-{n:08x}") for n in range(3_000)], gzip_it=True)
        chunks = csv_chunks(data, "csv.gz", file="bill.csv.gz", chunk_rows=1_000)
        self.assertEqual(len(next(chunks)), 1_000)
        self.assertEqual(len(readers._OPEN_READERS), 1)  # its read-ahead still running
        readers._close_open_readers()  # what the exit hook does before the interpreter finalizes
        self.assertEqual(readers._OPEN_READERS, {})
        chunks.close()
        self.assertEqual(readers._OPEN_READERS, {})

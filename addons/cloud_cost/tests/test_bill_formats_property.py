"""Broken bill files: each one is read exactly or refused whole with a BillFormatError, never anything else."""

import csv
import gzip
import io
from decimal import Decimal, InvalidOperation

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..core.bill_formats import BillFormatError, read_bill
from .plain import PlainCase
from .test_bill_formats import FOCUS_HEADER, focus_row, to_csv

VALID_ROWS = [
    focus_row(BilledCost="12.3456789012", EffectiveCost="10.0000000001"),
    focus_row(BilledCost="0.0000000001", EffectiveCost="0", Tags=""),
    focus_row(BilledCost="-4.5", EffectiveCost="-4.5", ChargeCategory="Credit", Tags='{"a": "x, y"}'),
    focus_row(BilledCost="1000000.25", EffectiveCost="999999.75", ChargeDescription='say "hi"\nthere'),
]
VALID = to_csv(VALID_ROWS)


def reference_totals(data):
    """What the file says, read by Python's csv module and Decimal: (rows, billed, effective) or None."""
    try:
        text = data.decode("utf-8-sig")
        records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    except (UnicodeDecodeError, csv.Error):
        return None
    if not records:
        return None
    header = [h.strip() for h in records[0]]
    if "BilledCost" not in header or "EffectiveCost" not in header:
        return None
    billed_at, effective_at = header.index("BilledCost"), header.index("EffectiveCost")
    billed = effective = Decimal(0)
    for record in records[1:]:
        if len(record) != len(header):
            return None
        try:
            billed += Decimal(record[billed_at].strip())
            effective += Decimal(record[effective_at].strip())
        except InvalidOperation:
            return None
    return len(records) - 1, billed, effective


def parsed_totals(data, name):
    rows = 0
    billed = effective = Decimal(0)
    for chunk in read_bill(io.BytesIO(data), file_name=name, chunk_rows=2):
        rows += len(chunk)
        billed += sum((Decimal(v) for v in chunk["billed_cost"]), Decimal(0))
        effective += sum((Decimal(v) for v in chunk["effective_cost"]), Decimal(0))
    return rows, billed, effective


def check(data, name="broken.csv", plain=None):
    """The property: refused with a BillFormatError naming the file, or read to exactly what the file says."""
    try:
        result = parsed_totals(data, name)
    except BillFormatError as error:
        assert str(error).startswith(name), str(error)
        return "refused"
    expected = reference_totals(plain if plain is not None else data)
    assert expected is not None, "the parser accepted a file that does not hold together"
    assert result == expected
    return "read"


@tagged("post_install", "-at_install")
class TestBillFormatsProperty(PlainCase):
    def test_the_valid_file_reads_exactly(self):
        assert check(VALID) == "read"
        assert parsed_totals(VALID, "v.csv") == (4, Decimal("1000008.0956789013"), Decimal("1000005.2500000001"))

    def test_a_header_with_a_leading_tab_reads_exactly_and_a_stray_carriage_return_is_refused(self):
        # found by the properties below: amounts of a column whose header name has spaces must stay text
        assert check(b"\t" + VALID) == "read"
        assert check(b"\r" + VALID) == "refused"

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_truncated_files(self, data):
        cut = data.draw(st.integers(min_value=0, max_value=len(VALID) - 1))
        check(VALID[:cut])
        compressed = gzip.compress(VALID)
        gz_cut = data.draw(st.integers(min_value=0, max_value=len(compressed) - 1))
        check(compressed[:gz_cut], name="broken.csv.gz")

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_garbage_bytes_inserted(self, data):
        at = data.draw(st.integers(min_value=0, max_value=len(VALID)))
        garbage = data.draw(st.binary(min_size=1, max_size=12))
        check(VALID[:at] + garbage + VALID[at:])

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_a_corrupted_cell(self, data):
        rows = [dict(row) for row in VALID_ROWS]
        row = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
        column = data.draw(st.sampled_from(FOCUS_HEADER))
        rows[row][column] = data.draw(
            st.one_of(st.text(max_size=15), st.sampled_from(["NULL", "1e400", "-0", "١٢", "nan", "1,5", " 7 "]))
        )
        check(to_csv(rows))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_a_dropped_column(self, data):
        column = data.draw(st.sampled_from(FOCUS_HEADER))
        everywhere = data.draw(st.booleans())
        header = [h for h in FOCUS_HEADER if h != column]
        if everywhere:
            check(to_csv(VALID_ROWS, header=header))
        else:  # only the header lost it: every row has one field too many
            lines = VALID.decode().split("\n")
            reader_header = next(csv.reader([lines[0]]))
            reader_header.remove(column)
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(reader_header)
            check((buffer.getvalue() + "\n".join(lines[1:])).encode())

import datetime
import random
import struct
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.run_hash import SectionHash, canonical_text, canonical_value, content_hash
from ..core.source_rows import read_rows


@tagged("post_install", "-at_install")
class TestRunHash(PlainCase):
    def test_same_content_same_hash_whatever_the_row_order_and_number_spelling(self):
        one = {
            "run": {"total": Decimal("10.50")},
            "lines": [{"amount": Decimal("10.5"), "to": 1}, {"amount": 0.0, "to": 2}],
        }
        two = {"lines": [{"to": 2, "amount": Decimal("0.00")}, {"to": 1, "amount": 10.5}], "run": {"total": 10.5}}
        assert content_hash(one) == content_hash(two)
        assert len(content_hash(one)) == 64

    def test_a_cent_changes_the_hash(self):
        base = {"lines": [{"amount": Decimal("10.50")}]}
        assert content_hash(base) != content_hash({"lines": [{"amount": Decimal("10.51")}]})
        assert '"algorithm":"sha256-v1"' in canonical_text(base)

    def test_rows_of_a_csv_by_data_row_number_with_quoted_newlines(self):
        data = b'A,B\n1,"x"\n2,"two\nlines"\n3,z\n'
        assert read_rows(data, "bill.csv", {2, 3}) == {2: {"A": "2", "B": "two\nlines"}, 3: {"A": "3", "B": "z"}}

    def test_workbook_cells_keep_their_types(self):
        import io  # noqa: PLC0415

        import openpyxl  # noqa: PLC0415

        from ..core.auditor_pack import SHEETS, build_workbook  # noqa: PLC0415

        data = build_workbook(
            [("Total cost", 12.5)],
            [{"Final": True, "Amount": 12.5, "Step": "1"}, {"Final": False, "Amount": 0.0, "Step": None}],
            [],
            {"drivers": {}},
            [{"File": "a.csv", "Rows": 3}],
        )
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        assert workbook.sheetnames == list(SHEETS)
        assert list(workbook["Allocation Lines"].iter_rows(values_only=True)) == [
            ("Final", "Amount", "Step"),
            (True, 12.5, "1"),
            (False, 0, None),
        ]
        assert workbook["Drivers"]["A1"].value == "(none)"
        assert list(workbook["Source Files"].iter_rows(min_row=2, values_only=True)) == [("a.csv", 3)]

    def test_a_section_digest_is_the_same_any_later_day(self):
        """Sealed runs are verified years later: the canonical text of each kind of value must not drift."""
        rows = [
            (1, 12.5, 100.0, 1e-05, -0.0, 1.5e20, 0.30000000000000004, Decimal("10.500"),
             datetime.datetime(2026, 10, 1, 0, 0), datetime.datetime(2026, 10, 1, 1, 2, 3, 40),
             datetime.date(2026, 10, 31), None, 'Amazon S3 "eu"', True),
            (2, 1e16, 123456789012345.0, float("inf"), 0.0, -7.25, 5e-324, Decimal("0E-7"),
             datetime.datetime(2026, 11, 1), datetime.datetime(2026, 11, 1, 23, 59, 59),
             datetime.date(2026, 11, 1), None, "é\n", False),
        ]  # fmt: skip
        columns = tuple(f"c{number}" for number in range(len(rows[0])))
        pinned = "fc05bf379427f783848fd095d22f03c564d435d6bb30d6d164baec19d84c0d23"
        assert SectionHash("pinned", columns).add(rows).hexdigest() == pinned
        assert SectionHash("pinned", columns).add_unordered(reversed(rows)).hexdigest() == pinned

    def test_a_float_is_the_exact_decimal_of_its_shortest_form(self):
        def through_decimal(value):
            exact = Decimal(repr(value))
            return format(exact.normalize(), "f") if exact else "0"

        randomness = random.Random(7)
        values = [0.0, -0.0, 100.0, 1e15, 1e16, 1e-05, 0.1, 2.5e-7, float("inf"), float("-inf"), float("nan")]
        values += [struct.unpack("d", struct.pack("Q", randomness.getrandbits(64)))[0] for _ in range(20000)]
        values += [round(randomness.uniform(-1e9, 1e9), randomness.randint(0, 12)) for _ in range(20000)]
        assert [canonical_value(value) for value in values] == [through_decimal(value) for value in values]

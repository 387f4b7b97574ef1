from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.run_hash import canonical_text, content_hash
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

"""What is a bill is told by the content, whatever the file's name; what is not is refused or left aside, saying why."""

import gzip
import io
import json

import pytest

from odoo.tests import tagged

from ..core.bill_formats import BillFormatError, NotABill, parse_manifest, read_bill, sniff, summarize
from ..core.bill_stores import LocalStore, MemoryStore, plan_imports
from .plain import PlainCase, parametrize
from .test_bill_formats import CUR2_HEADER, FOCUS_HEADER, cur2_row, focus_row, to_csv

LOG_TEXT = b"2026-10-01 12:00:01 INFO import started\n2026-10-01 12:00:02 WARN 3 files, 1 skipped\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


def cur2_bill():
    return to_csv([cur2_row("Usage", "0.384"), cur2_row("Tax", "0.07", resource_tags="")], header=CUR2_HEADER)


def refused(data, name):
    with pytest.raises(BillFormatError) as caught:
        list(read_bill(io.BytesIO(data), file_name=name))
    return caught.value


@tagged("post_install", "-at_install")
class TestBillDetection(PlainCase):
    @parametrize("name", ["cur-2026-10.log", "export", "cur.json", "cur.txt"])
    def test_a_bill_under_any_name_is_read_by_its_content(self, name):
        found = summarize(read_bill(io.BytesIO(cur2_bill()), file_name=name))
        assert found["rows"] == 2
        assert {k: str(v["billed_cost"]) for k, v in found["totals"].items()} == {
            ("Usage", "USD"): "0.384",
            ("Tax", "USD"): "0.07",
        }
        compressed = summarize(read_bill(io.BytesIO(gzip.compress(cur2_bill())), file_name=name))
        assert compressed == found
        assert sniff(name, cur2_bill()) == "aws_cur2"

    @parametrize(
        ("data", "why"),
        [
            (LOG_TEXT, "not a bill: its first line is not the header of a format this suite reads"),
            (b"Date,Cost,Team\n2026-10-01,12,web\n", "not a bill: its first line is not the header"),
            (PNG, "not a bill: binary content, not text"),
            (b"PK\x03\x04\x14\x00\x00\x00", "not a bill: a ZIP archive"),
            (b'{"level": "info", "message": "started"}\n', "not a bill: JSON lines whose first record is not a row"),
            (b"\xe9t\xe9,co\xfbt\n1,2\n", "not a bill, or one in an encoding other than UTF-8"),
        ],
    )
    def test_what_is_not_a_bill_is_refused_with_its_name_and_why(self, data, why):
        error = refused(data, "notes.txt")
        assert isinstance(error, NotABill)
        assert error.file == "notes.txt" and why in error.message
        assert str(error).startswith("notes.txt: not a bill")
        with pytest.raises(NotABill):
            sniff("notes.txt", data)

    def test_the_refusal_names_what_the_first_line_holds(self):
        error = refused(LOG_TEXT, "app.log")
        assert error.message.endswith(": '2026-10-01 12:00:01 INFO import started'")
        assert "FOCUS, AWS CUR 2.0 or legacy CUR, Azure cost export, Google Cloud billing export" in error.message

    def test_an_empty_export_holds_no_rows_and_an_empty_file_is_refused(self):
        header_only = to_csv([], header=FOCUS_HEADER)
        assert list(read_bill(io.BytesIO(header_only), file_name="focus-2026-11.csv")) == []
        assert summarize(read_bill(io.BytesIO(gzip.compress(header_only)), file_name="focus.csv.gz"))["rows"] == 0
        assert refused(b"", "focus.csv").message == "the file is empty (0 bytes)"
        assert refused(b"\n\n", "focus.csv").message == "the file is empty (no header row)"

    def test_a_header_only_file_that_is_no_bill_is_refused_too(self):
        assert isinstance(refused(b"name,email\n", "contacts.csv"), NotABill)

    def test_a_folder_keeps_bills_whatever_their_name_and_leaves_the_rest_aside_saying_why(self):
        tmp_path = self.make_tmp_path()
        (tmp_path / "cur-2026-10.log").write_bytes(cur2_bill())
        (tmp_path / "focus.csv").write_bytes(to_csv([focus_row()]))
        (tmp_path / "README.txt").write_bytes(b"Exports of the payer account, one folder per month.\n")
        (tmp_path / "logo.png").write_bytes(PNG)
        (tmp_path / "empty.dat").write_bytes(b"")
        (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
        units, notes = plan_imports(LocalStore(tmp_path, roots=[str(tmp_path)]), parse_manifest)
        assert [unit.label for unit in units] == ["cur-2026-10.log", "focus.csv"]
        assert notes == [
            "README.txt: left aside, not a bill: its first line is not the header of a format this suite reads "
            "(FOCUS, AWS CUR 2.0 or legacy CUR, Azure cost export, Google Cloud billing export): "
            "'Exports of the payer account, one folder per month.'",
            "empty.dat: left aside, an empty file",
            "logo.png: left aside, not a bill: binary content, not text",
        ]

    def test_a_file_named_by_the_user_is_imported_or_refused_never_left_aside(self):
        tmp_path = self.make_tmp_path()
        notes_file = tmp_path / "notes.txt"
        notes_file.write_bytes(LOG_TEXT)
        units, notes = plan_imports(LocalStore(notes_file, roots=[str(tmp_path)]), parse_manifest)
        assert [unit.label for unit in units] == ["notes.txt"] and notes == []
        units, notes = plan_imports(MemoryStore({"notes.txt": LOG_TEXT, "bill.log": cur2_bill()}), parse_manifest)
        assert [unit.label for unit in units] == ["bill.log", "notes.txt"] and notes == []

    def test_json_lines_are_told_by_their_first_record(self):
        record = {"billing_account_id": "01AB", "cost": 1.5, "currency": "EUR",
                  "usage_start_time": "2026-10-04T10:00:00Z", "usage_end_time": "2026-10-04T11:00:00Z",
                  "invoice": {"month": "202610"}}  # fmt: skip
        data = (json.dumps(record) + "\n").encode()
        assert sniff("billing.log", data) == "gcp"
        assert summarize(read_bill(io.BytesIO(data), file_name="billing.log"))["rows"] == 1

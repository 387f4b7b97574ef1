"""Files of the server are read only below the import directories the configuration lists."""

import argparse
import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .. import cli
from ..core.bill_stores import MemoryStore
from ..models.cloud_cost_bill_import import ImportRefused
from .bill_files import focus_csv, focus_row
from .common_import import ImportCase
from .server_options import server_options


@tagged("post_install", "-at_install")
class TestImportRoots(ImportCase):
    def setUp(self):
        super().setUp()
        # a folder beside the import root, not below it: what a source must never read
        self.outside = Path(tempfile.mkdtemp(prefix="cloud-cost-outside-"))
        self.addCleanup(shutil.rmtree, self.outside, ignore_errors=True)
        self.secret_bill = self.outside / "payroll.csv"
        self.secret_bill.write_bytes(focus_csv([focus_row(day=1, BilledCost="999")]))

    def bill(self, name, day=1, **values):
        return self.write(name, focus_csv([focus_row(day=day, **values)]))

    def assert_nothing_imported(self, source=None):
        self.assertEqual(self.line_count(), 0)
        self.assertFalse((source or self.source).batch_ids)

    def test_a_folder_below_the_root_is_read(self):
        self.bill("focus-2026-10.csv")
        result = self.source._run_import()
        self.assertEqual(result.batches[0].row_count, 1)

    def test_a_path_outside_the_roots_is_refused_when_saved_and_when_read(self):
        with self.assertRaises(ValidationError) as refusal:
            self.source.write({"location": str(self.outside)})
        message = str(refusal.exception)
        self.assertIn(str(self.outside), message)
        self.assertIn("cloud_cost_import_roots", message)
        self.assertEqual(self.source.location, str(self.folder), "nothing changed")
        with self.assertRaises(ValidationError):
            self.source.write({"location": "/etc/passwd"})
        # a path given to the import (as the command line gives one) goes through the same check
        with self.assertRaisesRegex(ImportRefused, "payroll.csv: not below an import directory"):
            self.source._run_import(str(self.secret_bill))

        # saved while it was allowed, read after the administrator took the directory out of the roots
        self.bill("focus-2026-10.csv")
        self.startPatcher(server_options(cloud_cost_import_roots=str(self.outside)))
        self.assertIsNone(self.source._import_and_record())
        self.assertEqual(self.source.last_import_state, "failed")
        self.assertIn(str(self.folder), self.source.last_import_message)
        self.assertIn("cloud_cost_import_roots", self.source.last_import_message)
        self.assert_nothing_imported()

    def test_dot_dot_is_resolved_before_the_check(self):
        escaping = f"{self.folder}/../../{self.outside.name}/payroll.csv"
        with self.assertRaisesRegex(ValidationError, "not below an import directory"):
            self.source.write({"location": escaping})
        with self.assertRaisesRegex(ImportRefused, r"payroll\.csv: not below an import directory"):
            self.source._run_import(escaping)
        self.assert_nothing_imported()
        # '..' that stays inside the root is fine
        self.bill("sub/focus-2026-10.csv")
        self.source.location = f"{self.folder}/sub/../sub"
        self.assertEqual(self.source._run_import().batches[0].row_count, 1)

    def test_a_link_inside_the_folder_pointing_outside_refuses_the_import(self):
        self.bill("focus-2026-10.csv")
        os.symlink(self.secret_bill, self.folder / "focus-2026-11.csv")
        with self.assertRaises(ImportRefused) as refusal:
            self.source._run_import()
        message = str(refusal.exception.args[0])
        self.assertIn("focus-2026-11.csv", message)
        self.assertIn("cloud_cost_import_roots", message)
        self.assertNotIn("payroll", message, "where the link leads is not told")
        self.assert_nothing_imported()

        # a link to a folder outside: refused as a location; links to folders met inside are not followed
        link = self.import_root / "elsewhere"
        os.symlink(self.outside, link)
        with self.assertRaisesRegex(ValidationError, "elsewhere: not below an import directory"):
            self.source.write({"location": str(link)})
        os.unlink(self.folder / "focus-2026-11.csv")
        os.symlink(self.outside, self.folder / "linked-folder")
        result = self.source._run_import()
        self.assertEqual(result.batches[0].file_ids.mapped("name"), ["focus-2026-10.csv"])

    def test_a_link_to_a_file_inside_the_roots_is_read(self):
        other = Path(tempfile.mkdtemp(dir=self.import_root))
        (other / "shared.csv").write_bytes(focus_csv([focus_row(day=3, BilledCost="3")]))
        os.symlink(other / "shared.csv", self.folder / "focus-2026-10.csv")
        batch = self.source._run_import().batches[0]
        self.assertEqual((batch.row_count, batch.file_ids.name), (1, "focus-2026-10.csv"))

    def test_without_roots_no_server_file_is_read_uploads_still_are(self):
        self.bill("focus-2026-10.csv")
        self.startPatcher(server_options(cloud_cost_import_roots=None))
        with self.assertRaises(ValidationError) as refusal:
            self.source.write({"location": str(self.folder / "focus-2026-10.csv")})
        self.assertIn(
            "no import directory is configured (server option cloud_cost_import_roots)", str(refusal.exception)
        )
        self.source._import_and_record()
        self.assertEqual(self.source.last_import_state, "failed")
        self.assertIn("no import directory is configured", self.source.last_import_message)
        self.assert_nothing_imported()
        # uploads (and S3) need no server directory
        result = self.source._import_store(MemoryStore({"up.csv": focus_csv([focus_row(day=2)])}))
        self.assertEqual(result.batches[0].row_count, 1)

    def test_at_most_the_bound_of_files_per_run_and_the_rest_is_named(self):
        for period in ("2026-08", "2026-09", "2026-10"):
            self.write(f"focus-{period}.csv", focus_csv([focus_row(period=period, day=1)]))
        self.startPatcher(server_options(cloud_cost_max_files_per_run="2"))

        first = self.source._import_and_record()
        self.assertEqual(sorted(str(b.billing_period_start) for b in first.batches), ["2026-08-01", "2026-09-01"])
        self.assertIn(
            "1 file(s) left for the next run, at most 2 read per run (server option "
            "cloud_cost_max_files_per_run): focus-2026-10.csv",
            self.source.last_import_message,
        )

        # the next run takes the new file first; one imported before is checked again within the bound
        second = self.source._import_and_record()
        self.assertEqual([str(b.billing_period_start) for b in second.batches], ["2026-10-01"])
        self.assertIn("1 file(s) imported before not checked again", self.source.last_import_message)
        self.assertNotIn("left for the next run", self.source.last_import_message)
        third = self.source._import_and_record()
        self.assertEqual(third.batches, [])
        self.assertEqual(self.line_count(), 3)


@tagged("post_install", "-at_install")
class TestImportCommandRoots(ImportCase):
    """``./setup/cloudcost import PATH`` obeys the roots too; ``--import-root DIR`` adds one for that command."""

    def run_command(self, location, *roots):
        args = argparse.Namespace(location=location, source="Command line", import_root=list(roots))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.run_import(self.env, args)
        return status, out.getvalue(), err.getvalue()

    def test_the_command_line_reads_only_below_the_roots_or_the_ones_it_is_given(self):
        outside = Path(tempfile.mkdtemp(prefix="cloud-cost-operator-"))
        self.addCleanup(shutil.rmtree, outside, ignore_errors=True)
        bill = outside / "focus-2026-10.csv"
        bill.write_bytes(focus_csv([focus_row(day=1)]))

        status, out, err = self.run_command(str(bill))
        self.assertEqual(status, 2)
        self.assertIn(f"{bill}: not below an import directory", err)
        self.assertIn("cloud_cost_import_roots", err)
        self.assertEqual(out, "")
        self.assertEqual(self.line_count(), 0)

        status, out, err = self.run_command(str(bill), str(outside))
        self.assertEqual(status, 0, err)
        self.assertIn("1 rows", out)
        self.assertEqual(self.line_count(), 1)
        # the source it made keeps that location; the server's own imports of it still obey the roots
        source = self.env["cloud.cost.source"].search([("name", "=", "Command line")])
        self.assertEqual(source.location, str(bill))
        with self.assertRaisesRegex(ImportRefused, "not below an import directory"):
            source._run_import()

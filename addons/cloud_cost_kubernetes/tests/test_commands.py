"""The import-usage and compute-drivers commands, as ./setup/cloudcost runs them."""

import argparse
import contextlib
import io
from datetime import date
from unittest.mock import patch

from odoo.tests import tagged

from ..cli import register
from .allocation_api import every_day, worked_example
from .common import ClusterCase


@tagged("post_install", "-at_install")
class TestCommands(ClusterCase):
    def run_command(self, *argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(argv)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(self.env, args)
        return status, out.getvalue(), err.getvalue()

    def test_import_usage(self):
        worked_example(self.api)
        status, out, err = self.run_command(
            "import-usage", "--source", "prod-eu", "--from", "2026-10-01", "--to", "2026-10-02"
        )
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(out, "prod-eu: 2 day(s) imported, 6 usage rows\n")
        self.assertEqual(self.source.last_day, date(2026, 10, 2))

        # a day failing among others: exit status 2, the day named; the days imported and the message on the
        # source are committed (the command's transaction would otherwise be rolled back)
        every_day(self.api, date(2026, 10, 4), date(2026, 10, 4))
        self.api.faults["2026-10-03"] = ["500", "500"]
        with patch.object(self.env.cr, "commit") as commit:
            status, out, err = self.run_command(
                "import-usage", "--source", "prod-eu", "--from", "2026-10-01", "--to", "2026-10-04"
            )
        self.assertEqual(status, 2)
        self.assertEqual(commit.call_count, 1)
        self.assertEqual(out, "prod-eu: 3 day(s) imported, 8 usage rows\n")
        self.assertRegex(err, r"^  not imported: 2026-10-03: .*HTTP 500 for 2026-10-03")
        self.assertEqual(self.source.last_day, date(2026, 10, 2))
        self.assertTrue(self.source.last_failed)
        self.assertIn("2026-10-03", self.source.last_message)
        self.assertEqual(len(self.usage("2026-10-04")), 2)

    def test_import_usage_refusals(self):
        status, _out, err = self.run_command(
            "import-usage", "--source", "nowhere", "--from", "2026-10-01", "--to", "2026-10-02"
        )
        self.assertEqual(status, 2)
        self.assertIn("no usage source 'nowhere' in company Cluster Co", err)
        status, _out, err = self.run_command(
            "import-usage", "--source", "prod-eu", "--from", "2026-10-02", "--to", "2026-10-01"
        )
        self.assertEqual(status, 2)
        self.assertIn("--to 2026-10-01 is before --from 2026-10-02", err)
        status, _out, err = self.run_command(
            "import-usage", "--source", "prod-eu", "--from", "2026-10-32", "--to", "2026-11-01"
        )
        self.assertEqual(status, 2)
        self.assertIn("day is out of range", err)

    def test_compute_drivers(self):
        worked_example(self.api)
        self.source._import_days(date(2026, 10, 1), date(2026, 10, 2))
        status, out, err = self.run_command("compute-drivers", "--period", "2026-10", "--key", "KCPU")
        self.assertEqual((status, err), (0, ""))
        self.assertIn("Cluster Co, 2026-10-01 to 2026-10-31:", out)
        self.assertIn("  [KCPU] CPU (cluster): 2 business unit(s), 123.000000 core-hours", out)
        self.assertEqual(self.values(self.cpu), {self.retail: 108.0, self.wholesale: 15.0, self.platform: 50.0})
        self.assertFalse(self.values(self.memory))  # only the key asked for

        status, _out, err = self.run_command("compute-drivers", "--period", "2026-10", "--key", "NOPE")
        self.assertEqual(status, 2)
        self.assertIn("with code NOPE", err)
        status, _out, err = self.run_command("compute-drivers", "--period", "October")
        self.assertEqual(status, 2)
        self.assertIn("not a month like 2026-10", err)

import argparse
import contextlib
import io

from odoo.tests import tagged

from ..cli import register
from .test_posting import PostingCase


@tagged("post_install", "-at_install")
class TestPostCommands(PostingCase):
    def command(self, user, *argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        out, err = io.StringIO(), io.StringIO()
        env = self.env(user=user, context={"allowed_company_ids": [self.company.id]})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = args.handler(env, args)
        return status, out.getvalue(), err.getvalue()

    def test_post_and_reverse_by_run_name_or_id(self):
        run = self.approved_run()
        status, _out, err = self.command(self.accountant, "post", run.name)
        self.assertEqual(status, 2)
        self.assertIn("Only a cost controller may post", err)

        status, out, _err = self.command(self.controller, "post", run.name)
        self.assertEqual(status, 0)
        self.assertIn(f"{run.display_name}: posted", out)
        self.assertRegex(out, r"CCB/2026/10/\d+ .* 2026-10-31\s+950\.00 ")
        self.assertEqual(run.state, "posted")

        status, _out, err = self.command(self.controller, "post", str(run.id))
        self.assertEqual(status, 2)
        self.assertIn("is posted: it cannot be posted", err)

        status, out, _err = self.command(self.controller, "reverse", str(run.id))
        self.assertEqual(status, 0)
        self.assertIn("(reversal)", out)
        self.assertEqual(run.state, "reversed")

        status, _out, err = self.command(self.controller, "post", "NOPE 2026-10")
        self.assertEqual((status, "no allocation run 'NOPE 2026-10'" in err), (2, True))

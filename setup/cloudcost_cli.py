"""cloudcost: the command line of the cloud cost suite.

Commands come from the suite's addons: every addon with a ``cli.py`` module that
defines ``register(commands)`` adds its sub-commands (see cloud_cost/cli.py).
A command runs in one transaction: committed when it succeeds, rolled back when
it fails, so a failed command changes nothing.
"""

import argparse
import contextlib
import importlib
import io
import os
import sys
from pathlib import Path

PROJECT_ADDONS = Path(__file__).resolve().parent.parent / "addons"


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit status 2."""


def project_addons():
    return sorted(p.parent.name for p in PROJECT_ADDONS.glob("*/__manifest__.py"))


def build_parser():
    parser = argparse.ArgumentParser(
        prog="cloudcost",
        description="Cloud cost allocation for Odoo: import bills and usage, allocate, post, export.",
    )
    parser.add_argument("--config", help="Odoo configuration file (default: the one ./setup/run uses)")
    parser.add_argument(
        "-d",
        "--database",
        default=os.environ.get("CLOUDCOST_DB", "cloudcost"),
        help="database (default: %(default)s, as ./setup/run)",
    )
    parser.add_argument("--user", default="admin", help="login the command acts as (default: %(default)s)")
    parser.add_argument("--company", help="company name or id (default: the user's company)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for addon in project_addons():
        try:
            module = importlib.import_module(f"odoo.addons.{addon}.cli")
        except ModuleNotFoundError as error:
            if error.name != f"odoo.addons.{addon}.cli":
                raise
            continue
        module.register(commands)
    return parser


def make_env(cr, args):
    from odoo import SUPERUSER_ID, api

    root = api.Environment(cr, SUPERUSER_ID, {})
    user = root["res.users"].search([("login", "=", args.user)], limit=1)
    if not user:
        raise CommandError(f"no user with login {args.user!r} in database {args.database!r}")
    company = user.company_id
    if args.company:
        domain = [("id", "=", int(args.company))] if args.company.isdigit() else [("name", "=", args.company)]
        company = root["res.company"].search(domain, limit=1)
        if not company or company not in user.company_ids:
            raise CommandError(f"company {args.company!r} is not one of {user.login}'s companies")
    return api.Environment(cr, user.id, {"allowed_company_ids": [company.id]})


def main(argv=None):
    import odoo
    from odoo.modules.registry import Registry

    argv = sys.argv[1:] if argv is None else argv
    config_args = []
    if "--config" in argv:
        config_args = ["-c", argv[argv.index("--config") + 1]]
    odoo.tools.config.parse_config(config_args + ["--log-level=warn"])
    odoo.modules.module.initialize_sys_path()

    args = build_parser().parse_args(argv)
    if args.database not in odoo.service.db.list_dbs(force=True):
        print(f"cloudcost: database {args.database!r} does not exist (run ./setup/run first)", file=sys.stderr)
        return 2
    registry = Registry(args.database)
    with registry.cursor() as cr:
        return run_command(cr, args)


def run_command(cr, args):
    """Run the command in ``cr``'s transaction: committed when it succeeds, rolled back when it fails.

    What the command prints on standard output (its summary) is printed only once its transaction is
    committed: a command that loses a race with another user at commit prints its refusal, never a
    summary of what was not written."""
    import psycopg2.errors

    concurrent = (psycopg2.errors.TransactionRollbackError, psycopg2.errors.LockNotAvailable)
    summary = io.StringIO()
    try:
        with contextlib.redirect_stdout(summary):
            env = make_env(cr, args)
            status = args.handler(env, args) or 0
        if status:
            cr.rollback()
        else:
            cr.commit()
    except CommandError as error:
        cr.rollback()
        print(f"cloudcost {args.command}: {error}", file=sys.stderr)
        return 2
    except concurrent:
        cr.rollback()
        print(
            f"cloudcost {args.command}: not done, nothing was written: the same records were being changed "
            "by someone else at the same time; try again",
            file=sys.stderr,
        )
        return 2
    except Exception:
        cr.rollback()
        raise
    sys.stdout.write(summary.getvalue())
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Command-line commands of cloud_cost_kubernetes, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import sys
from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError

from odoo.addons.cloud_cost.core.periods import month_end


def register(commands):
    usage = commands.add_parser(
        "import-usage",
        help="import cluster usage from an OpenCost / Kubecost source, one day at a time",
        description="Import the days of a cluster usage source, one day window per call. A day that fails "
        "stores nothing and is listed, here and on the source; the days imported stay. Exit status 2 when a "
        "day failed or the source is unknown.",
    )
    usage.add_argument("--source", required=True, metavar="NAME")
    usage.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    usage.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    usage.set_defaults(handler=run_import_usage)
    drivers = commands.add_parser(
        "compute-drivers",
        help="compute a month's driver values from cluster usage and Odoo data",
        description="Write the month's values of the allocation keys measuring cluster usage or Odoo data "
        "(mapping rules applied again to the month's usage first) and print a line per key.",
    )
    drivers.add_argument("--period", required=True, metavar="YYYY-MM")
    drivers.add_argument("--key", action="append", metavar="CODE", help="allocation key code (default: all)")
    drivers.set_defaults(handler=run_compute_drivers)


def _fail(command, message):
    print(f"cloudcost {command}: {message}", file=sys.stderr)
    return 2


def run_import_usage(env, args):
    try:
        date_from, date_to = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as error:
        return _fail("import-usage", error)
    if date_to < date_from:
        return _fail("import-usage", f"--to {date_to} is before --from {date_from}")
    source = env["cloud.cost.usage.source"].search([("name", "=", args.source), ("company_id", "=", env.company.id)])
    if not source:
        return _fail("import-usage", f"no usage source {args.source!r} in company {env.company.name}")
    try:
        imported, failures = source._import_days(date_from, date_to)
    except UserError as error:
        return _fail("import-usage", error.args[0])
    rows = env["cloud.cost.usage"].search_count([("source_id", "=", source.id), ("day", "in", imported)])
    print(f"{source.name}: {len(imported)} day(s) imported, {rows} usage rows")
    for failure in failures:
        print(f"  not imported: {failure}", file=sys.stderr)
    if failures:
        # each day stands alone: the days imported are kept and the failed ones named on the source,
        # although the exit status says that some failed (which otherwise rolls the command back)
        env.cr.commit()
    return 2 if failures else 0


def run_compute_drivers(env, args):
    try:
        date_from = datetime.strptime(args.period, "%Y-%m").date()
    except ValueError:
        return _fail("compute-drivers", f"--period {args.period!r} is not a month like 2026-10")
    date_to = month_end(date_from)
    Key = env["cloud.cost.allocation.key"]
    keys = Key._driver_keys(env.company)
    if args.key:
        unknown = sorted(set(args.key) - set(keys.mapped("code")))
        if unknown:
            return _fail(
                "compute-drivers",
                f"no allocation key measuring cluster usage or Odoo data with code "
                f"{', '.join(unknown)} in company {env.company.name}",
            )
        keys = keys.filtered(lambda k: k.code in args.key)
    if not keys:
        return _fail("compute-drivers", f"no allocation key of {env.company.name} measures cluster usage or Odoo data")
    try:
        lines = keys._compute_drivers(env.company, date_from, date_to)
    except (UserError, ValidationError) as error:
        return _fail("compute-drivers", error.args[0])
    print(f"{env.company.name}, {date_from} to {date_to}:")
    for line in lines:
        print(f"  {line}")
    return 0

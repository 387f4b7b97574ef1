"""Command-line commands of cloud_cost_kubernetes, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import sys
from datetime import date


def register(commands):
    usage = commands.add_parser(
        "import-usage", help="import cluster usage from an OpenCost / Kubecost source, one day at a time",
        description="Import the days of a cluster usage source. A day that fails stores nothing and is listed; "
        "exit status 2 when a day failed or the source is unknown.")
    usage.add_argument("--source", required=True, metavar="NAME")
    usage.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    usage.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    usage.set_defaults(handler=run_import_usage)


def run_import_usage(env, args):
    try:
        date_from, date_to = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as error:
        print(f"cloudcost import-usage: {error}", file=sys.stderr)
        return 2
    source = env["cloud.cost.usage.source"].search([("name", "=", args.source), ("company_id", "=", env.company.id)])
    if not source:
        print(f"cloudcost import-usage: no usage source {args.source!r} in company {env.company.name}",
              file=sys.stderr)
        return 2
    imported, failures = source._import_days(date_from, date_to)
    rows = env["cloud.cost.usage"].search_count([("source_id", "=", source.id), ("day", "in", imported)])
    print(f"{source.name}: {len(imported)} day(s) imported, {rows} usage rows")
    for failure in failures:
        print(f"  not imported: {failure}", file=sys.stderr)
    return 2 if failures else 0

"""Command-line commands of cloud_cost_posting, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import sys

from odoo.exceptions import AccessError, UserError, ValidationError


def register(commands):
    for name, verb, description in (
        ("post", "post", "Post an approved allocation run as chargeback journal entries."),
        ("reverse", "reverse", "Reverse a posted run's journal entries (linked Odoo reversals)."),
    ):
        command = commands.add_parser(
            name,
            help=f"{verb} an allocation run's chargeback entries",
            description=description + " Exit status 2 when it is refused.",
        )
        command.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
        command.set_defaults(handler=run_post if name == "post" else run_reverse)


def find_run(env, reference):
    Run = env["cloud.cost.allocation.run"]
    domain = [("id", "=", int(reference))] if reference.isdigit() else [("name", "=", reference)]
    runs = Run.search(domain + [("company_id", "=", env.company.id)], order="id desc")
    open_runs = runs.filtered("is_open")
    return (open_runs or runs)[:1]


def _act(env, args, method, done):
    run = find_run(env, args.run)
    if not run:
        print(
            f"cloudcost {args.command}: no allocation run {args.run!r} in company {env.company.name}", file=sys.stderr
        )
        return 2
    try:
        getattr(run, method)()
    except (UserError, ValidationError, AccessError) as error:
        print(f"cloudcost {args.command}: {run.display_name}: {error.args[0]}", file=sys.stderr)
        return 2
    moves = run.move_ids.sorted("id")
    print(f"{run.display_name}: {done}")
    for move in moves:
        total = f"{move.amount_total:,.{move.currency_id.decimal_places}f}"
        print(
            f"  {move.name:<24} {move.company_id.name:<24} {move.date}  {total:>16} "
            f"{move.currency_id.name}{'  (reversal)' if move.reversed_entry_id else ''}"
        )
    return 0


def run_post(env, args):
    return _act(env, args, "action_post", "posted")


def run_reverse(env, args):
    return _act(env, args, "action_reverse", "reversed")

"""Command-line commands of cloud_cost_allocation, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import sys
from datetime import datetime

from odoo.exceptions import UserError, ValidationError

from odoo.addons.cloud_cost.core.money import to_units
from odoo.addons.cloud_cost.core.periods import month_bounds

from .core.summary import summary_lines


def register(commands):
    allocate = commands.add_parser(
        "allocate",
        help="compute the allocation runs of a month and print per-receiver totals",
        description="Compute (or recompute) the month's allocation run of each active policy of the company "
        "and print the per-receiver totals and the 100% check. An approved run is printed as stored. "
        "With --test nothing is stored. Exit status 2 when a policy cannot be applied or a check fails.",
    )
    allocate.add_argument("--period", required=True, metavar="YYYY-MM", help="the month to allocate")
    allocate.add_argument("--policy", metavar="NAME", help="policy name or code (default: every active policy)")
    allocate.add_argument("--test", action="store_true", help="test run: compute and print, store nothing")
    allocate.set_defaults(handler=run_allocate)


def parse_period(text):
    try:
        return month_bounds(datetime.strptime(text, "%Y-%m").date())
    except ValueError:
        return None


def run_allocate(env, args):
    period = parse_period(args.period)
    if not period:
        print(f"cloudcost allocate: --period {args.period!r} is not a month like 2026-10", file=sys.stderr)
        return 2
    date_from, date_to = period
    Policy = env["cloud.cost.allocation.policy"]
    domain = [("company_id", "=", env.company.id)]
    if args.policy:
        domain += ["|", ("name", "=", args.policy), ("code", "=", args.policy)]
    policies = Policy.search(domain)
    if not policies:
        which = f"allocation policy named {args.policy!r}" if args.policy else "active allocation policy"
        print(f"cloudcost allocate: no {which} in company {env.company.name}", file=sys.stderr)
        return 2
    status = 0
    for policy in policies:
        try:
            if args.test:
                lines, passed = test_run(policy, date_from, date_to)
            else:
                lines, passed = stored_run(policy, date_from, date_to)
        except (UserError, ValidationError) as error:
            print(f"cloudcost allocate: {policy.display_name}: {error.args[0]}", file=sys.stderr)
            return 2
        for line in lines:
            print(line)
        print()
        status = status or (0 if passed else 2)
    return status


def test_run(policy, date_from, date_to):
    result, inputs = policy._allocate(date_from, date_to)
    lines, passed = summary_lines(
        result,
        policy._names_for(result),
        policy.currency_id.name,
        total_taken=to_units(inputs["exact_total"], result.digits),
    )
    head = f"{policy.display_name} {date_from:%Y-%m}: test run of {inputs['line_count']} cost lines, nothing stored"
    return [head, ""] + lines, passed


def stored_run(policy, date_from, date_to):
    Run = policy.env["cloud.cost.allocation.run"]
    run = Run.search(
        [
            ("company_id", "=", policy.company_id.id),
            ("policy_id", "=", policy.id),
            ("date_from", "=", date_from),
            ("date_to", "=", date_to),
            ("is_open", "=", True),
        ],
        limit=1,
    )
    if not run:
        run = Run.create(
            {"policy_id": policy.id, "company_id": policy.company_id.id, "date_from": date_from, "date_to": date_to}
        )
    if run.state in ("draft", "computed"):
        run.action_compute()
        head = f"run {run.display_name} (id {run.id}): computed from {run.cost_line_count} cost lines"
    else:
        head = f"run {run.display_name} (id {run.id}) is {run.state}: its stored result"
    return [head, ""] + (run.summary or "").splitlines(), run.checks_passed

"""Command-line commands of cloud_cost_ledger, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import re
import sys

from odoo.exceptions import AccessError, UserError, ValidationError

from .core.accruals import format_table


def register(commands):
    command = commands.add_parser(
        "reconcile",
        help="a month's provider invoices, imported bills, allocation, chargeback and accruals",
        description="Match the month's provider invoices (vendor bills) with its imported bills, then print the "
        "reconciliation per source: invoiced -> imported -> allocated -> posted -> accrued, and whether the "
        "clearing accounts net out. Exit status 2 when it is refused or the month does not reconcile with --check.",
    )
    command.add_argument("--period", required=True, metavar="YYYY-MM", help="the billing month, e.g. 2026-10")
    command.add_argument(
        "--no-match", action="store_true", help="report the matches as they are, without matching again"
    )
    command.add_argument(
        "--check",
        action="store_true",
        help="exit 2 when an invoice difference is unexplained or the clearing accounts do not " "net out",
    )
    command.set_defaults(handler=run_reconcile)


def run_reconcile(env, args):
    if not re.fullmatch(r"\d{4}-\d{2}", args.period):
        print(f"cloudcost reconcile: --period must be YYYY-MM, not {args.period!r}", file=sys.stderr)
        return 2
    month = f"{args.period}-01"
    try:
        if not args.no_match:
            env["cloud.cost.invoice.match"].action_match_month(month)
        report = env["cloud.cost.reconciliation"].create({"month": month, "company_id": env.company.id})
        rows, figures = report._rows()
    except (UserError, ValidationError, AccessError) as error:
        print(f"cloudcost reconcile: {error.args[0]}", file=sys.stderr)
        return 2
    currency = env.company.currency_id.name
    print(f"Reconciliation {args.period}, {env.company.name}")
    print(format_table(rows, currency))
    for match in figures["matches"]:
        causes = ", ".join(
            f"{match._fields[name].string} {match[name]:,.2f}"
            for name in (
                "tax_amount",
                "credit_amount",
                "purchase_amount",
                "marketplace_amount",
                "restatement_amount",
                "currency_amount",
                "rounding_amount",
            )
            if match[name]
        )
        print(
            f"  {match.name}: {dict(match._fields['state'].selection)[match.state]}, difference "
            f"{match.difference:,.2f} {match.currency_id.name}"
            + (f" ({causes})" if causes else "")
            + (f", unexplained {match.unexplained_amount:,.2f}" if match.unexplained_amount else "")
        )
    totals = figures["totals"]
    nets = figures["clearing_nets_out"]
    print(
        f"Clearing accounts: balance {totals['clearing_balance']:,.2f}, unallocated remainder "
        f"{totals['clearing_expected']:,.2f} {currency}: {'net out' if nets else 'do NOT net out'}"
    )
    Account = env["account.account"].sudo()
    for row in figures["clearing"]:
        print(
            f"  {Account.browse(row['account_id']).display_name} ({row['pools']}): balance {row['balance']:,.2f}, "
            f"unallocated remainder {row['expected']:,.2f}, difference {row['difference']:,.2f}"
            + ("" if row["nets_out"] else " (does NOT net out)")
        )
    if args.check and (not nets or any(m.state == "unexplained" for m in figures["matches"])):
        return 2
    return 0

"""Command-line commands of cloud_cost_audit, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import hashlib
import json
import sys
from pathlib import Path

from odoo.exceptions import UserError

from odoo.addons.cloud_cost_posting.cli import find_run


def register(commands):
    export = commands.add_parser(
        "export",
        help="write a run's auditor pack (XLSX workbook or PDF summary)",
        description="Write the auditor pack of an allocation run. Exit status 2 when the " "run is not found.",
    )
    export.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    export.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
    export.add_argument("--output", metavar="PATH", help="file to write (default: auditor-pack-<run>.<format>)")
    export.set_defaults(handler=run_export)

    focus = commands.add_parser(
        "export-focus",
        help="write a run's allocated result as FOCUS 1.3 cost rows (CSV or Parquet)",
        description="Write the allocated result of a run as FOCUS 1.3 cost rows: each bill row the run took, split "
        "into one row per receiver (AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId/Name, "
        "AllocatedTags), the split rows of a bill row adding up exactly to it. Exit status 2 when the run is not "
        "found or has no result.",
    )
    focus.add_argument("--run", required=True, metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    focus.add_argument("--format", choices=["csv", "parquet"], default="csv")
    focus.add_argument("--output", metavar="PATH", help="file to write (default: focus-1.3-<run>.<format>)")
    focus.set_defaults(handler=run_export_focus)

    verify = commands.add_parser(
        "verify",
        help="recompute a sealed run's content hash from the data and say what changed",
        description="Recompute the seal of an approved, posted or reversed allocation run from what the "
        "database holds now (the run, its lines and checks, driver values, the cost lines taken, the bytes "
        "of the bill files, the journal items) and print what matches or what changed. Nothing is written. "
        "Exit status 2 when it does not match, or the run is not found or not sealed.",
    )
    verify.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    verify.set_defaults(handler=run_verify)

    trace = commands.add_parser(
        "trace",
        help="follow a chargeback journal item to its allocation lines and the bill rows behind them",
        description="Print the allocation lines a chargeback journal item sums (step, sender pool, method, "
        "allocation key and driver shares, as the run froze them) and, for each, the bill rows behind it (file, "
        "SHA-256, row number, EffectiveCost) with their count and exact sum; a cost line that sums bill rows "
        "(a summed import) is followed by the rows it sums, found again in their bill file (its checksum "
        "compared with the one recorded at import), their values and their exact sum against the cost line. "
        "Nothing is written. Exit status 2 when the item is not found or is not a chargeback item, or a bill "
        "file changed since import.",
    )
    trace.add_argument(
        "item",
        metavar="ITEM",
        help="journal item id, or entry and item: CCB/2026/11/0001:2 "
        "(the entry's second item); an entry with one chargeback debit may be named alone",
    )
    trace.add_argument(
        "--rows",
        type=int,
        default=20,
        metavar="N",
        help="bill rows listed per allocation line (default 20; the sums cover every row)",
    )
    trace.add_argument("--all-rows", action="store_true", help="list every bill row")
    trace.set_defaults(handler=run_trace)


def run_export(env, args):
    run = find_run(env, args.run)
    if not run:
        print(f"cloudcost export: no allocation run {args.run!r} in company {env.company.name}", file=sys.stderr)
        return 2
    data = run._auditor_pack_xlsx() if args.format == "xlsx" else run._auditor_pack_pdf()
    path = Path(args.output or f"auditor-pack-{run.name.replace(' ', '-')}.{args.format}")
    path.write_bytes(data)
    print(f"{run.display_name}: {path} ({len(data):,} bytes, SHA-256 {hashlib.sha256(data).hexdigest()})")
    if run.content_hash:
        print(f"run content hash ({run.hash_algorithm}): {run.content_hash}")
    return 0


def run_export_focus(env, args):
    run = find_run(env, args.run)
    if not run:
        print(f"cloudcost export-focus: no allocation run {args.run!r} in company {env.company.name}", file=sys.stderr)
        return 2
    try:
        data = run._focus_export(args.format)
    except UserError as error:
        print(f"cloudcost export-focus: {error.args[0]}", file=sys.stderr)
        return 2
    path = Path(args.output or run._focus_file_name(args.format))
    path.write_bytes(data)
    print(
        f"{run.display_name}: FOCUS 1.3 {args.format} {path} ({len(data):,} bytes, SHA-256 "
        f"{hashlib.sha256(data).hexdigest()})"
    )
    return 0


def run_verify(env, args):
    run = find_run(env, args.run)
    if not run:
        print(f"cloudcost verify: no allocation run {args.run!r} in company {env.company.name}", file=sys.stderr)
        return 2
    try:
        result = run._verify_seal()
    except UserError as error:
        print(f"cloudcost verify: {error.args[0]}", file=sys.stderr)
        return 2
    print(f"{run.display_name}: content hash {result['algorithm']} {run.content_hash}")
    for label, matches in result["sections"]:
        print(f"  {'matches' if matches else 'CHANGED':<8} {label}")
    print(run._verify_message(result))
    return 0 if result["match"] else 2


def find_item(env, reference):
    """The journal item named by ``reference`` (see the trace command's help), or (None, why)."""
    Item = env["account.move.line"]
    if reference.isdigit():
        item = Item.search([("id", "=", int(reference)), ("company_id", "in", env.companies.ids)])
        return (item, None) if item else (None, f"no journal item {reference}")
    name, _sep, position = reference.rpartition(":")
    if not (name and position.isdigit()):
        name, position = reference, ""
    move = env["account.move"].search([("name", "=", name), ("company_id", "in", env.companies.ids)], limit=1)
    if not move:
        return None, f"no journal entry {name!r}"
    items = move.line_ids.sorted(lambda line: (line.sequence, line.id))
    if position:
        index = int(position)
        if not 1 <= index <= len(items):
            return None, f"entry {move.name} has {len(items)} items, not {index}"
        return items[index - 1], None
    debits = items.filtered(lambda line: line.cloud_cost_side == "receiver")
    if len(debits) == 1:
        return debits, None
    listing = ", ".join(f"{move.name}:{n} ({line.name})" for n, line in enumerate(items, start=1))
    return None, f"entry {move.name} has {len(items)} items: name one of them: {listing}"


def _format_money(value, digits=2):
    return f"{value:,.{digits}f}"


def run_trace(env, args):
    item, why = find_item(env, args.item)
    if item and not item.sudo().cloud_cost_allocation_line_ids:
        item, why = None, f"journal item {item.id} ({item.display_name}) is not a chargeback item of an allocation run"
    if not item:
        print(f"cloudcost trace: {why}", file=sys.stderr)
        return 2
    limit = None if args.all_rows else args.rows
    try:
        trace = item._cloud_cost_trace(rows_per_line=limit)
    except UserError as error:  # a summed line's bill file changed or cannot be fetched
        print(f"cloudcost trace: {error.args[0]}", file=sys.stderr)
        return 2
    run, entry = trace["run"], trace["item"]
    digits = trace["digits"]

    def _money(value):  # in the currency's own decimal places
        return _format_money(value, digits)

    print(f"journal item {entry.id}: {entry.move_id.name}, {entry.name}")
    print(
        f"  account {entry.account_id.code} {entry.account_id.name}, debit {_money(entry.debit)}, credit "
        f"{_money(entry.credit)} {entry.company_id.currency_id.name}"
    )
    print(
        f"  allocation run {run.display_name} ({run.state}), content hash {run.hash_algorithm or ''} "
        f"{run.content_hash or '(not sealed)'}"
    )
    print(
        f"{trace['line_count']:,} allocation line(s), summing to {_money(trace['lines_amount'])}"
        + (
            " = the item"
            if trace["lines_amount"] == abs(trace["amount"])
            else f" (the item: {_money(trace['amount'])})"
        )
        + (f", in {len(trace['lines']):,} groups by step, sender pool and method" if len(trace["lines"]) > 1 else "")
    )
    for number, traced in enumerate(trace["lines"], start=1):
        line = traced["line"]
        if line.sender_pool_id:
            origin = (
                f"step {line.step_sequence} {line.step_id.display_name or ''}".rstrip()
                + f", sender pool {line.sender_pool_id.display_name}, method {line.method}"
            )
        else:
            origin = f"{line.line_type} cost"
        alone = traced["line_count"] == 1
        if alone:
            receiver = line.analytic_account_id.display_name or line.receiver_pool_id.display_name or "-"
            print(f"[{number}] allocation line {line.id}: {_money(traced['amount'])} to {receiver} ({origin})")
        else:
            print(
                f"[{number}] {traced['line_count']:,} allocation lines ({line.id}, ...): {_money(traced['amount'])} "
                f"to {traced['receiver_count']:,} receiver(s) ({origin})"
            )
        if line.driver_key_id:
            if alone:
                print(
                    f"    allocation key {line.driver_key_id.display_name}: value {line.driver_value:g}, share "
                    f"{line.share * 100:.6f} % (of {traced['trace']['driver_total']})"
                )
            else:
                print(f"    allocation key {line.driver_key_id.display_name} (total {traced['trace']['driver_total']})")
            drivers = traced["trace"]["drivers"]
            listed = drivers if alone or limit is None else drivers[:limit]
            for row in listed:
                mark = "*" if row["is_receiver"] else " "
                print(f"     {mark} {row['name']:<40} {row['value_text']:>14} {row['share_text']:>14}")
            if len(listed) < len(drivers):
                print(f"       ... {len(drivers) - len(listed):,} more driver values (--all-rows lists them)")
        part = traced["part"]
        share = (
            ""
            if part is None or part == 1
            else f"; {'the line is' if alone else 'the lines are'} {part * 100:.6f} % of them"
        )
        # cost lines that sum bill rows are listed each with the rows it sums
        behind = "cost lines behind it" if traced.get("summed") else "bill rows behind it"
        print(
            f"    {behind}: {traced['row_count']:,}, EffectiveCost {_money(traced['rows_effective_cost'])}, "
            f"taken {_money(traced['rows_amount'])}{share}"
        )
        for row in traced["rows"]:
            print(
                f"      {row['file'] or '(no file)'}  sha256 {row['sha256'] or '-'}  row {row['row'] or '-'}  "
                f"EffectiveCost {row['effective_cost']} {row['currency']}"
            )
            if row.get("bill_rows"):
                _print_summed(row, limit)
        if len(traced["rows"]) < traced["row_count"]:
            print(f"      ... {traced['row_count'] - len(traced['rows']):,} more (--all-rows lists them)")
        summed = traced.get("summed")
        if summed:
            print(
                f"    summed cost lines listed: {summed['cost_lines']:,}, their bill rows: {summed['rows']:,}, "
                f"EffectiveCost {_exact(summed['effective_cost'])} "
                + (
                    "= the cost lines' (exact)"
                    if summed["matches"]
                    else f"!= the cost lines' {_exact(summed['line_effective_cost'])} (MISMATCH)"
                )
            )
    return 0


def _exact(value):
    """An exact decimal without trailing zeros: 12.5, not 12.500000000000."""
    return format(value.normalize(), "f") if value else "0"


def _checksum(found):
    if found.get("etag"):
        text = f"ETag {found['etag']}" + (f" version {found['version_id']}" if found.get("version_id") else "")
        return f"{text}, sha256 {found['sha256']} as fetched"
    return f"sha256 {found['sha256']}"


def _print_summed(row, limit):
    """The bill rows a summed cost line stands for, found again in their file, and the sum check."""
    found = row["bill_rows"]
    print(f"        sums {found['count']:,} bill row(s) of {found['file']}  {_checksum(found)}")
    listed = found["rows"] if limit is None else found["rows"][:limit]
    for bill_row in listed:
        values = json.dumps(bill_row["values"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        print(
            f"          {found['file']}  row {bill_row['row']}  EffectiveCost {_exact(bill_row['effective_cost'])}  "
            f"{values}"
        )
    if len(listed) < found["count"]:
        print(f"          ... {found['count'] - len(listed):,} more (--all-rows lists them)")
    check = "=" if found["matches"] else "!="
    print(
        f"        {found['count']:,} bill row(s), EffectiveCost {_exact(found['effective_cost'])} {check} the cost "
        f"line's {_exact(found['line_effective_cost'])}" + (" (exact)" if found["matches"] else " (MISMATCH)")
    )

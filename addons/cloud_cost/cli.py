"""Command-line commands of cloud_cost, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import sys
from decimal import Decimal


def register(commands):
    status = commands.add_parser("status", help="installed suite modules and what the database holds")
    status.set_defaults(handler=run_status)
    bills = commands.add_parser(
        "import",
        help="import cloud bills from a file, a folder, an s3:// prefix or another source's address",
        description="Import bills (FOCUS, AWS CUR 2.0 / legacy CUR, Azure, Google Cloud) into cost lines: "
        "one batch per source and billing period. Bad input is refused whole (exit status 2).",
    )
    bills.add_argument(
        "location",
        metavar="PATH_OR_URI",
        help="bill file, folder, or s3://bucket/prefix; with their addons also "
        "azure://account/container/path and bigquery://project.dataset.table?month=YYYY-MM",
    )
    bills.add_argument(
        "--source",
        metavar="NAME",
        help="cost source to import into (created if missing; default: the source with this location)",
    )
    bills.add_argument(
        "--import-root",
        action="append",
        default=[],
        metavar="DIR",
        help="also read files below DIR for this command, beside the server option cloud_cost_import_roots "
        "(a file or folder outside both is refused; links and '..' are resolved first)",
    )
    bills.set_defaults(handler=run_import)


def run_status(env, args):
    modules = env["ir.module.module"].sudo().search([("name", "=like", "cloud_cost%")], order="name")
    print(f"database: {env.cr.dbname}   company: {env.company.name}   user: {env.user.login}")
    for module in modules:
        print(f"  {module.name:<32} {module.state:<12} {module.latest_version or ''}")
    counts = [
        ("cost sources", "cloud.cost.source"),
        ("import batches", "cloud.cost.import.batch"),
        ("cost lines", "cloud.cost.line"),
        ("cost pools", "cloud.cost.pool"),
        ("allocation keys", "cloud.cost.allocation.key"),
        ("service tiers", "cloud.cost.service.tier"),
    ]
    for label, model in counts:
        print(f"{label:>16}: {env[model].search_count([])}")
    return 0


def import_location(env, location, source_name=None, extra_roots=()):
    """Import ``location`` into the named source (found or created); returns (source, result).

    A file or folder is read only below the server's import roots (cloud_cost_import_roots) or
    ``extra_roots``, the folders the operator running the command allows for this command only.
    Raises ImportRefused when the input is refused (nothing written).
    """
    Source = env["cloud.cost.source"]
    company = env.company
    if source_name:
        source = Source.search([("name", "=", source_name), ("company_id", "=", company.id)], limit=1)
    else:
        source = Source.search([("location", "=", location), ("company_id", "=", company.id)], limit=1)
    if not source:
        # created by the command: its location is checked against the roots of this command, below
        source = Source._suite().create(
            {
                "name": source_name or location,
                "company_id": company.id,
                "source_type": Source._location_source_type(location),
                "bill_format": "auto",
                "location": location,
            }
        )
        source = source.with_env(env)
    result = source._run_import(location, extra_roots=extra_roots)
    source._record_import("done" if result.batches else "unchanged", result.summary())
    return source, result


def batch_report(env, batch):
    """Lines of text: the batch's rows, totals by ChargeCategory and currency, unallocated share."""
    cr = env.cr
    currency = batch.company_id.currency_id
    head = (
        f"batch {batch.name} (id {batch.id}): {batch.row_count} rows, billing period "
        f"{batch.billing_period_start} to {batch.billing_period_end}"
    )
    if batch.previous_batch_id:
        head += f", supersedes batch {batch.previous_batch_id.id}"
    lines = [head]
    cr.execute(
        """SELECT COALESCE(charge_category, ''), COALESCE(billing_currency, ''), row_count,
                  billed_cost::text, effective_cost::text, billed_cost_difference::text,
                  effective_cost_difference::text
             FROM cloud_cost_import_total WHERE batch_id = %s ORDER BY 1, 2""",
        [batch.id],
    )
    lines.append(f"  {'ChargeCategory':<16}{'Currency':<10}{'Rows':>10}  {'BilledCost':>24}  {'EffectiveCost':>24}")
    for category, code, rows, billed, effective, billed_diff, effective_diff in cr.fetchall():
        line = f"  {category:<16}{code:<10}{rows:>10}  {_plain(billed):>24}  {_plain(effective):>24}"
        if billed_diff is not None:
            line += f"  (difference: billed {_plain(billed_diff)}, effective {_plain(effective_diff)})"
        lines.append(line)
    cr.execute(
        """SELECT COALESCE(sum(billed_cost_company), 0)::text, COALESCE(sum(effective_cost_company), 0)::text,
                  COALESCE(sum(effective_cost_company) FILTER (WHERE is_unallocated), 0)::text,
                  count(*) FILTER (WHERE is_unallocated), count(*)
             FROM cloud_cost_line WHERE batch_id = %s""",
        [batch.id],
    )
    billed, effective, unallocated, unallocated_rows, rows = cr.fetchone()
    billed, effective, unallocated = Decimal(billed), Decimal(effective), Decimal(unallocated)
    lines.append(f"  company currency {currency.name}: billed {_plain(billed)}, effective {_plain(effective)}")
    share = (unallocated / effective * 100) if effective else Decimal(0)
    row_share = (Decimal(unallocated_rows) / rows * 100) if rows else Decimal(0)
    lines.append(
        f"  unallocated: {_plain(unallocated)} {currency.name} of effective cost ({share:.1f} %), "
        f"{unallocated_rows} of {rows} rows ({row_share:.1f} %)"
    )
    return lines


def _plain(value):
    """Exact decimal text without trailing zeros (numeric sums keep the bill's scale)."""
    if value is None:
        return ""
    number = Decimal(value)
    text = format(number.normalize(), "f") if number else "0"
    return text


def run_import(env, args):
    from odoo.exceptions import AccessError, ValidationError  # noqa: PLC0415

    from .models.cloud_cost_bill_import import ImportRefused  # noqa: PLC0415

    try:
        source, result = import_location(env, args.location, args.source, extra_roots=args.import_root)
    except (ImportRefused, AccessError, ValidationError) as error:
        print(f"cloudcost import: refused, nothing written: {error.args[0]}", file=sys.stderr)
        return 2
    print(
        f"source {source.name} (id {source.id}): {len(result.batches)} batch(es), {result.rows} rows "
        f"in {result.seconds:.1f} s"
    )
    for batch in result.batches:
        for line in batch_report(env, batch):
            print(line)
    for label in result.unchanged:
        print(f"unchanged, already imported: {label}")
    for note in result.notes:
        print(note)
    if result.nothing_read():
        # not one bill among the files (or no file at all): a refusal, though nothing was wrong to write
        print(
            f"cloudcost import: nothing imported: no bill file in {args.location}"
            + "".join(f"\n  {note}" for note in result.notes),
            file=sys.stderr,
        )
        return 2
    if not result.batches:
        print(
            "nothing new imported: "
            + ("the bills were imported before, unchanged" if result.unchanged else "the bills hold no rows")
        )
    return 0

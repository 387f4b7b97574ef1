"""Command-line commands of cloud_cost_audit, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import hashlib
import sys
from pathlib import Path

from odoo.exceptions import UserError

from odoo.addons.cloud_cost_posting.cli import find_run


def register(commands):
    export = commands.add_parser("export", help="write a run's auditor pack (XLSX workbook or PDF summary)",
                                 description="Write the auditor pack of an allocation run. Exit status 2 when the "
                                 "run is not found.")
    export.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    export.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
    export.add_argument("--output", metavar="PATH", help="file to write (default: auditor-pack-<run>.<format>)")
    export.set_defaults(handler=run_export)

    verify = commands.add_parser(
        "verify", help="recompute a sealed run's content hash from the data and say what changed",
        description="Recompute the seal of an approved, posted or reversed allocation run from what the "
        "database holds now (the run, its lines and checks, driver values, the cost lines taken, the bytes "
        "of the bill files, the journal items) and print what matches or what changed. Nothing is written. "
        "Exit status 2 when it does not match, or the run is not found or not sealed.")
    verify.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    verify.set_defaults(handler=run_verify)


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

"""Command-line commands of cloud_cost_audit, registered into ./setup/cloudcost."""
# pylint: disable=print-used

import hashlib
import sys
from pathlib import Path

from odoo.addons.cloud_cost_posting.cli import find_run


def register(commands):
    export = commands.add_parser("export", help="write a run's auditor pack (XLSX workbook or PDF summary)",
                                 description="Write the auditor pack of an allocation run. Exit status 2 when the "
                                 "run is not found.")
    export.add_argument("run", metavar="RUN", help="run id or name (e.g. MONTH 2026-10)")
    export.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
    export.add_argument("--output", metavar="PATH", help="file to write (default: auditor-pack-<run>.<format>)")
    export.set_defaults(handler=run_export)


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

#!/usr/bin/env python3
"""Benchmark: import a generated FOCUS CSV.gz end to end, against a bare PostgreSQL COPY.

    .venv/bin/python tests/benchmarks/bench_import_focus.py --database cloudcost [--rows 1000000 10000000]

The database must have cloud_cost installed (./setup/run or ./setup/test with
CLOUDCOST_TEST_DB make one). For each --rows size (or the one --file) the script
  1. writes a FOCUS 1.0 CSV.gz of that many rows (services, regions, accounts, tags,
     amounts with ten decimal places, two currencies) into a temporary folder, one
     file (ten million rows make a file of about 900 MB);
  2. in a fresh process, COPYs the same CSV rows into a plain table with the same
     column types and no index, and reports the time;
  3. in another fresh process, imports it through the Odoo registry exactly as a
     scheduled action does (hash, parse, mapping rules, currency conversion, COPY,
     totals, the file kept in the filestore), commits, and reports the wall time and
     the process's peak memory: resident (max RSS) and virtual (what Odoo's
     limit_memory_soft and limit_memory_hard of a prefork worker measure);
  4. prints rows per second, peak memory, the ratio import / COPY and the machine's
     load average, then removes what it imported (unless --keep).
Targets on 2 cores: peak memory at or below 1 GiB whatever the file size, within 4x of COPY.
"""
# pylint: disable=print-used

import argparse
import configparser
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "addons" / "cloud_cost" / "tests"))
from bill_files import FOCUS_COLUMNS  # noqa: E402  (the FOCUS 1.0 columns the import tests write)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import odoo_config_path, open_registry, superuser_env  # noqa: E402

NUMERIC = {
    "BilledCost",
    "ConsumedQuantity",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
    "PricingQuantity",
}
TIMESTAMPS = {"BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"}


# ---------------------------------------------------------------------------------- generate
def generate(path, rows, seed=7):
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    services = [
        ("Amazon Elastic Compute Cloud", "Compute", "Hrs"),
        ("Amazon Relational Database Service", "Databases", "Hrs"),
        ("Amazon Simple Storage Service", "Storage", "GB-Mo"),
        ("Amazon Elastic Kubernetes Service", "Compute", "Hrs"),
        ("Amazon ElastiCache", "Databases", "Hrs"),
        ("Amazon CloudWatch", "Management and Governance", "Metrics"),
        ("AWS Backup", "Storage", "GB-Mo"),
        ("Elastic Load Balancing", "Networking", "LCU-Hrs"),
        ("Amazon Virtual Private Cloud", "Networking", "Hrs"),
        ("AWS Key Management Service", "Security", "Requests"),
    ]
    regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"]
    region_names = [
        "Europe (Ireland)",
        "Europe (Frankfurt)",
        "US East (N. Virginia)",
        "US West (Oregon)",
        "Asia Pacific (Singapore)",
    ]
    # unit prices belong to a SKU, as in real bills
    skus = 500

    accounts = [f"{100000000000 + i}" for i in range(40)]
    teams = ["payments", "retail", "platform", "data", "web", "ops"]
    envs = ["prod", "staging", "dev"]
    tags = [json.dumps({"team": t, "env": e, "tenant": f"tenant-{k}"}) for t in teams for e in envs for k in range(8)]
    tags.append("{}")

    def pick(values, size):
        return np.asarray(values, dtype=object)[rng.integers(0, len(values), size)]

    def decimals(size, scale, places=10):
        whole = rng.integers(0, scale, size)
        frac = rng.integers(0, 10**places, size)
        return np.char.add(np.char.add(whole.astype(str), "."), np.char.zfill(frac.astype(str), places))

    list_prices = np.asarray(decimals(skus, 2), dtype=object)
    contracted_prices = np.asarray(decimals(skus, 2), dtype=object)
    batch = 250_000
    written = 0
    with pa.CompressedOutputStream(str(path), "gzip") as stream:
        options = pa_csv.WriteOptions(include_header=True)
        writer = None
        while written < rows:
            size = min(batch, rows - written)
            service = rng.integers(0, len(services), size)
            day = rng.integers(1, 32, size)
            hour = rng.integers(0, 24, size)
            start = np.char.add(
                np.char.add("2026-10-", np.char.zfill(day.astype(str), 2)),
                np.char.add("T", np.char.add(np.char.zfill(hour.astype(str), 2), ":00:00Z")),
            )
            end_hour = hour + 1
            end = np.where(
                end_hour < 24,
                np.char.add(
                    np.char.add("2026-10-", np.char.zfill(day.astype(str), 2)),
                    np.char.add("T", np.char.add(np.char.zfill(end_hour.astype(str), 2), ":00:00Z")),
                ),
                np.char.add(
                    np.char.add("2026-10-", np.char.zfill(np.minimum(day + 1, 31).astype(str), 2)), "T00:00:00Z"
                ),
            )
            billed = decimals(size, 50)
            category = np.where(rng.random(size) < 0.97, "Usage", np.where(rng.random(size) < 0.5, "Tax", "Credit"))
            currency = np.where(rng.random(size) < 0.9, "USD", "EUR")
            region = rng.integers(0, len(regions), size)
            sku = rng.integers(0, skus, size)
            resource_ids = np.char.add(
                "arn:aws:ec2:eu-west-1:123:instance/i-", rng.integers(0, 80_000, size).astype(str)
            )
            columns = {
                "AvailabilityZone": pick(["a", "b", "c"], size),
                "BilledCost": billed,
                "BillingAccountId": np.full(size, "999999999999", dtype=object),
                "BillingAccountName": np.full(size, "Example Payer", dtype=object),
                "BillingCurrency": currency,
                "BillingPeriodEnd": np.full(size, "2026-11-01T00:00:00Z", dtype=object),
                "BillingPeriodStart": np.full(size, "2026-10-01T00:00:00Z", dtype=object),
                "ChargeCategory": category,
                "ChargeClass": np.full(size, None, dtype=object),
                "ChargeDescription": np.asarray([s[0] for s in services], dtype=object)[service],
                "ChargeFrequency": np.full(size, "Usage-Based", dtype=object),
                "ChargePeriodEnd": end,
                "ChargePeriodStart": start,
                "CommitmentDiscountCategory": np.full(size, None, dtype=object),
                "CommitmentDiscountId": np.full(size, None, dtype=object),
                "CommitmentDiscountName": np.full(size, None, dtype=object),
                "CommitmentDiscountStatus": np.full(size, None, dtype=object),
                "CommitmentDiscountType": np.full(size, None, dtype=object),
                "ConsumedQuantity": decimals(size, 100, 6),
                "ConsumedUnit": np.asarray([s[2] for s in services], dtype=object)[service],
                "ContractedCost": billed,
                "ContractedUnitPrice": contracted_prices[sku],
                "EffectiveCost": decimals(size, 50),
                "InvoiceIssuerName": np.full(size, "Amazon Web Services, Inc.", dtype=object),
                "ListCost": decimals(size, 60),
                "ListUnitPrice": list_prices[sku],
                "PricingCategory": np.full(size, "Standard", dtype=object),
                "PricingQuantity": decimals(size, 100, 6),
                "PricingUnit": np.asarray([s[2] for s in services], dtype=object)[service],
                "ProviderName": np.full(size, "AWS", dtype=object),
                "PublisherName": np.full(size, "AWS", dtype=object),
                "RegionId": np.asarray(regions, dtype=object)[region],
                "RegionName": np.asarray(region_names, dtype=object)[region],
                "ResourceId": resource_ids,
                "ResourceName": resource_ids,
                "ResourceType": np.full(size, "Instance", dtype=object),
                "ServiceCategory": np.asarray([s[1] for s in services], dtype=object)[service],
                "ServiceName": np.asarray([s[0] for s in services], dtype=object)[service],
                "SkuId": np.char.add("SKU", sku.astype(str)),
                "SkuPriceId": np.char.add("PRICE", sku.astype(str)),
                "SubAccountId": pick(accounts, size),
                "SubAccountName": np.full(size, "workload", dtype=object),
                "Tags": pick(tags, size),
            }
            table = pa.table({name: pa.array(columns[name], type=pa.string()) for name in FOCUS_COLUMNS})
            if writer is None:
                writer = pa_csv.CSVWriter(stream, table.schema, write_options=options)
            writer.write_table(table)
            written += size
        writer.close()
    return written


# ---------------------------------------------------------------------------------- phases
def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_status():
    """This process's memory as the kernel counts it: {VmRSS, VmHWM (peak RSS), VmSize, VmPeak} in bytes."""
    figures = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _sep, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "VmSize", "VmPeak"):
                figures[name] = int(value.split()[0]) * 1024
    return figures


def prepare_company(env, company):
    """Rates for the non-company currency, and a few mapping rules as a user would have."""
    other = "EUR" if company.currency_id.name != "EUR" else "USD"
    currency = env["res.currency"].with_context(active_test=False).search([("name", "=", other)])
    currency.active = True
    if not env["res.currency.rate"].search(
        [("currency_id", "=", currency.id), ("name", "=", "2026-09-30"), ("company_id", "=", company.id)]
    ):
        env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": "2026-09-30", "rate": 0.92, "company_id": company.id}
        )
    env["cloud.cost.mapping.rule"].create(
        [
            {
                "name": "bench: databases",
                "company_id": company.id,
                "match_service": "*Database*, Amazon ElastiCache",
                "environment": "data",
            },
            {
                "name": "bench: payments team",
                "company_id": company.id,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "tenant": "payments",
            },
            {
                "name": "bench: tenant tag",
                "company_id": company.id,
                "value_tag_key": "tenant",
                "value_target": "tenant",
            },
        ]
    )


def phase_import(args):
    """Import the file through the registry in this (fresh) process; print JSON figures."""
    registry = open_registry(args)
    from odoo.tools import config  # noqa: PLC0415

    config["cloud_cost_import_roots"] = str(args.file.resolve().parent)  # the server reads bills only there
    with registry.cursor() as cr:
        env = superuser_env(cr)
        company = env.ref("base.main_company")
        env = env(context={"allowed_company_ids": [company.id]})
        prepare_company(env, company)
        source = env["cloud.cost.source"].create(
            {
                "name": f"bench FOCUS {os.getpid()}",
                "company_id": company.id,
                "source_type": "file",
                "bill_format": "focus",
                "location": str(args.file),
            }
        )
        cr.commit()
        before = memory_status()  # the registry loaded, as in a server's worker
        started = time.perf_counter()
        result = source._run_import()
        cr.commit()
        elapsed = time.perf_counter() - started
        peak = memory_status()
        print(
            json.dumps(
                {
                    "rows": result.rows,
                    "seconds": elapsed,
                    "peak_rss": peak["VmHWM"],
                    "peak_vms": peak["VmPeak"],
                    "rss_before": before["VmRSS"],
                    "vms_before": before["VmSize"],
                    "copy_seconds": result.copy_seconds,
                    "source_id": source.id,
                    "batches": [b.id for b in result.batches],
                }
            )
        )


def phase_cleanup(args):
    with open_registry(args).cursor() as cr:
        env = superuser_env(cr)
        sources = env["cloud.cost.source"].with_context(active_test=False).search([("name", "=like", "bench FOCUS %")])
        cr.execute("DELETE FROM cloud_cost_line WHERE batch_id IN %s", [tuple(sources.batch_ids.ids) or (0,)])
        sources.batch_ids._suite().unlink()
        sources.unlink()
        env["cloud.cost.mapping.rule"].with_context(active_test=False).search([("name", "=like", "bench: %")]).unlink()
        cr.commit()
    print(json.dumps({"cleaned": True}))


def connect(args):
    import psycopg2  # noqa: PLC0415

    parser = configparser.ConfigParser()
    parser.read(odoo_config_path(args))
    options = parser["options"]
    params = {"dbname": args.database}
    for key in ("host", "port", "user", "password"):
        value = options.get(f"db_{key}")
        if value and value != "False":
            params[key] = value
    return psycopg2.connect(**params)


def phase_copy(args):
    """A bare COPY of the same CSV rows into a plain table (same column types, no index)."""
    columns = ", ".join(
        f'"{c}" {"numeric" if c in NUMERIC else "timestamp" if c in TIMESTAMPS else "jsonb" if c == "Tags" else "text"}'
        for c in FOCUS_COLUMNS
    )
    with connect(args) as conn, conn.cursor() as cr:
        cr.execute("DROP TABLE IF EXISTS bench_focus_copy")
        cr.execute(f"CREATE TABLE bench_focus_copy ({columns})")
        conn.commit()
        started = time.perf_counter()
        with gzip.open(args.file, "rb") as stream:
            cr.copy_expert("COPY bench_focus_copy FROM STDIN WITH (FORMAT csv, HEADER true)", stream, size=1 << 20)
        conn.commit()
        elapsed = time.perf_counter() - started
        cr.execute("SELECT count(*) FROM bench_focus_copy")
        rows = cr.fetchone()[0]
        cr.execute("DROP TABLE bench_focus_copy")
        conn.commit()
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_rss": peak_rss_bytes()}))


def run_phase(args, phase, script=__file__, extra=()):
    """Run a phase of ``script`` in a fresh process; returns the JSON figures it printed last."""
    command = [sys.executable, script, "--phase", phase, "--database", args.database, "--file", str(args.file), *extra]
    if args.config:
        command += ["--config", args.config]
    output = subprocess.run(command, check=False, capture_output=True, text=True)
    if output.returncode:
        sys.exit(f"the {phase} phase failed:\n{output.stderr[-4000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def measure(args, rows):
    """Generate (unless --file), COPY, import and clean up one file; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="bench-focus-") as folder:
        if args.file is None:
            args.file = Path(folder) / "focus-2026-10.csv.gz"
            started = time.perf_counter()
            generate(args.file, rows)
            print(
                f"generated {rows:,} FOCUS rows in {time.perf_counter() - started:.1f} s: "
                f"{args.file.stat().st_size / 2**20:,.1f} MiB gzip",
                flush=True,
            )
            given = None
        else:
            given = args.file
        size = args.file.stat().st_size
        load_before = os.getloadavg()
        copy = run_phase(args, "copy")
        imported = run_phase(args, "import")
        load_after = os.getloadavg()
        if not args.keep:
            run_phase(args, "cleanup")
        args.file = given
    figures = {
        "rows": imported["rows"],
        "gzip": size,
        "seconds": imported["seconds"],
        "rate": imported["rows"] / imported["seconds"],
        "copy_seconds": copy["seconds"],
        "copy_rate": copy["rows"] / copy["seconds"],
        "ratio": imported["seconds"] / copy["seconds"],
        "background_copy": imported["copy_seconds"],
        "peak_rss": imported["peak_rss"],
        "peak_vms": imported["peak_vms"],
        "rss_before": imported["rss_before"],
        "load": (load_before[0], load_after[0], load_after[1]),
    }
    report(figures)
    return figures


def report(f):
    mib = 2**20
    print(f"file:       {f['rows']:,} rows, {f['gzip'] / mib:,.1f} MiB gzip")
    print(f"bare COPY:  {f['copy_seconds']:.1f} s ({f['copy_rate']:,.0f} rows/s)")
    print(
        f"import:     {f['seconds']:.1f} s ({f['rate']:,.0f} rows/s), of which {f['background_copy']:.1f} s "
        "in the background COPY of the cost lines"
    )
    print(f"import / bare COPY: {f['ratio']:.2f}x")
    print(
        f"peak memory of the import process: {f['peak_rss'] / mib:,.0f} MiB resident "
        f"({f['rss_before'] / mib:,.0f} MiB with the registry loaded, before the import), "
        f"{f['peak_vms'] / mib:,.0f} MiB virtual"
    )
    print("load average: {:.2f} before, {:.2f} after (5 min: {:.2f}) on {} cores".format(*f["load"], os.cpu_count()))
    print(
        "targets: peak RSS <= 1 GiB {}, <= 4x COPY {}; Odoo's default limit_memory_hard (2560 MiB virtual) "
        "{}".format(
            "met" if f["peak_rss"] <= 2**30 else "MISSED",
            "met" if f["ratio"] <= 4 else "MISSED",
            "kept" if f["peak_vms"] < 2560 * mib else "PASSED",
        ),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", default=os.environ.get("CLOUDCOST_DB", "cloudcost"))
    parser.add_argument("--config", help="Odoo configuration (default: $CLOUDCOST_ODOO_CONFIG or .local/odoo.conf)")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000], help="one or more file sizes, in rows")
    parser.add_argument("--file", type=Path, help="use this FOCUS CSV.gz instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the imported batch and its lines")
    parser.add_argument("--phase", choices=["import", "copy", "cleanup"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        {"import": phase_import, "copy": phase_copy, "cleanup": phase_cleanup}[args.phase](args)
        return 0
    sizes = [None] if args.file else args.rows
    results = [measure(args, rows) for rows in sizes]
    if len(results) > 1:
        print("\n| rows | gzip MiB | import s | rows/s | bare COPY s | ratio | peak RSS MiB | peak VMS MiB | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for f in results:
            print(
                f"| {f['rows']:,} | {f['gzip'] / 2**20:,.0f} | {f['seconds']:.1f} | {f['rate']:,.0f} | "
                f"{f['copy_seconds']:.1f} | {f['ratio']:.2f}x | {f['peak_rss'] / 2**20:,.0f} | "
                f"{f['peak_vms'] / 2**20:,.0f} | {f['load'][2]:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark: a FOCUS Parquet export summed by DuckDB before import, against importing every row.

    .venv/bin/python tests/benchmarks/bench_import_aggregated.py --database cloudcost [--rows 1000000]

The database must have cloud_cost_athena installed. The script
  1. writes a FOCUS Parquet export, typed as AWS's is (decimals, timestamps, Tags as a map), of
     an estate's hourly usage: each resource (account, service, region, currency, tags) bills
     once an hour all month, --rows rows in all;
  2. in a fresh process, imports the file with a source that sums the rows in DuckDB
     (one query; groups kept for the mapping rules of bench_import_focus.py);
  3. in another fresh process, imports every row of the same file;
  4. prints time, bill rows per second, cost lines written and peak memory of both, then
     removes what it imported.
"""
# pylint: disable=print-used

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_import_focus as focus_bench  # noqa: E402
from bench_registry import open_registry, superuser_env  # noqa: E402

HOURS = 31 * 24  # October


def generate(path, rows, seed=11):
    """Hourly usage rows of a fixed estate, as a CUR or FOCUS export has them: each resource, with
    its account, service, region, currency and tags, bills once an hour all month."""
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    resources = max(rows // HOURS, 1)
    services = np.array(
        [
            "Amazon Elastic Compute Cloud",
            "Amazon Relational Database Service",
            "Amazon ElastiCache",
            "Amazon Simple Storage Service",
            "Amazon Elastic Kubernetes Service",
            "AWS Lambda",
        ]
    )
    regions = np.array(["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"])
    teams, envs = ["payments", "retail", "platform", "data", "web", "ops"], ["prod", "staging", "dev"]
    tag_sets = [[("team", t), ("env", e), ("tenant", f"tenant-{k}")] for t in teams for e in envs for k in range(8)]
    estate = {
        "SubAccountId": np.char.add("1000000000", rng.integers(10, 50, resources).astype(str)),
        "ServiceName": services[rng.integers(0, len(services), resources)],
        "RegionId": regions[rng.integers(0, len(regions), resources)],
        "BillingCurrency": np.where(rng.random(resources) < 0.9, "USD", "EUR"),
        "tags": rng.integers(0, len(tag_sets), resources),
        "ResourceId": np.char.add("arn:aws:ec2:eu-west-1:123:instance/i-", np.arange(resources).astype(str)),
        "price": rng.integers(1, 5_000_000, resources),  # hourly price, in 1e-6 of the currency
    }
    start = np.datetime64("2026-10-01T00:00:00", "s")
    writer = None
    written = 0
    for first in range(0, rows, 250_000):
        size = min(250_000, rows - first)
        index = np.arange(first, first + size)
        resource, hour = index % resources, (index // resources) % HOURS
        starts = start + hour.astype("timedelta64[h]")
        units = estate["price"][resource] * 10_000 + rng.integers(0, 10_000, size)  # in 1e-10: ten decimal places
        billed = pa.array([f"{u // 10**10}.{u % 10**10:010d}" for u in units.tolist()]).cast(pa.decimal128(38, 10))
        category = np.where(rng.random(size) < 0.98, "Usage", "Tax")
        tags = [tag_sets[t] for t in estate["tags"][resource].tolist()]
        table = pa.table(
            {
                "BilledCost": billed,
                "EffectiveCost": billed,
                "ListCost": billed,
                "ContractedCost": billed,
                "BillingAccountId": pa.array(np.full(size, "999999999999")),
                "BillingCurrency": pa.array(estate["BillingCurrency"][resource]),
                "BillingPeriodStart": pa.array(np.full(size, start), type=pa.timestamp("s", tz="UTC")),
                "BillingPeriodEnd": pa.array(
                    np.full(size, np.datetime64("2026-11-01T00:00:00", "s")), type=pa.timestamp("s", tz="UTC")
                ),
                "ChargeCategory": pa.array(category),
                "ChargePeriodStart": pa.array(starts, type=pa.timestamp("s", tz="UTC")),
                "ChargePeriodEnd": pa.array(starts + np.timedelta64(1, "h"), type=pa.timestamp("s", tz="UTC")),
                "ProviderName": pa.array(np.full(size, "AWS")),
                "RegionId": pa.array(estate["RegionId"][resource]),
                "ResourceId": pa.array(estate["ResourceId"][resource]),
                "ServiceName": pa.array(estate["ServiceName"][resource]),
                "SubAccountId": pa.array(estate["SubAccountId"][resource]),
                "Tags": pa.array(tags, type=pa.map_(pa.string(), pa.string())),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(str(path), table.schema)
        writer.write_table(table)
        written += size
    writer.close()
    return written, resources


def phase_import(args):
    with open_registry(args).cursor() as cr:
        env = superuser_env(cr)
        company = env.ref("base.main_company")
        env = env(context={"allowed_company_ids": [company.id]})
        focus_bench.prepare_company(env, company)
        source = env["cloud.cost.source"].create(
            {
                "name": f"bench FOCUS {os.getpid()}",
                "company_id": company.id,
                "source_type": "file",
                "bill_format": "focus",
                "location": str(args.file),
                "aggregation": args.aggregation or False,
            }
        )
        cr.commit()
        started = time.perf_counter()
        result = source._run_import()
        cr.commit()
        elapsed = time.perf_counter() - started
        batch = result.batches[0]
        print(
            json.dumps(
                {
                    "seconds": elapsed,
                    "peak_rss": focus_bench.peak_rss_bytes(),
                    "lines": batch.row_count,
                    "bill_rows": batch.aggregated_row_count or batch.row_count,
                }
            )
        )


def run(args, aggregation):
    extra = ["--aggregation", aggregation] if aggregation else []
    return focus_bench.run_phase(args, "import", script=__file__, extra=extra)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", default=os.environ.get("CLOUDCOST_DB", "cloudcost"))
    parser.add_argument("--config")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--summed-only",
        action="store_true",
        help="time the summed import only (importing every row of 10M takes a quarter of an hour)",
    )
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--aggregation", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["import"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase_import(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-aggregated-") as folder:
        started = time.perf_counter()
        args.file = Path(folder) / "focus-2026-10.parquet"
        rows, resources = generate(args.file, args.rows)
        print(
            f"generated {rows:,} hourly FOCUS rows of {resources:,} resources as Parquet in "
            f"{time.perf_counter() - started:.1f} s: {args.file.stat().st_size / 2**20:.1f} MiB"
        )
        try:
            results = {"summed by DuckDB": run(args, "duckdb")}
            if not args.summed_only:
                results["every row"] = run(args, None)
        finally:
            focus_bench.run_phase(args, "cleanup")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, figures in results.items():
        rate = figures["bill_rows"] / figures["seconds"]
        print(
            f"{label:<18} {figures['seconds']:7.1f} s   {rate:>10,.0f} bill rows/s"
            f"   {figures['lines']:>10,} cost lines   peak memory {figures['peak_rss'] / 2**20:,.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

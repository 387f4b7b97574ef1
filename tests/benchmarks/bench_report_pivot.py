#!/usr/bin/env python3
"""Benchmark: the cost screens' aggregates on a company-year of cost lines (default 10,000,000).

    .venv/bin/python tests/benchmarks/bench_report_pivot.py --database cloudcost [--rows 10000000] [--keep]

The database must have the suite installed (./setup/run, or ./setup/test with CLOUDCOST_TEST_DB).
The script writes --rows cost lines for one company in SQL (a year of days, 40 services, 3
providers, 200 business units, 5 % unallocated), ANALYZEs, then times through the registry,
as the web client asks them:
  1. the Cost Analysis pivot: read_group of cloud.cost.line by business unit and month;
  2. the monthly report (cloud.cost.report.monthly, a view over the cost-line summary that
     imports keep per batch) by business unit and month;
  3. the month overview's figures for one month;
each cold (first call) and warm (best of three), then removes what it wrote (unless --keep).
"""
# pylint: disable=print-used

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import open_registry, superuser_env  # noqa: E402

CHUNK = 1_000_000


def registry_env(args):
    return open_registry(args), superuser_env


def fill(env, rows):
    """A source, a batch per month and ``rows`` cost lines written by INSERT ... SELECT; returns the source."""
    cr = env.cr
    company = env.ref("base.main_company")
    plan = env["account.analytic.plan"].create({"name": "bench units"})
    units = env["account.analytic.account"].create(
        [{"name": f"bench unit {n:03d}", "plan_id": plan.id, "company_id": company.id} for n in range(200)]
    )
    source = env["cloud.cost.source"].create(
        {"name": f"bench pivot {os.getpid()}", "company_id": company.id, "source_type": "upload"}
    )
    batches = env["cloud.cost.import.batch"]._suite_create(
        [
            {
                "source_id": source.id,
                "company_id": company.id,
                "state": "imported",
                "billing_period_start": f"2025-{m:02d}-01",
                "billing_period_end": f"2025-{m:02d}-{[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]}",
            }
            for m in range(1, 13)
        ]
    )
    env.flush_all()
    cr.execute(
        "CREATE TEMP TABLE bench_units AS SELECT row_number() OVER () - 1 AS n, id FROM unnest(%s) AS id", [units.ids]
    )
    cr.execute(
        "CREATE TEMP TABLE bench_batches AS SELECT row_number() OVER () AS m, id FROM unnest(%s) AS id", [batches.ids]
    )
    written = 0
    started = time.perf_counter()
    while written < rows:
        size = min(CHUNK, rows - written)
        cr.execute(
            """
            INSERT INTO cloud_cost_line (batch_id, company_id, source_row, source_file, charge_period_start,
                charge_period_end, billing_period_start, billing_currency, charge_category, provider_name,
                service_name, region, analytic_account_id, environment, effective_cost, billed_cost,
                effective_cost_company, billed_cost_company, is_unallocated)
            SELECT b.id, %(company)s, g, 'bench.csv', d, d + interval '1 hour', date_trunc('month', d)::date, 'USD',
                   'Usage', (ARRAY['AWS', 'Microsoft', 'Google Cloud'])[1 + g %% 3], 'service ' || (g %% 40),
                   'region-' || (g %% 7), CASE WHEN g %% 20 = 0 THEN NULL ELSE u.id END,
                   (ARRAY['prod', 'staging', 'dev'])[1 + g %% 3], c, c, round(c, 2), round(c, 2), g %% 20 = 0
              FROM (SELECT g, timestamp '2025-01-01' + ((g * 7919) %% 365) * interval '1 day'
                           + (g %% 24) * interval '1 hour' AS d,
                           ((g * 2654435761) %% 1000000) / 10000.0 AS c
                      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g) s
              JOIN bench_units u ON u.n = s.g %% 200
              JOIN bench_batches b ON b.m = extract(month FROM s.d)
            """,
            {"company": company.id, "first": written + 1, "last": written + size},
        )
        written += size
        cr.commit()
        print(f"  {written:,} rows written ({time.perf_counter() - started:.0f} s)", flush=True)
    cr.execute("ANALYZE cloud_cost_line")
    cr.commit()
    # what an import does once its lines are stored: sum them into the screens' summary
    started = time.perf_counter()
    for batch in batches:
        env["cloud.cost.line.summary"]._refresh(batch.ids)
    cr.execute("SELECT count(*) FROM cloud_cost_line_summary WHERE batch_id IN %s", [tuple(batches.ids)])
    print(
        f"summary of the screens: {cr.fetchone()[0]:,} rows, refreshed batch by batch in "
        f"{time.perf_counter() - started:.1f} s"
    )
    cr.execute("ANALYZE cloud_cost_line_summary")
    cr.commit()
    return source, company


def timed(label, call):
    started = time.perf_counter()
    result = call()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        call()
        warm.append(time.perf_counter() - started)
    print(f"{label:<58} cold {cold * 1000:8.0f} ms   warm {min(warm) * 1000:8.0f} ms   ({len(result)} groups)")
    return result


def measure(env, company):
    Line = env["cloud.cost.line"].with_context(allowed_company_ids=[company.id])
    domain = [("company_id", "=", company.id), ("batch_id.state", "=", "imported")]
    timed(
        "Cost Analysis pivot: business unit x month",
        lambda: Line.read_group(
            domain, ["effective_cost_company:sum"], ["analytic_account_id", "charge_period_start:month"], lazy=False
        ),
    )
    timed(
        "Cost Analysis pivot: provider x service",
        lambda: Line.read_group(domain, ["effective_cost_company:sum"], ["provider_name", "service_name"], lazy=False),
    )
    Report = env["cloud.cost.report.monthly"].with_context(allowed_company_ids=[company.id])
    timed(
        "Monthly report (summary view): business unit x month",
        lambda: Report.read_group(
            [("company_id", "=", company.id)],
            ["effective_cost:sum"],
            ["analytic_account_id", "month:month"],
            lazy=False,
        ),
    )
    Overview = env["cloud.cost.month.overview"].with_context(allowed_company_ids=[company.id])

    def overview():
        record = Overview.new({"month": "2025-10-01", "company_id": company.id})
        return [record.total_cost, record.unallocated_cost, record.allocated_percent]

    timed("Month overview figures (one month)", overview)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", default=os.environ.get("CLOUDCOST_DB", "cloudcost"))
    parser.add_argument("--config")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    registry, make_env = registry_env(args)
    with registry.cursor() as cr:
        env = make_env(cr)
        print(f"writing {args.rows:,} cost lines")
        started = time.perf_counter()
        source, company = fill(env, args.rows)
        print(f"written and analyzed in {time.perf_counter() - started:.0f} s")
        cr.execute("SELECT pg_size_pretty(pg_total_relation_size('cloud_cost_line'))")
        print(f"cloud_cost_line with its indexes: {cr.fetchone()[0]}")
        try:
            measure(env, company)
        finally:
            if not args.keep:
                cr.rollback()
                cr.execute("DELETE FROM cloud_cost_line WHERE batch_id IN %s", [tuple(source.batch_ids.ids)])
                source.batch_ids._suite().unlink()  # benchmark data: removed as the suite removes batches
                source.unlink()
                env["account.analytic.account"].search([("name", "=like", "bench unit %")]).unlink()
                env["account.analytic.plan"].search([("name", "=", "bench units")]).unlink()
                cr.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())

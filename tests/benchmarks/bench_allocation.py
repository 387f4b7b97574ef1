#!/usr/bin/env python3
"""Benchmark: the allocation engine on a million cost lines, and a run end to end.

    .venv/bin/python tests/benchmarks/bench_allocation.py [--lines 1000000] [--database cloudcost]

1. Engine (always), in a fresh process: generates 1,000,000 cost lines (amounts in
   micro-units) over 50 pools, 1,000 business units and 5 levels of pools, then times
   what a run does in Python: grouping the lines and rounding them to cents, a
   5-level step-down cascade of 50 steps (a reciprocal group of three service pools,
   driver, even, fixed, direct cost, rate-card tier and direct attribution steps),
   unallocated and idle fallbacks, the exactness checks and the KPIs. Prints the time
   and the process's peak memory (max RSS), before and after the engine.
2. End to end (with --database, cloud_cost_allocation installed), in fresh processes:
   COPYs the same kind of cost lines into cloud_cost_line with their pools, business
   units, keys, driver values and policy; then times one run's compute through the
   registry, as the button and the job run it, with the time of each phase (the methods
   of the run named in PHASES, timed from outside), and removes everything it made
   (unless --keep). With --keep the company and its cost lines stay, named by their size,
   and the next run with --keep reuses them: only a new draft run is made and computed.
Targets on 2 cores: engine at most 10 s; the run end to end at most 10 s and 1 GiB.
"""
# pylint: disable=print-used

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import open_registry, superuser_env  # noqa: E402

SERVICES = [
    ("Amazon Elastic Compute Cloud", "Compute"),
    ("Amazon Elastic Kubernetes Service", "Compute"),
    ("Amazon Relational Database Service", "Databases"),
    ("Amazon ElastiCache", "Databases"),
    ("Amazon Simple Storage Service", "Storage"),
    ("AWS Backup", "Storage"),
    ("Elastic Load Balancing", "Networking"),
    ("Amazon Virtual Private Cloud", "Networking"),
    ("Amazon CloudWatch", "Management and Governance"),
    ("AWS Key Management Service", "Security"),
]
ENVIRONMENTS = ["prod", "staging", "dev"]
LEVEL_SIZE = 10
MICRO_PER_CENT = 10_000


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_core():
    """The engine's modules, importable without a database."""
    import odoo.addons  # noqa: PLC0415

    odoo.addons.__path__.append(str(PROJECT_DIR / "addons"))
    from odoo.addons.cloud_cost_allocation.core import engine, kpi  # noqa: PLC0415

    return engine, kpi


# ---------------------------------------------------------------------------------- data
def generate_lines(count, pools, receivers, seed=11):
    """Cost lines: 60 % in pools (the last pool's lines carry a business unit), 35 % direct, 5 % unallocated."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    kind = rng.random(count)
    pool = np.where(kind < 0.60, rng.integers(1, pools + 1, count), 0)
    analytic = np.where((kind >= 0.60) & (kind < 0.95), rng.integers(1, receivers + 1, count), 0)
    analytic = np.where(pool == pools, rng.integers(1, receivers + 1, count), analytic)
    service = rng.integers(0, len(SERVICES), count)
    names = np.asarray([s[0] for s in SERVICES], dtype=object)
    categories = np.asarray([s[1] for s in SERVICES], dtype=object)
    return pd.DataFrame(
        {
            "pool": pool,
            "analytic": analytic,
            "environment": np.asarray(ENVIRONMENTS, dtype=object)[rng.integers(0, 3, count)],
            "tenant": np.char.add("tenant-", rng.integers(0, 100, count).astype(str)).astype(object),
            "tier": rng.integers(1, 4, count),
            "service": names[service],
            "provider": np.where(rng.random(count) < 0.8, "AWS", "Google Cloud").astype(object),
            "category": categories[service],
            # up to 50.00 with six decimals, credits now and then
            "amount": rng.integers(0, 50_000_000, count) * np.where(rng.random(count) < 0.01, -1, 1),
        }
    )


def policy_plan(pools, receivers, seed=5):
    """A 5-level cascade, one step per pool, as plain dicts (engine or database ids are mapped later).

    Receivers: ("a", n) business unit n (1-based), ("p", n) pool n. Drivers: {key: {receiver: value}}.
    """
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    levels = [list(range(1 + LEVEL_SIZE * i, 1 + LEVEL_SIZE * (i + 1))) for i in range(pools // LEVEL_SIZE)]
    bus = [("a", n) for n in range(1, receivers + 1)]
    drivers = {
        "cpu": {bu: Decimal(int(v)).scaleb(-2) for bu, v in zip(bus, rng.integers(1, 10**6, receivers), strict=False)},
        "storage": {
            bu: Decimal(int(v)).scaleb(-3) for bu, v in zip(bus, rng.integers(0, 10**5, receivers), strict=False)
        },
    }
    steps = []
    for depth, level in enumerate(levels):
        below = [("p", n) for n in levels[depth + 1]] if depth + 1 < len(levels) else []
        for position, pool in enumerate(level):
            step = {
                "sender": pool,
                "sequence": 10 * depth + position,
                "receivers": [],
                "percents": {},
                "key": None,
                "group": "",
                "category": "all",
                "method": "driver",
            }
            if below:
                step["receivers"] = below
                if depth == 0 and position < 3:  # three service pools serving each other
                    step["group"] = "services"
                    step["receivers"] = below + [("p", p) for p in level[:3] if p != pool]
                    step["key"] = "services"
                elif depth == 0:
                    step["method"] = "fixed"
                    step["percents"] = {r: Decimal(10) for r in below}
                elif depth == 1:
                    step["key"] = f"level{depth}"
                elif depth == 2:
                    step["method"] = "even"
                else:
                    step["method"] = "direct_cost"
            else:
                method = ["driver"] * 4 + ["tier"] * 2 + ["direct_cost"] * 2 + ["even", "direct"]
                step["method"] = method[position]
                step["key"] = {"driver": "cpu", "tier": "storage"}.get(step["method"])
                step["category"] = "compute" if step["method"] == "direct_cost" else "all"
                step["receivers"] = bus if step["method"] == "even" else []
            steps.append(step)
        if below and depth >= 0:
            drivers[f"level{depth}"] = {
                r: Decimal(int(v)) for r, v in zip(below, rng.integers(1, 100, len(below)), strict=False)
            }
    drivers["services"] = {
        ("p", p): Decimal(int(v))
        for p, v in zip(range(1, 2 * LEVEL_SIZE + 1), rng.integers(1, 50, 2 * LEVEL_SIZE), strict=False)
    }
    tier_prices = {1: Decimal("0.010"), 2: Decimal("0.014"), 3: Decimal("0.020")}  # per GB, by tier
    receiver_tier = {bu: 1 + (bu[1] % 3) for bu in bus}
    return steps, drivers, tier_prices, receiver_tier


def engine_policy(engine, steps, drivers, tier_prices, receiver_tier):
    built = []
    for index, step in enumerate(steps, start=1):
        unit_prices = {}
        if step["method"] == "tier":
            unit_prices = {bu: tier_prices[receiver_tier[bu]] for bu in drivers[step["key"]]}
        built.append(
            engine.Step(
                key=index,
                sender=step["sender"],
                method=step["method"],
                sequence=step["sequence"],
                receivers=tuple(step["receivers"]),
                driver_key=step["key"],
                category=step["category"],
                percents=step["percents"],
                unit_prices=unit_prices,
                reciprocal_group=step["group"],
            )
        )
    return engine.Policy(built, unallocated="share", idle="share")


# ---------------------------------------------------------------------------------- phases
def phase_engine(args):
    engine, kpi = import_core()
    started = time.perf_counter()
    lines = generate_lines(args.lines, args.pools, args.receivers)
    generated = time.perf_counter() - started
    rss_before = peak_rss_mib()
    steps, drivers, tier_prices, receiver_tier = policy_plan(args.pools, args.receivers)
    policy = engine_policy(engine, steps, drivers, tier_prices, receiver_tier)

    started = time.perf_counter()
    costs = engine.group_costs(lines, "amount", scale=MICRO_PER_CENT)
    grouped = time.perf_counter()
    result = engine.allocate(costs, policy, drivers)
    allocated = time.perf_counter()
    result.check()
    kpis = kpi.run_kpis(result, costs, {"prod"})
    finished = time.perf_counter()

    exact_cents = int(lines["amount"].sum())  # micro-units
    assert result.total == int((Decimal(exact_cents) / MICRO_PER_CENT).quantize(Decimal(1), "ROUND_HALF_UP"))
    print(
        json.dumps(
            {
                "lines": len(lines),
                "groups": len(costs),
                "allocation_lines": len(result.lines),
                "steps": len(policy.steps),
                "generate_s": generated,
                "group_s": grouped - started,
                "engine_s": allocated - grouped,
                "check_kpi_s": finished - allocated,
                "total_s": finished - started,
                "rss_before_mib": rss_before,
                "peak_rss_mib": peak_rss_mib(),
                "allocated_percent": str(kpis["allocated_percent"]),
                "total": result.total,
                "senders_100": sum(1 for b in result.senders.values() if b.credited_percent == 100),
            }
        )
    )


# (model, method, label): the phases of a run's compute, timed by wrapping the registry's methods (those
# that exist in this version of the suite)
PHASES = [
    ("cloud.cost.allocation.policy", "_cost_batches", "SQL: lines per batch, sums, fingerprint"),
    ("cloud.cost.allocation.policy", "_read_cost_groups", "SQL: cost groups (COPY to Arrow), rounding"),
    ("cloud.cost.allocation.policy", "_read_costs", "SQL aggregates"),
    ("cloud.cost.allocation.policy", "_fingerprint", "fingerprint"),
    ("cloud.cost.allocation.policy", "_read_drivers", "driver values"),
    ("cloud.cost.allocation.policy", "_engine_policy", "policy to engine"),
    ("cloud.cost.allocation.policy", "_rules_snapshot", "rules snapshot"),
    ("cloud.cost.allocation.policy", "_run_engine", "engine and 100 % check"),
    ("cloud.cost.allocation.run", "_clear_results", "clear previous results"),
    ("cloud.cost.allocation.run", "_store_lines", "store allocation lines, with checks and KPIs"),
    ("cloud.cost.allocation.run", "_store_senders", "store sender checks"),
    ("cloud.cost.allocation.run", "_store_cost_links", "record the cost lines taken"),
    ("cloud.cost.allocation.run", "_store_cost_batches", "record the batches taken"),
]


def time_phases(env):
    """Wrap the phase methods of the registry's classes; returns {label: [seconds, calls]}."""
    import functools  # noqa: PLC0415

    timings = {}

    def wrap(cls, method, label):
        inner = getattr(cls, method)

        @functools.wraps(inner)
        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(self, *args, **kwargs)
            finally:
                entry = timings.setdefault(label, [0.0, 0])
                entry[0] += time.perf_counter() - started
                entry[1] += 1

        setattr(cls, method, timed)

    for model, method, label in PHASES:
        cls = type(env[model])
        if hasattr(cls, method):
            wrap(cls, method, label)
    return timings


def bench_company_name(args):
    return f"bench allocation {args.lines}x{args.pools}x{args.receivers}"


def registry_env(args):
    cursor = open_registry(args).cursor()
    return cursor, superuser_env(cursor)


def ids_of(ids, numbers):
    """Record ids of 1-based ``numbers`` (0: none), as a nullable integer column aligned with ``numbers``."""
    import pandas as pd  # noqa: PLC0415

    return pd.Series(ids.to_numpy()[numbers.to_numpy()], index=numbers.index).where(numbers > 0).astype("Int64")


def phase_setup(args):
    """Company data, a million cost lines (COPY) and the policy; prints the run's id."""
    import pandas as pd  # noqa: PLC0415

    cr, env = registry_env(args)
    from odoo.addons.cloud_cost.core.bulk_copy import copy_frame  # noqa: PLC0415  (once the addons path is set)

    with cr:
        if args.keep:
            kept = env["res.company"].search([("name", "=", bench_company_name(args))], limit=1)
            if kept:
                print(json.dumps({"run_id": new_run(env, kept), "company_id": kept.id, "load_s": None}))
                return
        name = bench_company_name(args) if args.keep else f"bench allocation {os.getpid()}"
        company = env["res.company"].create({"name": name})
        env = env(context={"allowed_company_ids": [company.id]})
        plan = env["account.analytic.plan"].create({"name": f"bench allocation {os.getpid()}"})
        tiers = env["cloud.cost.service.tier"].search([("code", "in", ["STD", "BC", "MC"])], order="sequence")
        bus = env["account.analytic.account"].create(
            [
                {
                    "name": f"BU {n:04d}",
                    "plan_id": plan.id,
                    "company_id": company.id,
                    "cloud_cost_service_tier_id": tiers[(n % 3)].id,
                }
                for n in range(1, args.receivers + 1)
            ]
        )
        centers = env["account.analytic.account"].create(
            [
                {"name": f"Pool center {n:02d}", "plan_id": plan.id, "company_id": company.id}
                for n in range(1, args.pools + 1)
            ]
        )
        pools = env["cloud.cost.pool"].create(
            [
                {
                    "name": f"Pool {n:02d}",
                    "code": f"P{n:02d}",
                    "company_id": company.id,
                    "analytic_account_id": centers[n - 1].id,
                }
                for n in range(1, args.pools + 1)
            ]
        )
        steps, drivers, tier_prices, _receiver_tier = policy_plan(args.pools, args.receivers)
        keys = {
            name: env["cloud.cost.allocation.key"].create(
                {"name": name, "code": name.upper(), "company_id": company.id}
            )
            for name in drivers
        }
        for tier_code, price in tier_prices.items():
            tiers[tier_code - 1].write(
                {"rate_ids": [(0, 0, {"key_id": keys["storage"].id, "price_per_unit": float(price)})]}
            )

        def record(receiver):
            kind, n = receiver
            return ("a", bus[n - 1]) if kind == "a" else ("p", pools[n - 1])

        values = []
        for name, by_receiver in drivers.items():
            for receiver, value in by_receiver.items():
                kind, target = record(receiver)
                account = target if kind == "a" else target.analytic_account_id
                values.append(
                    {
                        "key_id": keys[name].id,
                        "company_id": company.id,
                        "date_from": "2026-10-01",
                        "date_to": "2026-10-31",
                        "analytic_account_id": account.id,
                        "value": float(value),
                    }
                )
        env["cloud.cost.driver.value"].create(values)
        step_values = []
        for step in steps:
            analytic = [record(r)[1].id for r in step["receivers"] if r[0] == "a"]
            pool_ids = [record(r)[1].id for r in step["receivers"] if r[0] == "p"]
            step_values.append(
                (
                    0,
                    0,
                    {
                        "sequence": step["sequence"],
                        "sender_pool_id": pools[step["sender"] - 1].id,
                        "method": step["method"],
                        "key_id": keys[step["key"]].id if step["key"] else False,
                        "cost_category": step["category"],
                        "reciprocal_group": step["group"] or False,
                        "receiver_analytic_ids": [(6, 0, analytic)],
                        "receiver_pool_ids": [(6, 0, pool_ids)],
                        "percent_ids": [
                            (0, 0, {"pool_id": record(r)[1].id, "percent": float(p)})
                            for r, p in step["percents"].items()
                        ],
                    },
                )
            )
        env["cloud.cost.allocation.policy"].create(
            {
                "name": "bench cascade",
                "code": "BENCH",
                "company_id": company.id,
                "unallocated_policy": "share",
                "idle_policy": "share",
                "step_ids": step_values,
            }
        )
        source = env["cloud.cost.source"].create({"name": "bench allocation", "company_id": company.id})
        batch = env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        started = time.perf_counter()
        lines = generate_lines(args.lines, args.pools, args.receivers)
        pool_ids = pd.Series([0] + pools.ids)
        bu_ids = pd.Series([0] + bus.ids)
        amount = lines["amount"]
        text = (amount.abs() // 10**6).astype(str) + "." + (amount.abs() % 10**6).astype(str).str.zfill(6)
        text = text.where(amount >= 0, "-" + text)
        frame = pd.DataFrame(
            {
                "batch_id": batch.id,
                "company_id": company.id,
                "billing_period_start": "2026-10-01",
                "charge_period_start": "2026-10-01 00:00:00",
                "charge_category": "Usage",
                "provider_name": lines["provider"],
                "service_name": lines["service"],
                "service_category": lines["category"],
                "environment": lines["environment"],
                "tenant": lines["tenant"],
                "service_tier_id": lines["tier"].map(dict(enumerate(tiers.ids, 1))),
                # ids by the lines' own row order (indexing the id series would carry its index along)
                "cost_pool_id": ids_of(pool_ids, lines["pool"]),
                "analytic_account_id": ids_of(bu_ids, lines["analytic"]),
                "effective_cost_company": text,
                "billed_cost_company": text,
                "is_unallocated": (lines["pool"] == 0) & (lines["analytic"] == 0),
            }
        )
        copy_frame(cr, "cloud_cost_line", frame)
        loaded = time.perf_counter() - started
        cr.execute("ANALYZE cloud_cost_line")
        cr.commit()
        print(json.dumps({"run_id": new_run(env, company), "company_id": company.id, "load_s": loaded}))


def new_run(env, company):
    """A new draft run of the bench policy (the kept company's earlier runs are removed first)."""
    env = env(context={"allowed_company_ids": [company.id]})
    runs = env["cloud.cost.allocation.run"].search([("company_id", "=", company.id)])
    if runs:
        runs._suite().write({"state": "cancelled"})
        runs.unlink()
    policy = env["cloud.cost.allocation.policy"].search([("company_id", "=", company.id)], limit=1)
    run = env["cloud.cost.allocation.run"].create(
        {"policy_id": policy.id, "company_id": company.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
    )
    env.cr.commit()
    return run.id


def phase_compute(args):
    cr, env = registry_env(args)
    with cr:
        run = env["cloud.cost.allocation.run"].browse(args.run)
        env = env(context={"allowed_company_ids": [run.company_id.id]})
        run = run.with_env(env)
        run.policy_id.step_ids.mapped("name")  # warm the registry's caches of the small records
        timings = time_phases(env)
        rss_before = peak_rss_mib()
        started = time.perf_counter()
        run.action_compute()
        computed = time.perf_counter() - started
        cr.commit()
        total = time.perf_counter() - started
        load = os.getloadavg()
        print(
            json.dumps(
                {
                    "compute_s": total,
                    "commit_s": total - computed,
                    "phases": timings,
                    "rss_before_mib": rss_before,
                    "load": load,
                    "peak_rss_mib": peak_rss_mib(),
                    "allocation_lines": run.line_count,
                    "cost_lines": run.cost_line_count,
                    "checks": run.checks_passed,
                    "allocated_percent": run.allocated_percent,
                    "total": run.total_cost,
                }
            )
        )


def phase_cleanup(args):
    cr, env = registry_env(args)
    with cr:
        company = env["res.company"].browse(args.company)
        env = env(context={"allowed_company_ids": [company.id], "active_test": False})
        runs = env["cloud.cost.allocation.run"].search([("company_id", "=", company.id)])
        runs._suite().write({"state": "cancelled"})
        runs.unlink()
        env["cloud.cost.allocation.policy"].search([("company_id", "=", company.id)]).unlink()
        cr.execute("DELETE FROM cloud_cost_line WHERE company_id = %s", [company.id])
        batches = env["cloud.cost.import.batch"].search([("company_id", "=", company.id)])
        sources = batches.source_id
        batches.unlink()
        sources.unlink()
        env["cloud.cost.driver.value"].search([("company_id", "=", company.id)]).unlink()
        env["cloud.cost.service.tier.rate"].search([("key_id.company_id", "=", company.id)]).unlink()
        env["cloud.cost.allocation.key"].search([("company_id", "=", company.id)]).unlink()
        env["cloud.cost.pool"].search([("company_id", "=", company.id)]).unlink()
        accounts = env["account.analytic.account"].search([("company_id", "=", company.id)])
        plans = accounts.plan_id
        accounts.unlink()
        plans.unlink()
        cr.commit()
    print(json.dumps({"cleaned": True}))


def run_phase(args, phase, *extra):
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--lines",
        str(args.lines),
        "--pools",
        str(args.pools),
        "--receivers",
        str(args.receivers),
        *extra,
    ]
    if args.database:
        command += ["--database", args.database]
    if args.config:
        command += ["--config", args.config]
    output = subprocess.run(command, check=False, capture_output=True, text=True)
    if output.returncode:
        sys.stderr.write(output.stderr[-6000:])
        raise SystemExit(f"phase {phase} failed (exit status {output.returncode})")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--pools", type=int, default=50, help="a multiple of 10: levels of 10 pools")
    parser.add_argument("--receivers", type=int, default=1000)
    parser.add_argument(
        "--database", "-d", help="also run end to end in this database (cloud_cost_allocation " "installed)"
    )
    parser.add_argument("--config", help="Odoo configuration (default: $CLOUDCOST_ODOO_CONFIG or .local/odoo.conf)")
    parser.add_argument("--keep", action="store_true", help="keep the company, cost lines and run made end to end")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine-only benchmark")
    parser.add_argument("--phase", choices=["engine", "setup", "compute", "cleanup"], help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        {"engine": phase_engine, "setup": phase_setup, "compute": phase_compute, "cleanup": phase_cleanup}[args.phase](
            args
        )
        return 0

    if args.no_engine and args.database:
        return end_to_end(args)
    figures = run_phase(args, "engine")
    print(
        f"engine: {figures['lines']:,} cost lines -> {figures['groups']:,} cost groups -> "
        f"{figures['allocation_lines']:,} allocation lines, {figures['steps']} steps over 5 levels"
    )
    print(
        f"  group and round to cents {figures['group_s']:.2f} s, cascade {figures['engine_s']:.2f} s, "
        f"checks and KPIs {figures['check_kpi_s']:.2f} s: total {figures['total_s']:.2f} s (target <= 10 s)"
    )
    print(
        f"  peak memory {figures['peak_rss_mib']:.0f} MiB (after generating the lines: "
        f"{figures['rss_before_mib']:.0f} MiB); {figures['senders_100']} senders credited 100 %, "
        f"{figures['allocated_percent']} % allocated"
    )
    if not args.database:
        return 0
    return end_to_end(args)


def end_to_end(args):
    setup = run_phase(args, "setup", *(["--keep"] if args.keep else []))
    if setup["load_s"] is None:
        print(f"end to end: the kept {args.lines:,} cost lines of '{bench_company_name(args)}', a new run")
    else:
        print(f"end to end: {args.lines:,} cost lines COPYed in {setup['load_s']:.1f} s")
    try:
        compute = run_phase(args, "compute", "--run", str(setup["run_id"]))
        print(
            f"  run compute through the registry {compute['compute_s']:.1f} s (target <= 10 s), "
            f"{compute['allocation_lines']:,} allocation lines from {compute['cost_lines']:,} cost lines, "
            f"peak memory {compute['peak_rss_mib']:.0f} MiB (registry loaded: {compute['rss_before_mib']:.0f} "
            f"MiB; target <= 1024), 100% check {'OK' if compute['checks'] else 'FAILED'}, "
            f"{compute['allocated_percent']} % allocated, total {compute['total']:,.2f}"
        )
        for label, (seconds, calls) in compute["phases"].items():
            print(f"    {label:<44} {seconds:6.2f} s" + (f" ({calls} calls)" if calls > 1 else ""))
        print(f"    {'commit':<44} {compute['commit_s']:6.2f} s")
        print(
            f"  load average at the end (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in compute['load'])} "
            f"on {os.cpu_count()} cores"
        )
    finally:
        if not args.keep:
            run_phase(args, "cleanup", "--company", str(setup["company_id"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark: posting an approved allocation run of 1,000 receivers over 50 pools.

    .venv/bin/python tests/benchmarks/bench_posting.py --database cloudcost [--receivers 1000] [--pools 50]

In fresh processes, through the registry as the buttons run it (cloud_cost_posting installed; with
cloud_cost_audit the run is sealed when approved, posted and reversed, and that is timed too):

1. set-up: a company with a chargeback journal and accounts, ``--receivers`` business units,
   ``--pools`` pools with a few cost lines each, and a policy whose steps split each pool over every
   business unit by a driver: ``pools x receivers`` final allocation lines;
2. for each grouping, one entry per run and one entry per receiver: a run computed by one controller,
   approved by another, posted and reversed, each timed; then checked: every entry balances, its
   analytic lines add up per business unit to the run's final allocation lines, every journal item
   names the allocation lines it sums and they add up to it, and the reversal nets every account to zero;
3. the company stays, renamed "... (done)": its posted entries and their reversals are accounting history.

Targets on 2 cores: one entry at most 10 s, its reversal at most 10 s; one entry per receiver
(1,000 entries) at most 60 s.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import machine_speed_s, open_registry, set_up_chargeback, superuser_env  # noqa: E402

LINES_PER_POOL = 10


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def registry_env(args):
    cursor = open_registry(args).cursor()
    return cursor, superuser_env(cursor)


def phase_setup(args):
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    cr, env = registry_env(args)

    from odoo.addons.cloud_cost.core.bulk_copy import copy_frame  # noqa: PLC0415  (once the addons path is set)

    with cr:
        tag = f"{os.getpid()}"
        company = env["res.company"].create({"name": f"bench posting {tag}"})
        env = env(context={"allowed_company_ids": [company.id]})
        users = set_up_chargeback(env, company, f"bench_posting_{tag}")
        plan = env["account.analytic.plan"].create({"name": f"bench posting {tag}"})
        bus = env["account.analytic.account"].create(
            [
                {"name": f"BU {n:04d}", "plan_id": plan.id, "company_id": company.id}
                for n in range(1, args.receivers + 1)
            ]
        )
        pools = env["cloud.cost.pool"].create(
            [{"name": f"Pool {n:02d}", "code": f"P{n:02d}", "company_id": company.id} for n in range(1, args.pools + 1)]
        )
        key = env["cloud.cost.allocation.key"].create({"name": "users", "code": "USERS", "company_id": company.id})
        rng = np.random.default_rng(7)
        env["cloud.cost.driver.value"].create(
            [
                {
                    "key_id": key.id,
                    "company_id": company.id,
                    "date_from": "2026-10-01",
                    "date_to": "2026-10-31",
                    "analytic_account_id": bu.id,
                    "value": float(value),
                }
                for bu, value in zip(bus, rng.integers(1, 500, len(bus)), strict=True)
            ]
        )
        policies = {}
        for grouping in ("run", "receiver"):
            policies[grouping] = env["cloud.cost.allocation.policy"].create(
                {
                    "name": f"bench posting by {grouping}",
                    "code": f"BENCH-{grouping.upper()}",
                    "company_id": company.id,
                    "posting_grouping": grouping,
                    "step_ids": [
                        (0, 0, {"sequence": n, "sender_pool_id": pool.id, "method": "driver", "key_id": key.id})
                        for n, pool in enumerate(pools, start=1)
                    ],
                }
            )
        source = env["cloud.cost.source"].create({"name": "bench posting", "company_id": company.id})
        batch = env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        count = args.pools * LINES_PER_POOL
        cents = rng.integers(1_000_00, 20_000_00, count)
        copy_frame(
            cr,
            "cloud_cost_line",
            pd.DataFrame(
                {
                    "batch_id": batch.id,
                    "company_id": company.id,
                    "billing_period_start": "2026-10-01",
                    "charge_period_start": "2026-10-01 00:00:00",
                    "charge_category": "Usage",
                    "provider_name": "AWS",
                    "service_name": "Amazon Elastic Kubernetes Service",
                    "service_category": "Compute",
                    "cost_pool_id": np.repeat(np.asarray(pools.ids), LINES_PER_POOL),
                    "effective_cost_company": [str(Decimal(int(c)).scaleb(-2)) for c in cents],
                    "billed_cost_company": [str(Decimal(int(c)).scaleb(-2)) for c in cents],
                    "is_unallocated": False,
                }
            ),
        )
        cr.commit()
        print(
            json.dumps(
                {
                    "company_id": company.id,
                    "users": [u.id for u in users],
                    "policies": {k: v.id for k, v in policies.items()},
                }
            )
        )


def check_moves(env, run, moves, reversed_moves):
    """Balanced entries, analytic lines equal to the final allocation lines, items summing their lines."""
    env.flush_all()
    cr = env.cr
    failures = []
    cr.execute(
        """SELECT m.id FROM account_move_line l JOIN account_move m ON m.id = l.move_id
                   WHERE m.id = ANY(%s) GROUP BY m.id HAVING SUM(l.debit) <> SUM(l.credit)""",
        [moves.ids + reversed_moves.ids],
    )
    if cr.fetchall():
        failures.append("unbalanced entries")
    cr.execute(
        """SELECT analytic_account_id, SUM(amount) FROM cloud_cost_allocation_line
                   WHERE run_id = %s AND is_final AND receiver_kind = 'analytic' GROUP BY 1""",
        [run.id],
    )
    final = {account: Decimal(str(amount)) for account, amount in cr.fetchall()}
    plan_column = env["account.analytic.account"].browse(next(iter(final))).plan_id._column_name()
    cr.execute(
        f"""SELECT a.{plan_column}, -SUM(a.amount) FROM account_analytic_line a
                    JOIN account_move_line l ON l.id = a.move_line_id
                   WHERE l.move_id = ANY(%s) AND l.cloud_cost_side = 'receiver' GROUP BY 1""",  # noqa: S608
        [moves.ids],
    )
    analytic = {account: Decimal(str(amount)) for account, amount in cr.fetchall()}
    if {k: round(v, 2) for k, v in analytic.items()} != {k: round(v, 2) for k, v in final.items()}:
        failures.append("analytic lines differ from the final allocation lines")
    cr.execute(
        """SELECT l.id FROM account_move_line l
                   LEFT JOIN cloud_cost_allocation_line_account_move_line_rel r ON r.move_line_id = l.id
                   LEFT JOIN cloud_cost_allocation_line a ON a.id = r.allocation_line_id
                   WHERE l.move_id = ANY(%s) AND l.cloud_cost_side = 'receiver'
                   GROUP BY l.id, l.debit, l.credit HAVING COALESCE(SUM(a.amount), 0) <> l.debit - l.credit""",
        [moves.ids],
    )
    if cr.fetchall():
        failures.append("journal items whose allocation lines do not add up to them")
    if reversed_moves:
        cr.execute(
            """SELECT l.account_id FROM account_move_line l WHERE l.move_id = ANY(%s)
                       GROUP BY l.account_id HAVING SUM(l.balance) <> 0""",
            [moves.ids + reversed_moves.ids],
        )
        if cr.fetchall():
            failures.append("the reversal does not net every account to zero")
    return failures


def phase_post(args):
    cr, env = registry_env(args)
    with cr:
        company = env["res.company"].browse(args.company)
        env = env(context={"allowed_company_ids": [company.id]})
        first, second = (env(user=uid) for uid in args.users)
        policy = env["cloud.cost.allocation.policy"].browse(args.policy)
        run = first["cloud.cost.allocation.run"].create(
            {"policy_id": policy.id, "company_id": company.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
        )
        figures = {}

        def timed(name, action):
            started, cpu = time.perf_counter(), time.process_time()
            action()
            env.flush_all()
            figures[name] = time.perf_counter() - started
            figures[name.replace("_s", "_cpu_s")] = time.process_time() - cpu

        timed("compute_s", run.action_compute)
        run = run.with_env(second)
        timed("approve_s", run.action_approve)
        cr.commit()
        figures["speed_before_s"] = machine_speed_s()
        timed("post_s", run.action_post)
        moves = run.move_ids
        cr.commit()
        figures["moves"] = len(moves)
        figures["items"] = len(moves.line_ids)
        figures["allocation_lines"] = run.line_count
        figures["state_posted"] = run.state
        timed("reverse_s", run.action_reverse)
        cr.commit()
        reversals = run.move_ids - moves
        figures["state_reversed"] = run.state
        figures["speed_after_s"] = machine_speed_s()
        figures["failures"] = check_moves(env, run, moves, reversals)
        figures["peak_rss_mib"] = peak_rss_mib()
        figures["load"] = os.getloadavg()
        print(json.dumps(figures))


def phase_cleanup(args):
    cr, env = registry_env(args)
    with cr:
        company = env["res.company"].browse(args.company)
        # the entries and runs stay as accounting history would; the benchmark company is archived
        company.write({"name": f"{company.name} (done)"})
        cr.commit()
    print(json.dumps({"cleaned": True}))


def run_phase(args, phase, *extra):
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--receivers",
        str(args.receivers),
        "--pools",
        str(args.pools),
        "--database",
        args.database,
        *extra,
    ]
    if args.config:
        command += ["--config", args.config]
    output = subprocess.run(command, check=False, capture_output=True, text=True)
    if output.returncode:
        sys.stderr.write(output.stderr[-6000:])
        raise SystemExit(f"phase {phase} failed (exit status {output.returncode})")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", required=True, help="database with cloud_cost_posting installed")
    parser.add_argument("--config", help="Odoo configuration (default: $CLOUDCOST_ODOO_CONFIG or .local/odoo.conf)")
    parser.add_argument("--receivers", type=int, default=1000)
    parser.add_argument("--pools", type=int, default=50)
    parser.add_argument("--only", choices=["run", "receiver"], help="time one grouping only")
    parser.add_argument("--phase", choices=["setup", "post", "cleanup"], help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--policy", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        {"setup": phase_setup, "post": phase_post, "cleanup": phase_cleanup}[args.phase](args)
        return 0

    print(f"machine: a 20M-addition Python loop takes {machine_speed_s():.2f} s; {os.cpu_count()} cores")
    started = time.perf_counter()
    setup = run_phase(args, "setup")
    print(
        f"set-up: {args.receivers:,} business units, {args.pools} pools, {args.pools * LINES_PER_POOL} cost "
        f"lines in {time.perf_counter() - started:.1f} s"
    )
    targets = {"run": (10, 10), "receiver": (60, None)}
    status = 0
    for grouping in (args.only,) if args.only else ("run", "receiver"):
        figures = run_phase(
            args,
            "post",
            "--company",
            str(setup["company_id"]),
            "--users",
            *map(str, setup["users"]),
            "--policy",
            str(setup["policies"][grouping]),
        )
        post_target, reverse_target = targets[grouping]
        label = "one entry per run" if grouping == "run" else "one entry per receiver"
        print(
            f"{label}: {figures['allocation_lines']:,} allocation lines -> {figures['moves']:,} entries, "
            f"{figures['items']:,} journal items"
        )
        print(f"  compute {figures['compute_s']:.1f} s, approve (and seal) {figures['approve_s']:.1f} s")
        print(
            f"  post {figures['post_s']:.1f} s (target <= {post_target} s), reverse {figures['reverse_s']:.1f} s"
            + (f" (target <= {reverse_target} s)" if reverse_target else "")
        )
        # on a loaded machine the wall time also counts the time waiting for a core
        print(
            f"  CPU time of the Odoo process: post {figures['post_cpu_s']:.1f} s, "
            f"reverse {figures['reverse_cpu_s']:.1f} s"
        )
        print(
            f"  checks: {'OK' if not figures['failures'] else 'FAILED: ' + '; '.join(figures['failures'])} "
            f"(balanced entries, analytic lines = final allocation lines, items = their allocation lines, "
            f"reversal nets to zero); states {figures['state_posted']} then {figures['state_reversed']}"
        )
        print(
            f"  peak memory {figures['peak_rss_mib']:.0f} MiB; load average at the end "
            f"{', '.join(f'{v:.2f}' for v in figures['load'])} on {os.cpu_count()} cores; the 20M-addition loop "
            f"{figures['speed_before_s']:.2f} s before posting, {figures['speed_after_s']:.2f} s after reversing"
        )
        status |= bool(figures["failures"])
    run_phase(args, "cleanup", "--company", str(setup["company_id"]))
    return status


if __name__ == "__main__":
    sys.exit(main())

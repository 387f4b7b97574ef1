#!/usr/bin/env python3
"""Benchmark: the auditor's trace of a chargeback journal item of a run of a million cost lines.

    .venv/bin/python tests/benchmarks/bench_allocation.py --database bench --keep --no-engine
    .venv/bin/python tests/benchmarks/bench_trace.py --database bench

Takes the newest computed run of the company that ``bench_allocation.py --keep`` left (1,000,000 cost
lines by default), gives the company a chargeback journal and accounts, has a second controller approve
the run (which seals it) and posts it as one entry, printing the time of each. Then times the trace
that the screen and ``cloudcost trace`` show (``account.move.line._cloud_cost_trace``) for two business
unit items, the median one by allocation lines and the smallest, and for the clearing credit that sums
the most allocation lines, each with the process's caches emptied first. Everything is rolled back at the
end. Target: at most 2 s per item.
"""
# pylint: disable=print-used

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import open_registry, set_up_chargeback, superuser_env  # noqa: E402


def company_name(args):
    return f"bench allocation {args.lines}x{args.pools}x{args.receivers}"


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def trace_item(env, item):
    """(seconds, allocation lines, their trace entries, bill rows behind them, whether the entries add up to
    the item) of the trace of ``item``, its caches emptied first."""
    env.invalidate_all()
    trace, seconds = timed(item._cloud_cost_trace)
    rows = sum(entry["row_count"] for entry in trace["lines"])
    return seconds, trace["line_count"], len(trace["lines"]), rows, trace["lines_amount"] == abs(trace["amount"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", "-d", required=True)
    parser.add_argument("--config", help="Odoo configuration (default: $CLOUDCOST_ODOO_CONFIG or .local/odoo.conf)")
    parser.add_argument("--lines", type=int, default=1_000_000, help="the size bench_allocation.py --keep used")
    parser.add_argument("--pools", type=int, default=50)
    parser.add_argument("--receivers", type=int, default=1000)
    args = parser.parse_args()

    cr = open_registry(args).cursor()
    env = superuser_env(cr)
    try:
        company = env["res.company"].search([("name", "=", company_name(args))], limit=1)
        if not company:
            raise SystemExit(f"no company '{company_name(args)}': run bench_allocation.py --keep first")
        env = env(context={"allowed_company_ids": [company.id]})
        run = env["cloud.cost.allocation.run"].search(
            [("company_id", "=", company.id), ("state", "=", "computed")], order="id desc", limit=1
        )
        if not run:
            raise SystemExit("no computed run: run bench_allocation.py --keep first")
        first, second = set_up_chargeback(
            env, company, f"bench_trace_{os.getpid()}", journal_code="CCBT", account_codes=("628911", "628011")
        )
        run.policy_id.posting_grouping = "run"
        _done, approve_s = timed(run.with_user(second).action_approve)
        _done, post_s = timed(lambda: (run.with_user(first).action_post(), env.flush_all()))
        items = run.move_ids.line_ids
        print(
            f"run {run.display_name}: {run.cost_line_count:,} cost lines, {run.line_count:,} allocation lines; "
            f"approved (sealed) in {approve_s:.1f} s, posted as one entry of {len(items):,} items in {post_s:.1f} s"
        )
        picks = {}
        for side in ("receiver", "sender"):
            cr.execute(
                """SELECT r.move_line_id, COUNT(*) FROM cloud_cost_allocation_line_account_move_line_rel r
                     JOIN account_move_line i ON i.id = r.move_line_id
                    WHERE i.id = ANY(%s) AND i.cloud_cost_side = %s GROUP BY 1 ORDER BY 2, 1""",
                [items.ids, side],
            )
            counts = cr.fetchall()
            if side == "receiver":
                picks["median business unit"] = counts[len(counts) // 2][0]
                picks["smallest business unit"] = counts[0][0]
            else:
                picks["largest clearing"] = counts[-1][0]
        for label, item_id in picks.items():
            seconds, line_count, entries, rows, adds_up = trace_item(env, env["account.move.line"].browse(item_id))
            print(
                f"  trace of the {label} item ({line_count:,} allocation lines in {entries:,} entries, "
                f"{'adding up' if adds_up else 'NOT adding up'} to the item; {rows:,} bill rows behind them, counted "
                f"and summed, 20 listed per entry): {seconds:.2f} s (target <= 2 s)"
            )
        print(f"  load average at the end {', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    finally:
        cr.rollback()
        cr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

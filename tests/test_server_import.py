"""A million-row bill imported by the server of ./setup/run itself, as its scheduled action does it: in a queue
job, inside a prefork worker under Odoo's default memory limits, read as a stream."""

import gzip
import random
import re
import threading
import time
from decimal import Decimal

import psutil
import psycopg2
import pytest
import requests

from .servers import WebSession

ROWS = 1_000_000
BLOCK = 1_000  # distinct rows, written again and again: a large bill made in a second
PERIOD = "2031-01"
GIB = 1 << 30
# Odoo's defaults for a prefork worker (./setup/run sets neither): past the soft one a worker is replaced
# after its request, past the hard one its allocations fail
LIMIT_MEMORY_SOFT = 2048 << 20
TROUBLE = re.compile(
    r"Traceback|MemoryError|ImportError|virtual memory limit|memory limit .* reached|"
    r"timeout after|CPU time limit exceeded|Killed"
)


def write_bill(path, currency):
    """A FOCUS bill of ROWS rows in one gzip file (a gzip member per block of rows); its exact totals."""
    from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row  # noqa: PLC0415

    rng = random.Random(15)
    block = [
        focus_row(
            period=PERIOD,
            day=1 + n % 28,
            BillingCurrency=currency,
            BilledCost=f"{rng.randrange(0, 500)}.{rng.randrange(10**10):010d}",
            EffectiveCost=f"{rng.randrange(0, 400)}.{rng.randrange(10**10):010d}",
            ServiceName=rng.choice(["Amazon EC2", "Amazon RDS", "Amazon S3", "AWS Backup"]),
            ResourceId=f"i-{n:08x}",
        )
        for n in range(BLOCK)
    ]
    text = focus_csv(block)
    header, rows = text.split(b"\n", 1)
    repeats = ROWS // BLOCK
    member = gzip.compress(rows, compresslevel=1)
    with open(path, "wb") as out:
        out.write(gzip.compress(header + b"\n" + rows, compresslevel=1))
        for _ in range(repeats - 1):
            out.write(member)
    billed = sum(Decimal(row["BilledCost"]) for row in block) * repeats
    effective = sum(Decimal(row["EffectiveCost"]) for row in block) * repeats
    return billed, effective


class WorkerMemory(threading.Thread):
    """The largest resident and virtual memory of the server's worker processes, sampled twice a second."""

    def __init__(self, main_pid):
        super().__init__(daemon=True)
        self.main = psutil.Process(main_pid)
        self.peak_rss = self.peak_vms = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for process in self.main.children(recursive=True):
                try:
                    memory = process.memory_info()
                except psutil.Error:
                    continue
                self.peak_rss = max(self.peak_rss, memory.rss)
                self.peak_vms = max(self.peak_vms, memory.vms)
            time.sleep(0.5)


def _command_line(process):
    """The process's command line; empty for one that ended since it was listed (a short-lived helper)."""
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def odoo_main_process(server):
    processes = [
        child
        for child in psutil.Process(server.pid).children(recursive=True)
        if any(part.endswith(("odoo-bin", "/odoo")) for part in _command_line(child))
    ]
    pids = {p.pid for p in processes}
    return next(p for p in processes if p.ppid() not in pids)


@pytest.mark.long
def test_a_million_row_bill_is_imported_by_the_scheduled_action_inside_the_worker_memory_limits(
    setup_run_server, odoo_config
):
    run = setup_run_server
    conn = psycopg2.connect(
        dbname=run.database, host=odoo_config["db_host"], port=odoo_config["db_port"], user=odoo_config["db_user"]
    )
    conn.autocommit = True

    def sql(query, *params):
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else cr.rowcount

    admin = WebSession(run.port, run.database, "admin", "admin")
    (currency,) = sql("""SELECT c.name FROM res_users u JOIN res_company co ON co.id = u.company_id
                           JOIN res_currency c ON c.id = co.currency_id WHERE u.login = 'admin'""")[0]
    folder = run.import_root / "focus-export"
    folder.mkdir()
    billed, effective = write_bill(folder / f"focus-{PERIOD}.csv.gz", currency)
    logged_before = len(run.log_path.read_text())
    main = odoo_main_process(run.server)

    source_id = admin.call(
        "cloud.cost.source",
        "create",
        {"name": "Million-row FOCUS export", "source_type": "file", "bill_format": "focus", "location": str(folder)},
    )
    try:
        check_import(run, admin, sql, source_id, folder, billed, effective, main, logged_before)
    finally:
        remove_source(sql, source_id)  # the server stays as ./setup/run made it, for the other tests
        conn.close()
        (folder / f"focus-{PERIOD}.csv.gz").unlink()


def remove_source(sql, source_id):
    """The source and everything its imports stored, in SQL (imported lines are removed by no user)."""
    batch_ids = [row[0] for row in sql("SELECT id FROM cloud_cost_import_batch WHERE source_id = %s", source_id)]
    batch_ids = batch_ids or [0]
    for table in ("cloud_cost_line", "cloud_cost_import_file", "cloud_cost_import_total", "cloud_cost_line_summary"):
        sql(f"DELETE FROM {table} WHERE batch_id = ANY(%s)", batch_ids)  # noqa: S608 - our names
    sql("DELETE FROM ir_attachment WHERE res_model = 'cloud.cost.import.batch' AND res_id = ANY(%s)", batch_ids)
    sql("DELETE FROM cloud_cost_import_batch WHERE id = ANY(%s)", batch_ids)
    sql("DELETE FROM queue_job WHERE identity_key LIKE %s", f"cloud_cost_import:{source_id}%")
    sql("DELETE FROM mail_message WHERE model = 'cloud.cost.source' AND res_id = %s", source_id)
    crons = sql(
        "SELECT c.id, c.ir_actions_server_id FROM cloud_cost_source s JOIN ir_cron c ON c.id = s.cron_id "
        "WHERE s.id = %s",
        source_id,
    )
    sql("DELETE FROM cloud_cost_source WHERE id = %s", source_id)  # its jobs and progress go with it
    for cron_id, action_id in crons:
        sql("DELETE FROM ir_cron WHERE id = %s", cron_id)
        sql("DELETE FROM ir_act_server WHERE id = %s", action_id)


def check_import(run, admin, sql, source_id, folder, billed, effective, main, logged_before):
    [source] = admin.call("cloud.cost.source", "read", [source_id], ["cron_id"])
    memory = WorkerMemory(main.pid)
    memory.start()
    try:
        started = time.monotonic()
        admin.call("ir.cron", "method_direct_trigger", [source["cron_id"][0]])  # what the schedule does

        # the job runs in a worker; another session follows it on the source and on the job
        seen, jobs = [], []
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            jobs = admin.call(
                "cloud.cost.job",
                "search_read",
                [("source_id", "=", source_id)],
                ["kind", "state", "progress", "progress_message", "failure"],
                order="id",
            )
            imports = [job for job in jobs if job["kind"] == "import"]
            if imports and imports[0]["state"] in ("done", "failed", "cancelled"):
                break
            [progress] = admin.call(
                "cloud.cost.source",
                "read",
                [source_id],
                ["import_running", "import_file", "import_rows_read", "import_rows_stored"],
            )
            if progress["import_running"]:
                seen.append((progress, imports[0]["progress_message"] if imports else None))
            time.sleep(2)
        seconds = time.monotonic() - started
    finally:
        memory.stopped.set()
        memory.join()
    text = run.log_path.read_text()[logged_before:]
    imports = [job for job in jobs if job["kind"] == "import"]
    print(
        f"\n{ROWS:,} rows imported by the server in {seconds:.0f} s; peak worker memory "
        f"{memory.peak_rss / 2**20:.0f} MiB resident, {memory.peak_vms / 2**20:.0f} MiB virtual"
    )
    # the schedule queued one search for new bills and one import; when its own run came too, its search
    # queued a second import of the same file, which waited for the first and changed nothing
    assert imports and {job["state"] for job in jobs} == {"done"}, (jobs, text[-5000:])
    assert imports[0]["progress"] == 100.0 and "1 batch(es), 1000000 row(s) imported" in imports[0]["progress_message"]
    for again in imports[1:]:
        assert "0 batch(es), 0 row(s) imported" in again["progress_message"], again

    # the cost lines hold the file's exact decimal totals
    [(batch_id, state, row_count)] = sql(
        "SELECT id, state, row_count FROM cloud_cost_import_batch WHERE source_id = %s", source_id
    )
    assert (state, row_count) == ("imported", ROWS)
    lines, line_billed, line_effective = sql(
        "SELECT count(*), sum(billed_cost)::text, sum(effective_cost)::text FROM cloud_cost_line WHERE batch_id = %s",
        batch_id,
    )[0]
    assert (lines, Decimal(line_billed), Decimal(line_effective)) == (ROWS, billed, effective)
    [(kept_rows, kept_size)] = sql("SELECT row_count, size FROM cloud_cost_import_file WHERE batch_id = %s", batch_id)
    assert (kept_rows, kept_size) == (ROWS, (folder / f"focus-{PERIOD}.csv.gz").stat().st_size)

    # how far it got was seen while it ran, from this other session
    name = f"focus-{PERIOD}.csv.gz"
    assert any(0 < p["import_rows_read"] < ROWS and p["import_file"] == name for p, _message in seen), seen
    told = re.compile(r"[1-9][\d,]* row\(s\) read, [\d,]+ stored")
    assert any(message and told.search(message) for _progress, message in seen), seen
    # the source tells its last import: the bill's, or the schedule's own second one that found it imported
    # (queued, maybe, after the jobs above were read: they are read again once none is waiting or running)
    deadline = time.monotonic() + 120
    while True:
        imports = admin.call(
            "cloud.cost.job",
            "search_read",
            [("source_id", "=", source_id), ("kind", "=", "import")],
            ["state", "progress_message"],
            order="id",
        )
        if all(job["state"] in ("done", "failed", "cancelled") for job in imports) or time.monotonic() > deadline:
            break
        time.sleep(2)
    for again in imports[1:]:
        assert again["state"] == "done" and "0 batch(es), 0 row(s) imported" in again["progress_message"], again
    [after] = admin.call("cloud.cost.source", "read", [source_id], ["import_running", "last_import_state"])
    assert after == {
        "id": source_id,
        "import_running": False,
        "last_import_state": "done" if len(imports) == 1 else "unchanged",
    }

    # inside the worker's limits: no worker replaced, killed or out of memory, and the server serves on
    assert not TROUBLE.search(text), text[-5000:]
    assert memory.peak_rss <= GIB, f"peak worker RSS {memory.peak_rss / 2**20:.0f} MiB"
    assert memory.peak_vms < LIMIT_MEMORY_SOFT, f"peak worker virtual memory {memory.peak_vms / 2**20:.0f} MiB"
    assert run.server.poll() is None and main.is_running()
    assert requests.get(f"http://127.0.0.1:{run.port}/web/login", timeout=60).status_code == 200
    assert admin.call("cloud.cost.source", "search_count", [("id", "=", source_id)]) == 1

"""A real Odoo server in a subprocess, a JSON-RPC client of it, and snapshots of what the estate holds.

The attacks go through Odoo's external API exactly as any client can call it: HTTP POST to /jsonrpc,
service "object", method "execute_kw", a user id and that user's password, any context.
"""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

# ---------------------------------------------------------------------- expectations
# Exceptions Odoo shows the user as a message (anything else is a crash, not a refusal).
USER_ERRORS = ("AccessError", "UserError", "ValidationError", "MissingError")
# The refusal of the guard: fields and records only the suite's own methods write.
GUARDED = r"by the suite's own actions only"
# The refusal of the seal: what a sealed run's content hash covers does not change.
SEALED = r"sealed|content hash"
# Odoo's own access rights and record rules.
NO_ACCESS = r"not allowed to|security restrictions|only a cost controller|access"


class RpcRefused(Exception):
    """The server answered a JSON-RPC call with an error."""

    def __init__(self, message, name="", debug=""):
        super().__init__(f"{name}: {message}")
        self.message = message
        self.name = name
        self.debug = debug


class RpcClient:
    """One user's client of the server's /jsonrpc endpoint."""

    def __init__(self, url, database, uid, password, context=None, on_call=None):
        self.on_call = on_call  # told of every call: the estate then knows its last snapshot may be stale
        self.url = url.rstrip("/") + "/jsonrpc"
        self.database = database
        self.uid = uid
        self.password = password
        self.context = dict(context or {})
        self.session = requests.Session()

    def _post(self, service, method, args):
        if self.on_call:
            self.on_call()
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"service": service, "method": method, "args": args},
        }
        response = self.session.post(self.url, json=payload, timeout=120)
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            data = answer["error"].get("data") or {}
            raise RpcRefused(
                data.get("message") or answer["error"].get("message", ""), data.get("name", ""), data.get("debug", "")
            )
        return answer["result"]

    def call(self, model, method, *args, context=None, **kwargs):
        """``model.method(*args, **kwargs)`` over execute_kw, with the client's context and ``context`` over it."""
        merged = dict(self.context)
        merged.update(context or {})
        kwargs["context"] = merged
        return self._post(
            "object", "execute_kw", [self.database, self.uid, self.password, model, method, list(args), kwargs]
        )

    def login(self, login):
        return self._post("common", "login", [self.database, login, self.password])


@contextlib.contextmanager
def refused(match, kinds=USER_ERRORS):
    """Assert that the block raises RpcRefused with a message matching ``match`` (a regex, searched
    case-insensitively) and, when given, an exception name ending with one of ``kinds``."""
    __tracebackhide__ = True
    try:
        yield
    except RpcRefused as error:
        if kinds and not error.name.endswith(tuple(kinds)):
            raise AssertionError(
                f"refused, but as {error.name} (expected {', '.join(kinds)}): " f"{error.message}"
            ) from None
        if not re.search(match, error.message, re.IGNORECASE | re.DOTALL):
            raise AssertionError(
                f"refused with an unexpected message:\n  {error.message}\n" f"expected it to match: {match}"
            ) from None
        return
    raise AssertionError(f"the server accepted the call (expected a refusal matching {match!r})")


# ---------------------------------------------------------------------- the server
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OdooServer:
    """``odoo-bin`` serving one database on a free local port, as a separate process."""

    def __init__(self, database, config):
        import odoo  # noqa: PLC0415

        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        odoo_bin = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
        self.log = tempfile.NamedTemporaryFile(prefix="controls-odoo-", suffix=".log", delete=False)  # noqa: SIM115
        self.command = [
            sys.executable,
            str(odoo_bin),
            "-c",
            str(config),
            "-d",
            database,
            "--db-filter",
            f"^{re.escape(database)}$",
            "--http-port",
            str(self.port),
            "--http-interface",
            "127.0.0.1",
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
        ]
        self.process = None

    def start(self):
        env = {key: value for key, value in os.environ.items() if key not in ("USER", "HOST", "PORT", "PASSWORD")}
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        return self

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Odoo server exited with status {self.process.returncode}:\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/web/login", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the Odoo server did not answer /web/login within {timeout} s:\n{self.tail()}")

    def tail(self, lines=40):
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


# ---------------------------------------------------------------------- snapshots
# (table, SQL condition selecting the estate's rows of one company, %(company)s bound)
SNAPSHOT_TABLES = [
    ("cloud_cost_allocation_run", "company_id = %(company)s"),
    ("cloud_cost_allocation_line", "company_id = %(company)s"),
    ("cloud_cost_allocation_run_sender", "company_id = %(company)s"),
    (
        "cloud_cost_allocation_run_cost",
        "run_id IN (SELECT id FROM cloud_cost_allocation_run WHERE company_id = %(company)s)",
    ),
    (
        "cloud_cost_allocation_run_batch",
        "run_id IN (SELECT id FROM cloud_cost_allocation_run WHERE company_id = %(company)s)",
    ),
    ("cloud_cost_line", "company_id = %(company)s"),
    ("cloud_cost_import_batch", "company_id = %(company)s"),
    ("cloud_cost_import_file", "company_id = %(company)s"),
    ("cloud_cost_import_total", "company_id = %(company)s"),
    ("cloud_cost_import_progress", "company_id = %(company)s"),
    (
        "ir_attachment",
        "res_model = 'cloud.cost.import.batch' AND res_id IN "
        "(SELECT id FROM cloud_cost_import_batch WHERE company_id = %(company)s)",
    ),
    ("cloud_cost_allocation_policy", "company_id = %(company)s"),
    ("cloud_cost_allocation_step", "company_id = %(company)s"),
    ("cloud_cost_mapping_rule", "company_id = %(company)s"),
    ("cloud_cost_driver_value", "company_id = %(company)s"),
    ("cloud_cost_source", "company_id = %(company)s"),
    ("account_move", "company_id = %(company)s"),
    ("account_move_line", "company_id = %(company)s"),
]
# chatter of the estate's documents: (model, table)
CHATTER_MODELS = [
    ("cloud.cost.allocation.run", "cloud_cost_allocation_run"),
    ("cloud.cost.import.batch", "cloud_cost_import_batch"),
    ("cloud.cost.allocation.policy", "cloud_cost_allocation_policy"),
    ("cloud.cost.mapping.rule", "cloud_cost_mapping_rule"),
    ("cloud.cost.source", "cloud_cost_source"),
    ("account.move", "account_move"),
]


def _chatter_condition(alias="m"):
    return " OR ".join(
        f"({alias}.model = '{model}' AND {alias}.res_id IN (SELECT id FROM {table} WHERE company_id = %(company)s))"
        for model, table in CHATTER_MODELS
    )


def take_snapshot(cr, company_id, verify=None):
    """{table: {id: row as JSON}} of one company's estate, with ``verify``'s {run id: result} of sealed runs."""
    tables = dict(SNAPSHOT_TABLES)
    tables["mail_message"] = _chatter_condition()
    tables["mail_tracking_value"] = f"mail_message_id IN (SELECT m.id FROM mail_message m WHERE {_chatter_condition()})"
    state = {}
    for table, condition in tables.items():
        alias = "m" if table == "mail_message" else "t"
        cr.execute(
            f"SELECT {alias}.id, to_jsonb({alias}) FROM {table} {alias} WHERE {condition}",  # noqa: S608
            {"company": company_id},
        )
        state[table] = {row_id: row for row_id, row in cr.fetchall()}
    if verify is not None:
        state["verify (content hash)"] = {
            run_id: verify(run_id)
            for run_id, row in state["cloud_cost_allocation_run"].items()
            if row.get("content_hash")
        }
    return state


def _short(value, limit=120):
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def describe_changes(before, after, limit=25):
    """Readable differences of two snapshots; empty when nothing changed."""
    changes = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for row_id in sorted(set(new) - set(old)):
            changes.append(f"{table} #{row_id} added: {_short(new[row_id])}")
        for row_id in sorted(set(old) - set(new)):
            changes.append(f"{table} #{row_id} removed: {_short(old[row_id])}")
        for row_id in sorted(set(old) & set(new)):
            if old[row_id] == new[row_id]:
                continue
            if isinstance(old[row_id], dict) and isinstance(new[row_id], dict):
                columns = sorted(
                    k for k in set(old[row_id]) | set(new[row_id]) if old[row_id].get(k) != new[row_id].get(k)
                )
                details = ", ".join(
                    f"{c}: {_short(old[row_id].get(c), 60)} -> {_short(new[row_id].get(c), 60)}" for c in columns
                )
            else:
                details = f"{_short(old[row_id])} -> {_short(new[row_id])}"
            changes.append(f"{table} #{row_id} changed: {details}")
    if len(changes) > limit:
        changes = changes[:limit] + [f"... and {len(changes) - limit} more"]
    return changes


def assert_all_refused(steps, kinds=USER_ERRORS):
    """Try every (label, call, match) step, each on its own, and fail listing those the server accepted or
    refused with an unexpected message; a multi-step attack is thus reported step by step."""
    __tracebackhide__ = True
    problems = []
    for label, call, match in steps:
        try:
            call()
        except RpcRefused as error:
            if kinds and not error.name.endswith(tuple(kinds)):
                problems.append(f"{label}: refused as {error.name}, not a user error: {error.message}")
            elif not re.search(match, error.message, re.IGNORECASE | re.DOTALL):
                problems.append(
                    f"{label}: refused with an unexpected message: {error.message!r} " f"(expected {match!r})"
                )
            continue
        problems.append(f"{label}: ACCEPTED by the server")
    assert not problems, "\n  ".join(["not every step was refused:", *problems])

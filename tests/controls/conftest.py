"""Fixtures of the controls suite: a real server, an estate in two companies, clients per role, snapshots."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from . import estate as estate_module
from .harness import OdooServer, RpcClient, describe_changes, take_snapshot

COMPANIES = ("a", "b")


def _registry():
    from odoo.modules.registry import Registry  # noqa: PLC0415

    return Registry(os.environ["CLOUDCOST_TEST_DATABASE"])


class Admin:
    """Reads as the superuser, on a fresh cursor: exactly what the server committed."""

    def __init__(self, registry):
        self.registry = registry

    def _env(self, cr):
        from odoo import SUPERUSER_ID, api  # noqa: PLC0415

        return api.Environment(cr, SUPERUSER_ID, {"active_test": False})

    def read(self, model, ids, fields):
        with self.registry.cursor() as cr:
            records = self._env(cr)[model].browse(ids).exists()
            return records.read(fields)

    def search_read(self, model, domain, fields):
        with self.registry.cursor() as cr:
            return self._env(cr)[model].search_read(domain, fields)

    def sql(self, query, params=None):
        with self.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def verify(self, run_id):
        """The run's hash verification, computed in a transaction rolled back after (no trace left)."""
        with self.registry.cursor() as cr:
            try:
                return bool(self._env(cr)["cloud.cost.allocation.run"].browse(run_id)._verify_hash())
            except Exception as error:  # noqa: BLE001 - the result of a failed verification is data too
                return f"error: {type(error).__name__}: {error}"
            finally:
                cr.rollback()


class Estate:
    """The estate of the session: static part per company once, documents rebuilt when an attack changed them."""

    def __init__(self, registry):
        self.registry = registry
        self.admin = Admin(registry)
        self.tag = estate_module.new_tag()
        self.companies = {}
        self.baseline = {}
        # RPC calls made so far, and the state of the estate as of one of these counts: as long as no call
        # was made since, that snapshot still holds (the attacks change the estate only through the server)
        self.calls = 0
        self.known = None

    def count_call(self):
        self.calls += 1

    def state(self):
        """{company key: snapshot}, taken again only when a call was made since the last one."""
        if self.known is None or self.known[0] != self.calls:
            self.remember({key: self.snapshot(key) for key in COMPANIES})
        return self.known[1]

    def remember(self, state):
        self.known = (self.calls, state)

    def build(self):
        with self.registry.cursor() as cr:
            estate_module.purge_leftovers(cr)
            cr.commit()
        logins = [f"rpc_{key}_{role}_{self.tag}" for key in COMPANIES for role in estate_module.ROLE_GROUPS]
        hashes = estate_module.hash_passwords(self.registry, logins)
        with self.registry.cursor() as cr:
            for key in COMPANIES:
                self.companies[key] = estate_module.build_static(cr, key, self.tag)
            cr.commit()
        for key in COMPANIES:
            self._build_documents(key)
        with self.registry.cursor() as cr:
            done = hashes()
            for key in COMPANIES:
                estate_module.set_passwords(cr, self.companies[key], done)
            cr.commit()

    def _build_documents(self, key):
        static = {name: value for name, value in self.companies[key].items() if name not in DOCUMENT_KEYS}
        with self.registry.cursor() as cr:
            documents = estate_module.build_documents(cr, static)
            cr.commit()
        self.companies[key] = {**static, **documents}
        self.baseline[key] = self.snapshot(key)

    def snapshot(self, key):
        with self.registry.cursor() as cr:
            return take_snapshot(cr, self.companies[key]["company"], verify=self.admin.verify)

    def restore_changed(self):
        """Rebuild the documents of each company whose data differs from its baseline; returns the keys."""
        state = self.state()
        changed = [key for key in COMPANIES if state[key] != self.baseline[key]]
        for key in changed:
            with self.registry.cursor() as cr:
                estate_module.purge_documents(cr, self.companies[key]["company"])
                cr.commit()
            self._build_documents(key)
        self.remember(dict(self.baseline))
        return changed

    def purge(self):
        with self.registry.cursor() as cr:
            for key in COMPANIES:
                if key in self.companies:
                    estate_module.purge_company(cr, self.companies[key]["company"])
            cr.commit()

    def warm_up(self, server):
        """Have the server check every user's password once, side by side, in the background: it keeps the
        result, and the first attack of each role does not wait for the key derivation."""
        clients = [
            RpcClient(server.url, server.database, ids["users"][role], ids["logins"][role])
            for ids in self.companies.values()
            for role in ids["users"]
        ]
        pool = ThreadPoolExecutor(max_workers=2)
        for client in clients:
            pool.submit(client.call, "res.users", "context_get")
        pool.shutdown(wait=False)

    def ids(self):
        return {key: dict(value) for key, value in self.companies.items()}


DOCUMENT_KEYS = ("source", "rules", "policy", "steps", "batches", "lines", "files", "attachments", "runs", "moves")


@pytest.fixture(scope="session")
def controls_session(odoo_config):
    """The server and the estate of the session; the server boots while the estate is built."""
    database = os.environ["CLOUDCOST_TEST_DATABASE"]
    config = os.environ["CLOUDCOST_ODOO_CONFIG"]
    registry = _registry()
    server = OdooServer(database, config)
    holder = Estate(registry)
    server.start()
    try:
        holder.build()
        server.wait_ready()
        holder.warm_up(server)
        yield server, holder
    finally:
        server.stop()
        holder.purge()


@pytest.fixture
def estate(controls_session):
    """{"a": ids of company A's estate, "b": company B's} (see the notes on the fixtures)."""
    server, holder = controls_session
    yield holder.ids()
    holder.restore_changed()


@pytest.fixture
def rpc(controls_session, estate):
    """rpc(role, company="a", context=None): a JSON-RPC client logged in as that user (password = login)."""
    server, holder = controls_session

    def client(role, company="a", context=None):
        ids = estate[company]
        base = {"allowed_company_ids": [ids["company"]]}
        base.update(context or {})
        return RpcClient(
            server.url, server.database, ids["users"][role], ids["logins"][role], base, on_call=holder.count_call
        )

    return client


@pytest.fixture
def admin(controls_session):
    return controls_session[1].admin


class Snapshots:
    """Snapshots of both companies' estate. The estate changes only through the server: a snapshot taken
    when no RPC call was made since the last one is that one (a test changing the estate in-process
    should not rely on it)."""

    def __init__(self, holder):
        self.holder = holder

    def __call__(self):
        return self.holder.state()

    def assert_unchanged(self, before, tables=None):
        """Fail listing what changed since ``before`` (in ``tables`` only, when given)."""
        __tracebackhide__ = True
        after = {key: self.holder.snapshot(key) for key in COMPANIES}
        self.holder.remember(after)

        def kept(state):
            return {table: rows for table, rows in state.items() if tables is None or table in tables}

        changes = [
            f"company {key.upper()}: {change}"
            for key in COMPANIES
            for change in describe_changes(kept(before[key]), kept(after[key]))
        ]
        assert not changes, "the refused call changed the estate:\n  " + "\n  ".join(changes)


@pytest.fixture
def snapshot(controls_session, estate):
    """snapshot() -> state of both companies' estate; snapshot.assert_unchanged(before)."""
    return Snapshots(controls_session[1])

"""Two users import the same source and billing period at the same moment, each in their own transaction:
one import is stored, the other is told that someone else is importing it, and nothing of it is written.
While an import runs, other sessions see how far it got."""

import re
import threading
import time
import uuid
from contextlib import contextmanager
from unittest.mock import patch

import pytest

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from ..core.bill_stores import MemoryStore
from ..models.cloud_cost_bill_import import ImportBusy
from .bill_files import focus_csv, focus_row
from .plain import PlainCase


def registry_fixture():
    return Registry(get_db_name())


def purge_source(registry, source_id):
    """Remove the committed source and what its imports stored (batches are kept by design: in SQL)."""
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM cloud_cost_import_batch WHERE source_id = %s", [source_id])
        batch_ids = [row[0] for row in cr.fetchall()] or [0]
        tables = ("cloud_cost_line", "cloud_cost_import_file", "cloud_cost_import_total", "cloud_cost_line_summary")
        for table in tables:
            cr.execute(f"DELETE FROM {table} WHERE batch_id = ANY(%s)", [batch_ids])  # noqa: S608
        cr.execute(
            "DELETE FROM ir_attachment WHERE res_model = 'cloud.cost.import.batch' AND res_id = ANY(%s)", [batch_ids]
        )
        cr.execute("DELETE FROM cloud_cost_import_batch WHERE id = ANY(%s)", [batch_ids])
        cr.execute("DELETE FROM mail_message WHERE model = 'cloud.cost.source' AND res_id = %s", [source_id])
        cr.execute("DELETE FROM cloud_cost_source WHERE id = %s", [source_id])


@contextmanager
def committed_source_fixture(registry):
    """A source of the administrator's company, committed so that a second cursor sees it."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        source = env["cloud.cost.source"].create(
            {
                "name": f"concurrent import {uuid.uuid4().hex[:8]}",
                "company_id": admin.company_id.id,
                "source_type": "upload",
                "bill_format": "focus",
            }
        )
        currency = admin.company_id.currency_id.name
        ids = source.id, admin.id, admin.company_id.id, currency
    yield ids
    purge_source(registry, ids[0])


def source_as(cr, source_id, user_id, company_id):
    env = api.Environment(cr, user_id, {"allowed_company_ids": [company_id]})
    return env["cloud.cost.source"].browse(source_id)


def committed_batches(registry, source_id):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT state, row_count FROM cloud_cost_import_batch WHERE source_id = %s ORDER BY id""", [source_id]
        )
        return cr.fetchall()


def october(currency, *days):
    return focus_csv([focus_row(day=day, BillingCurrency=currency) for day in days])


@tagged("post_install", "-at_install")
class TestConcurrentImport(PlainCase):
    def test_two_cursors_importing_the_same_period_one_is_told_and_writes_nothing(self):
        registry = registry_fixture()
        committed_source = self.enterContext(committed_source_fixture(registry))
        source_id, user_id, company_id, currency = committed_source
        bill = october(currency, 1, 2, 3)
        first, second = registry.cursor(), registry.cursor()
        try:
            result = source_as(first, source_id, user_id, company_id)._import_store(MemoryStore({"october.csv": bill}))
            assert [batch.row_count for batch in result.batches] == [3]  # and holds the period until it commits
            with pytest.raises(
                ImportBusy,
                match="billing period 2026-10: already being imported by someone else; " "nothing was written",
            ):
                source_as(second, source_id, user_id, company_id)._import_store(MemoryStore({"october.csv": bill}))
            second.rollback()
            first.commit()
            # the second user tries again once the first has committed: the file is imported already
            again = source_as(second, source_id, user_id, company_id)._import_store(MemoryStore({"october.csv": bill}))
            assert (again.batches, again.unchanged) == ([], ["october.csv"])
            second.rollback()
        finally:
            first.close()
            second.close()
        assert committed_batches(registry, source_id) == [("imported", 3)]

    def test_an_import_begun_before_another_committed_the_period_is_refused(self):
        registry = registry_fixture()
        committed_source = self.enterContext(committed_source_fixture(registry))
        source_id, user_id, company_id, currency = committed_source
        first, second = registry.cursor(), registry.cursor()
        try:
            second.execute("SELECT 1")  # the second transaction begins: it will not see what the first commits
            source_as(first, source_id, user_id, company_id)._import_store(
                MemoryStore({"october.csv": october(currency, 1, 2)})
            )
            first.commit()
            # a restatement of the same month, read by the second transaction: it would not supersede the first
            with pytest.raises(
                ImportBusy,
                match="billing period 2026-10: imported by someone else while this import " "ran; nothing was written",
            ):
                source_as(second, source_id, user_id, company_id)._import_store(
                    MemoryStore({"october-restated.csv": october(currency, 1, 2, 3, 4)})
                )
            second.rollback()
        finally:
            first.close()
            second.close()
        assert committed_batches(registry, source_id) == [("imported", 2)]

    def test_two_imports_started_at_the_same_moment_store_one_batch_and_tell_the_other(self):
        registry = registry_fixture()
        committed_source = self.enterContext(committed_source_fixture(registry))
        source_id, user_id, company_id, currency = committed_source
        bill = october(currency, *range(1, 29))
        start = threading.Barrier(2)
        outcomes = {}

        def import_as(name):
            with registry.cursor() as cr:
                source = source_as(cr, source_id, user_id, company_id)
                cr.execute("SELECT 1")  # both transactions begin before either imports: neither sees the other's batch
                start.wait(timeout=30)
                try:
                    outcomes[name] = source._import_store(MemoryStore({f"{name}.csv": bill})).summary()
                except ImportBusy as error:
                    outcomes[name] = error
                    cr.rollback()

        threads = [threading.Thread(target=import_as, args=(name,)) for name in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        stored = [name for name, outcome in outcomes.items() if isinstance(outcome, str)]
        told = [outcome for outcome in outcomes.values() if isinstance(outcome, ImportBusy)]
        assert len(stored) == 1 and len(told) == 1, outcomes
        assert "1 batch(es), 28 row(s) imported" in outcomes[stored[0]]
        assert re.search(
            r"billing period 2026-10: (already being imported by someone else|imported by someone else "
            r"while this import ran); nothing was written",
            str(told[0]),
        ), told[0]
        assert committed_batches(registry, source_id) == [("imported", 28)]

    def test_how_far_an_import_got_is_read_from_another_session_while_it_runs(self):
        """Rows read, rows stored and the file being read are on the source while the import runs; another user
        holds the cost lines' table meanwhile, so that the import waits with its first rows read."""
        registry = registry_fixture()
        committed_source = self.enterContext(committed_source_fixture(registry))
        from ..models import cloud_cost_bill_import

        source_id, user_id, company_id, currency = committed_source
        bill = october(currency, *range(1, 29)) + b"".join(
            october(currency, *range(1, 29)).split(b"\n", 1)[1:]
        )  # 56 rows
        worker_outcome = {}

        def work():
            with registry.cursor() as cr:
                try:
                    source = source_as(cr, source_id, user_id, company_id)
                    worker_outcome["rows"] = source._import_store(MemoryStore({"exports/october.csv": bill})).rows
                except Exception as error:  # noqa: BLE001 - reported by the assertions below
                    worker_outcome["error"] = error
                    raise

        def seen():
            with registry.cursor() as cr:
                source = source_as(cr, source_id, user_id, company_id)
                return source.read(
                    ["import_running", "import_file", "import_rows_read", "import_rows_stored", "import_progress"]
                )[0]

        CloudCostBillImport = cloud_cost_bill_import.CloudCostBillImport
        with (
            patch.object(cloud_cost_bill_import, "PROGRESS_SECONDS", 0),
            patch.object(CloudCostBillImport, "_import_chunk_rows", 8),
        ):
            holder = registry.cursor()
            try:
                holder.execute("LOCK TABLE cloud_cost_line IN SHARE MODE")
                worker = threading.Thread(target=work)
                worker.start()
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not (running := seen())["import_rows_read"]:
                    time.sleep(0.05)
                time.sleep(0.5)
                running = seen()
            finally:
                holder.rollback()
                holder.close()
            worker.join(timeout=120)
        assert worker_outcome.get("rows") == 56, worker_outcome
        # mid-way: reading the file, some rows read and none stored yet (the table was held)
        assert running["import_running"] and running["import_file"] == "exports/october.csv", running
        assert 8 <= running["import_rows_read"] < 56 and running["import_rows_stored"] == 0, running
        # once it ended, nothing of it is left running
        after = seen()
        assert not after["import_running"] and not after["import_rows_read"], after
        with registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM cloud_cost_import_progress WHERE source_id = %s", [source_id])
            assert cr.fetchone()[0] == 0

    def test_the_progress_of_an_import_is_written_by_the_import_only(self):
        registry = registry_fixture()
        committed_source = self.enterContext(committed_source_fixture(registry))
        source_id, user_id, company_id, _currency = committed_source
        with registry.cursor() as cr:
            env = api.Environment(cr, user_id, {"allowed_company_ids": [company_id]})
            Progress = env["cloud.cost.import.progress"].sudo()
            with pytest.raises(AccessError, match="created by the suite's own actions only"):
                Progress.create({"source_id": source_id, "company_id": company_id, "rows_read": 10**9})
            with pytest.raises(AccessError, match="created by the suite's own actions only"):
                env["cloud.cost.source"].browse(source_id).sudo().write(
                    {"import_progress_ids": [(0, 0, {"company_id": company_id, "rows_read": 1})]}
                )
            cr.rollback()
            cr.execute("SELECT count(*) FROM cloud_cost_import_progress WHERE source_id = %s", [source_id])
            assert cr.fetchone()[0] == 0

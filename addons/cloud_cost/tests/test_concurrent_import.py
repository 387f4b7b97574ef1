"""Two users import the same source and billing period at the same moment, each in their own transaction:
one import is stored, the other is told that someone else is importing it, and nothing of it is written."""

import os
import uuid

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

from ..core.bill_stores import MemoryStore
from ..models.cloud_cost_bill_import import ImportBusy
from .bill_files import focus_csv, focus_row


@pytest.fixture
def registry():
    return Registry(os.environ["CLOUDCOST_TEST_DATABASE"])


def purge_source(registry, source_id):
    """Remove the committed source and what its imports stored (batches are kept by design: in SQL)."""
    with registry.cursor() as cr:
        cr.execute("SELECT id FROM cloud_cost_import_batch WHERE source_id = %s", [source_id])
        batch_ids = [row[0] for row in cr.fetchall()] or [0]
        tables = ("cloud_cost_line", "cloud_cost_import_file", "cloud_cost_import_total", "cloud_cost_line_summary")
        for table in tables:
            cr.execute(f"DELETE FROM {table} WHERE batch_id = ANY(%s)", [batch_ids])  # noqa: S608
        cr.execute("DELETE FROM ir_attachment WHERE res_model = 'cloud.cost.import.batch' AND res_id = ANY(%s)",
                   [batch_ids])
        cr.execute("DELETE FROM cloud_cost_import_batch WHERE id = ANY(%s)", [batch_ids])
        cr.execute("DELETE FROM mail_message WHERE model = 'cloud.cost.source' AND res_id = %s", [source_id])
        cr.execute("DELETE FROM cloud_cost_source WHERE id = %s", [source_id])


@pytest.fixture
def committed_source(registry):
    """A source of the administrator's company, committed so that a second cursor sees it."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        source = env["cloud.cost.source"].create({
            "name": f"concurrent import {uuid.uuid4().hex[:8]}", "company_id": admin.company_id.id,
            "source_type": "upload", "bill_format": "focus"})
        currency = admin.company_id.currency_id.name
        ids = source.id, admin.id, admin.company_id.id, currency
    yield ids
    purge_source(registry, ids[0])


def source_as(cr, source_id, user_id, company_id):
    env = api.Environment(cr, user_id, {"allowed_company_ids": [company_id]})
    return env["cloud.cost.source"].browse(source_id)


def committed_batches(registry, source_id):
    with registry.cursor() as cr:
        cr.execute("""SELECT state, row_count FROM cloud_cost_import_batch WHERE source_id = %s ORDER BY id""",
                   [source_id])
        return cr.fetchall()


def october(currency, *days):
    return focus_csv([focus_row(day=day, BillingCurrency=currency) for day in days])


def test_two_cursors_importing_the_same_period_one_is_told_and_writes_nothing(registry, committed_source):
    source_id, user_id, company_id, currency = committed_source
    bill = october(currency, 1, 2, 3)
    first, second = registry.cursor(), registry.cursor()
    try:
        result = source_as(first, source_id, user_id, company_id)._import_store(MemoryStore({"october.csv": bill}))
        assert [batch.row_count for batch in result.batches] == [3]  # and holds the period until it commits
        with pytest.raises(ImportBusy, match="billing period 2026-10: already being imported by someone else; "
                                             "nothing was written"):
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


def test_an_import_begun_before_another_committed_the_period_is_refused(registry, committed_source):
    source_id, user_id, company_id, currency = committed_source
    first, second = registry.cursor(), registry.cursor()
    try:
        second.execute("SELECT 1")  # the second transaction begins: it will not see what the first commits
        source_as(first, source_id, user_id, company_id)._import_store(
            MemoryStore({"october.csv": october(currency, 1, 2)}))
        first.commit()
        # a restatement of the same month, read by the second transaction: it would not supersede the first
        with pytest.raises(ImportBusy, match="billing period 2026-10: imported by someone else while this import "
                                             "ran; nothing was written"):
            source_as(second, source_id, user_id, company_id)._import_store(
                MemoryStore({"october-restated.csv": october(currency, 1, 2, 3, 4)}))
        second.rollback()
    finally:
        first.close()
        second.close()
    assert committed_batches(registry, source_id) == [("imported", 2)]

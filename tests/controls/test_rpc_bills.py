"""Bills over JSON-RPC: batches, cost lines, import files and totals are facts an import writes.

Accountants may reclassify a cost line (business unit, pool, environment, tenant, tier) until a sealed
run takes it; nobody creates bill data by hand or edits what the bill said.
"""

import pytest

from .harness import GUARDED, NO_ACCESS, SEALED, assert_all_refused, refused

BATCH = "cloud.cost.import.batch"
LINE = "cloud.cost.line"
GUARDED_OR_SEALED = f"{GUARDED}|{SEALED}"

BILL_FACTS = {
    "effective_cost_company": 9999.0,
    "billed_cost_company": 9999.0,
    "effective_cost": 9999.0,
    "billed_cost": 9999.0,
    "list_cost": 9999.0,
    "billing_currency": "JPY",
    "charge_period_start": "2026-09-15 00:00:00",
    "billing_period_start": "2026-10-01",
    "provider_name": "Forged Cloud",
    "service_name": "Forged service",
    "charge_category": "Credit",
    "source_file": "forged.csv",
    "source_row": 999,
}


def test_a_superseded_batch_cannot_be_put_back_to_imported(estate, rpc, snapshot):
    batch, accountant = estate["a"]["batches"]["2026-08-superseded"], rpc("accountant")
    before = snapshot()
    assert_all_refused(
        [
            ("write state imported", lambda: accountant.call(BATCH, "write", [batch], {"state": "imported"}), GUARDED),
            (
                "clear superseded_by",
                lambda: accountant.call(BATCH, "write", [batch], {"superseded_by_id": False}),
                GUARDED,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["superseded", "failed", "draft"])
def test_an_imported_batch_cannot_be_written_out_of_its_period(estate, rpc, snapshot, state):
    before = snapshot()
    with refused(GUARDED):
        rpc("accountant").call(BATCH, "write", [estate["a"]["batches"]["2026-12"]], {"state": state})
    snapshot.assert_unchanged(before)


def test_batch_counts_and_dates_cannot_be_written(estate, rpc, snapshot):
    batch, controller = estate["a"]["batches"]["2026-09"], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"write {name}",
                lambda name=name, value=value: controller.call(BATCH, "write", [batch], {name: value}),
                GUARDED,
            )
            for name, value in [
                ("row_count", 1),
                ("imported_on", "2020-01-01 00:00:00"),
                ("billing_period_start", "2026-08-01"),
                ("previous_batch_id", estate["a"]["batches"]["2026-10"]),
                ("billed_cost_difference", 5.0),
            ]
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "controller", "admin"])
def test_a_batch_cannot_be_created_by_hand(estate, rpc, snapshot, role):
    a = estate["a"]
    client = rpc(role)
    values = {
        "source_id": a["source"],
        "company_id": a["company"],
        "billing_period_start": "2027-01-01",
        "billing_period_end": "2027-01-31",
    }
    before = snapshot()
    assert_all_refused(
        [
            ("create imported", lambda: client.call(BATCH, "create", {**values, "state": "imported"}), GUARDED),
            ("create draft", lambda: client.call(BATCH, "create", values), GUARDED),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "admin"])
def test_a_cost_line_cannot_be_created_by_hand(estate, rpc, snapshot, role):
    a = estate["a"]
    before = snapshot()
    with refused(GUARDED):
        rpc(role).call(
            LINE,
            "create",
            {
                "batch_id": a["batches"]["2026-09"],
                "company_id": a["company"],
                "charge_category": "Usage",
                "billing_period_start": "2026-09-01",
                "charge_period_start": "2026-09-01 00:00:00",
                "effective_cost_company": 1000.0,
                "billed_cost_company": 1000.0,
                "effective_cost": 1000.0,
                "billed_cost": 1000.0,
                "analytic_account_id": a["retail"],
            },
        )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "admin"])
def test_what_the_bill_said_cannot_be_edited(estate, rpc, snapshot, role):
    """A line of the computed (unsealed) month: its amounts, currency, dates, provider and provenance."""
    a = estate["a"]
    line, client = a["lines"]["2026-09"][0], rpc(role)
    before = snapshot()
    assert_all_refused(
        [
            (
                f"write {name}",
                lambda name=name, value=value: client.call(LINE, "write", [line], {name: value}),
                GUARDED_OR_SEALED,
            )
            for name, value in [*BILL_FACTS.items(), ("batch_id", a["batches"]["2026-08"])]
        ]
    )
    snapshot.assert_unchanged(before)


def test_a_cost_line_taken_by_a_sealed_run_cannot_be_reclassified(estate, rpc, snapshot):
    a = estate["a"]
    accountant = rpc("accountant")
    retail_line = a["lines"]["2026-10"][0]  # Retail, taken by the approved run
    posted_line = a["lines"]["2026-11"][3]  # shared platform, taken by the posted run
    before = snapshot()
    assert_all_refused(
        [
            (
                f"{label}: write {name}",
                lambda line=line, name=name, value=value: accountant.call(LINE, "write", [line], {name: value}),
                r"sealed|allocation run",
            )
            for label, line, pool in (
                ("approved run's line", retail_line, a["pool"]),  # it has none
                ("posted run's line", posted_line, False),
            )  # it is the pool's
            for name, value in [
                ("analytic_account_id", a["payments"]),
                ("cost_pool_id", pool),
                ("environment", "forged"),
                ("tenant", "forged"),
            ]
        ]
    )
    snapshot.assert_unchanged(before)


def test_bill_files_and_their_checksums_cannot_be_rewritten(estate, rpc, snapshot):
    a = estate["a"]
    accountant = rpc("accountant")
    file_id, attachment_id = a["files"]["2026-10"], a["attachments"]["2026-10"]
    forged = "Zm9yZ2VkIGJpbGwK"  # base64 of "forged bill"
    before = snapshot()
    assert_all_refused(
        [
            (
                "write the file's sha256",
                lambda: accountant.call("cloud.cost.import.file", "write", [file_id], {"sha256": "0" * 64}),
                GUARDED,
            ),
            (
                "write the file's size and rows",
                lambda: accountant.call("cloud.cost.import.file", "write", [file_id], {"size": 1, "row_count": 1}),
                GUARDED,
            ),
            (
                "point the file at another attachment",
                lambda: accountant.call(
                    "cloud.cost.import.file", "write", [file_id], {"attachment_id": a["attachments"]["2026-09"]}
                ),
                GUARDED,
            ),
            (
                "replace the kept bill's bytes",
                lambda: accountant.call("ir.attachment", "write", [attachment_id], {"datas": forged}),
                f"{GUARDED}|{SEALED}|{NO_ACCESS}",
            ),
            (
                "delete the kept bill",
                lambda: accountant.call("ir.attachment", "unlink", [attachment_id]),
                f"{GUARDED}|{SEALED}|{NO_ACCESS}|required|cannot",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_import_totals_cannot_be_written_nor_created(estate, rpc, admin, snapshot):
    a = estate["a"]
    accountant = rpc("accountant")
    (total,) = admin.search_read(
        "cloud.cost.import.total",
        [("batch_id", "=", a["batches"]["2026-10"]), ("charge_category", "=", "Usage")],
        ["id"],
    )
    before = snapshot()
    assert_all_refused(
        [
            (
                "write a total",
                lambda: accountant.call(
                    "cloud.cost.import.total",
                    "write",
                    [total["id"]],
                    {"billed_cost": 1.0, "effective_cost": 1.0, "row_count": 1},
                ),
                GUARDED,
            ),
            (
                "create a total",
                lambda: accountant.call(
                    "cloud.cost.import.total",
                    "create",
                    {
                        "batch_id": a["batches"]["2026-10"],
                        "charge_category": "Credit",
                        "billing_currency": a["currency"],
                        "row_count": 1,
                        "billed_cost": -100.0,
                        "effective_cost": -100.0,
                    },
                ),
                GUARDED,
            ),
            (
                "create an import file",
                lambda: accountant.call(
                    "cloud.cost.import.file",
                    "create",
                    {"batch_id": a["batches"]["2026-10"], "name": "forged.csv", "sha256": "1" * 64},
                ),
                GUARDED,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_how_far_an_import_got_is_written_by_the_import_only(estate, rpc, snapshot):
    a = estate["a"]
    progress = {"company_id": a["company"], "source_id": a["source"], "file_name": "forged.csv", "rows_read": 1}
    before = snapshot()
    assert_all_refused(
        [
            (
                f"{role}: create an import's progress",
                lambda role=role: rpc(role).call("cloud.cost.import.progress", "create", progress),
                f"{GUARDED}|{NO_ACCESS}",
            )
            for role in ("accountant", "controller", "admin")
        ]
        + [
            (
                "admin: create one through the source",
                lambda: rpc("admin").call(
                    "cloud.cost.source", "write", [a["source"]], {"import_progress_ids": [(0, 0, progress)]}
                ),
                f"{GUARDED}|{NO_ACCESS}",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_bills_taken_by_runs_cannot_be_deleted_by_an_administrator(estate, rpc, snapshot):
    a = estate["a"]
    admin_client = rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"unlink the {period} batch",
                lambda period=period: admin_client.call(BATCH, "unlink", [a["batches"][period]]),
                r"sealed|allocation run|cannot|another model requires",
            )
            for period in ("2026-09", "2026-10", "2026-11")
        ]
        + [
            (
                "unlink a line of the approved run",
                lambda: admin_client.call(LINE, "unlink", [a["lines"]["2026-10"][0]]),
                r"sealed|allocation run|cannot|another model requires",
            ),
        ]
    )
    snapshot.assert_unchanged(before)

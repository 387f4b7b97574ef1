"""Commitment releases, chargeback corrections and the reconciliation over JSON-RPC: only a controller
releases commitments and charges corrections, whatever context a client sends; no role, administrators
included, writes their figures, states or links by create, write or unlink, nor resets their entries to
draft; the reconciliation's figures are the suite's; companies stay apart."""

import pytest

from .harness import GUARDED, NO_ACCESS, assert_all_refused, refused

RELEASE = "cloud.cost.commitment.release"
CORRECTION = "cloud.cost.correction"
RECONCILIATION = "cloud.cost.reconciliation"
RUN = "cloud.cost.allocation.run"
OVERVIEW = "cloud.cost.month.overview"
MOVE = "account.move"
ONLY = r"only a cost controller"
REFUSED_ROLE = f"{ONLY}|{NO_ACCESS}"
# context keys a client may send hoping to pass for the suite's own code
FORGED = {"cloud_cost_suite": True, "cloud_cost_suite_marker": 1, "active_test": False, "tracking_disable": True}
SAVINGS_PLAN = "arn:aws:savingsplans::999999999999:savingsplan/sp-rpc"


def _env(cr, company_id):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    return api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})


def _forget(cr, company_id):
    cr.execute("DELETE FROM cloud_cost_correction WHERE company_id = %s", [company_id])
    cr.execute("DELETE FROM cloud_cost_commitment_release WHERE company_id = %s", [company_id])


@pytest.fixture(scope="module")
def prepaid(controls_session):
    """Per company: a prepaid commitments account in the company's Cloud Costs settings."""
    _server, holder = controls_session
    holder.state()
    made = {}
    with holder.registry.cursor() as cr:
        for key, ids in holder.ids().items():
            env = _env(cr, ids["company"])
            company = env["res.company"].browse(ids["company"])
            account = env["account.account"].create(
                {
                    "code": "186100",
                    "name": "Prepaid cloud commitments",
                    "account_type": "asset_prepayments",
                    "company_ids": [(6, 0, company.ids)],
                }
            )
            company.cloud_cost_prepaid_account_id = account
            made[key] = account.id
        cr.commit()
    # the estate's analytic plans added columns to the analytic lines after the server started: the server
    # reloads its registry before it posts entries carrying them (a correction's analytic distribution)
    holder.registry.registry_invalidated = True
    holder.registry.signal_changes()
    return made


@pytest.fixture
def ledger(controls_session, estate, prepaid):
    """The prepaid accounts; after the test its releases and corrections go (before the estate is restored)."""
    _server, holder = controls_session
    yield prepaid
    with holder.registry.cursor() as cr:
        for ids in estate.values():
            _forget(cr, ids["company"])
        cr.commit()


def _rows(admin, company_id):
    return {
        "releases": admin.sql(
            "SELECT id, period, purchase_amount, release_amount, move_id, posted_by_id "
            "FROM cloud_cost_commitment_release WHERE company_id = %s ORDER BY id",
            [company_id],
        ),
        "corrections": admin.sql(
            "SELECT id, run_id, amount, deltas::text, move_id, posted_by_id "
            "FROM cloud_cost_correction WHERE company_id = %s ORDER BY id",
            [company_id],
        ),
    }


def _add_commitment(controls_session, estate, key="a"):
    """October's bill of the company gets a Savings Plan: a 1,200.00 fee, 90.00 amortized on the usage it
    covered, 10.00 left unused."""
    _server, holder = controls_session
    ids = estate[key]
    with holder.registry.cursor() as cr:
        env = _env(cr, ids["company"])
        batch = env["cloud.cost.import.batch"].browse(ids["batches"]["2026-10"])
        env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": ids["company"],
                    "charge_description": f"Savings Plan {status}",
                    "charge_category": category,
                    "billing_period_start": "2026-10-01",
                    "charge_period_start": "2026-10-01 00:00:00",
                    "billed_cost": billed,
                    "billed_cost_company": billed,
                    "effective_cost": effective,
                    "effective_cost_company": effective,
                    "commitment_discount": SAVINGS_PLAN,
                    "commitment_discount_status": status,
                    "source_file": "focus-2026-10.csv",
                    "source_row": 900 + index,
                }
                for index, (category, billed, effective, status) in enumerate(
                    [("Purchase", 1200.0, 0.0, ""), ("Usage", 0.0, 90.0, "Used"), ("Usage", 0.0, 10.0, "Unused")]
                )
            ]
        )
        cr.commit()
    holder.count_call()  # changed in this process: the next snapshot is taken again


def _restate_november(controls_session, estate, key="a", delta=1.0):
    """After November's chargeback was posted, its first Retail row costs ``delta`` more."""
    _server, holder = controls_session
    line = estate[key]["lines"]["2026-11"][0]
    with holder.registry.cursor() as cr:
        cr.execute(
            """UPDATE cloud_cost_line SET billed_cost = billed_cost + %(d)s, effective_cost = effective_cost
                      + %(d)s, billed_cost_company = billed_cost_company + %(d)s,
                      effective_cost_company = effective_cost_company + %(d)s WHERE id = %(id)s""",
            {"d": delta, "id": line},
        )
        cr.commit()
    holder.count_call()  # changed in this process: the next snapshot is taken again


def test_only_a_controller_releases_commitments_and_nobody_writes_a_release(
    controls_session, estate, ledger, rpc, admin, snapshot
):
    a = estate["a"]
    _add_commitment(controls_session, estate)
    before, rows = snapshot(), _rows(admin, a["company"])
    attempts = [
        (
            f"{role} releases{' with a forged context' if forged else ''}",
            lambda role=role, forged=forged: rpc(role, context=FORGED if forged else None).call(
                RELEASE, "action_post_month", "2026-10-01"
            ),
            REFUSED_ROLE,
        )
        for role in ("user", "accountant", "auditor")
        for forged in (False, True)
    ] + [
        (
            "accountant releases from the month overview",
            lambda: rpc("accountant").call(
                OVERVIEW, "action_release_commitments", [_overview(rpc("accountant"), "2026-10-01")]
            ),
            REFUSED_ROLE,
        ),
        (
            "admin creates a release",
            lambda: rpc("admin").call(
                RELEASE, "create", {"company_id": a["company"], "period": "2026-10-01", "release_amount": 1200.0}
            ),
            GUARDED,
        ),
        (
            "controller creates a release with a forged context",
            lambda: rpc("controller", context=FORGED).call(
                RELEASE, "create", {"company_id": a["company"], "period": "2026-10-01"}
            ),
            GUARDED,
        ),
        (
            "B's controller releases in A",
            lambda: rpc("controller2", "b", {"allowed_company_ids": [a["company"]]}).call(
                RELEASE, "action_post_month", "2026-10-01"
            ),
            NO_ACCESS,
        ),
    ]
    assert_all_refused(attempts)
    snapshot.assert_unchanged(before)
    assert _rows(admin, a["company"]) == rows

    release_id = rpc("controller").call(RELEASE, "action_post_month", "2026-10-01")
    (release,) = admin.read(
        RELEASE,
        [release_id],
        ["purchase_amount", "amortized_amount", "unused_amount", "release_amount", "move_id", "posted_by_id"],
    )
    assert (
        release["purchase_amount"],
        release["amortized_amount"],
        release["unused_amount"],
        release["release_amount"],
        release["posted_by_id"][0],
    ) == (1200.0, 90.0, 10.0, 100.0, a["users"]["controller"])
    move_id = release["move_id"][0]
    balance = admin.sql(
        "SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE account_id = %s " "AND parent_state = 'posted'",
        [ledger["a"]],
    )
    assert float(balance[0][0]) == 1100.0
    (seen,) = rpc("auditor").call(RELEASE, "read", [release_id], ["release_amount"])
    assert seen["release_amount"] == 100.0

    before, rows = snapshot(), _rows(admin, a["company"])
    assert_all_refused(
        [
            (
                "controller2 releases the month again",
                lambda: rpc("controller2").call(RELEASE, "action_post_month", "2026-10-01"),
                r"released already",
            ),
            *[
                (
                    f"{role} writes the released amount",
                    lambda role=role: rpc(role).call(RELEASE, "write", [release_id], {"release_amount": 0.0}),
                    f"{GUARDED}|{NO_ACCESS}",
                )
                for role in ("user", "accountant", "auditor", "controller", "admin")
            ],
            (
                "admin detaches the entry",
                lambda: rpc("admin").call(RELEASE, "write", [release_id], {"move_id": False}),
                GUARDED,
            ),
            (
                "admin names another poster",
                lambda: rpc("admin", context=FORGED).call(
                    RELEASE, "write", [release_id], {"posted_by_id": a["users"]["controller2"]}
                ),
                GUARDED,
            ),
            (
                "admin relinks the batches",
                lambda: rpc("admin").call(RELEASE, "write", [release_id], {"batch_ids": [(5, 0, 0)]}),
                GUARDED,
            ),
            (
                "controller deletes the release",
                lambda: rpc("controller").call(RELEASE, "unlink", [release_id]),
                GUARDED,
            ),
            (
                "admin resets the entry to draft",
                lambda: rpc("admin").call(MOVE, "button_draft", [move_id]),
                r"not reset to draft",
            ),
            (
                "B's auditor reads A's release",
                lambda: rpc("auditor", "b").call(RELEASE, "read", [release_id], ["release_amount"]),
                NO_ACCESS,
            ),
        ]
    )
    snapshot.assert_unchanged(before)
    assert _rows(admin, a["company"]) == rows


def _overview(client, month):
    return client.call(OVERVIEW, "create", {"month": month})


def test_only_a_controller_charges_a_correction_and_nobody_writes_one(
    controls_session, estate, ledger, rpc, admin, snapshot
):
    a, b = estate["a"], estate["b"]
    run = a["runs"]["posted"]
    _restate_november(controls_session, estate)
    before, rows = snapshot(), _rows(admin, a["company"])
    attempts = [
        (
            f"{role} corrects{' with a forged context' if forged else ''}",
            lambda role=role, forged=forged: rpc(role, context=FORGED if forged else None).call(
                CORRECTION, "action_post_correction", run, "2026-12-31"
            ),
            REFUSED_ROLE,
        )
        for role in ("user", "accountant", "auditor")
        for forged in (False, True)
    ] + [
        (
            "accountant charges it from the run",
            lambda: rpc("accountant", context=FORGED).call(RUN, "action_charge_correction", [run]),
            REFUSED_ROLE,
        ),
        (
            "admin creates a correction",
            lambda: rpc("admin").call(CORRECTION, "create", {"company_id": a["company"], "run_id": run, "amount": 1.0}),
            GUARDED,
        ),
        (
            "B's controller corrects A's run",
            lambda: rpc("controller2", "b").call(CORRECTION, "action_post_correction", run, "2026-12-31"),
            NO_ACCESS,
        ),
        (
            "B's controller corrects A's run in A",
            lambda: rpc("controller2", "b", {"allowed_company_ids": [a["company"]]}).call(
                CORRECTION, "action_post_correction", run, "2026-12-31"
            ),
            NO_ACCESS,
        ),
        (
            "a controller charges it in the run's own month",
            lambda: rpc("controller").call(CORRECTION, "action_post_correction", run, "2026-11-30"),
            r"later period",
        ),
    ]
    assert_all_refused(attempts)
    snapshot.assert_unchanged(before)
    assert _rows(admin, a["company"]) == rows
    assert _rows(admin, b["company"]) == {"releases": [], "corrections": []}

    correction_id = rpc("controller").call(CORRECTION, "action_post_correction", run, "2026-12-31")
    (correction,) = admin.read(CORRECTION, [correction_id], ["amount", "date", "move_id", "posted_by_id", "deltas"])
    assert (correction["amount"], str(correction["date"]), correction["posted_by_id"][0]) == (
        1.0,
        "2026-12-31",
        a["users"]["controller"],
    )
    assert correction["deltas"] == {f"0,{a['retail']}": 100}
    move_id = correction["move_id"][0]
    assert admin.read(MOVE, [move_id], ["state"])[0]["state"] == "posted"
    # charged once: a second controller finds nothing left to correct
    assert rpc("controller2").call(CORRECTION, "action_post_correction", run, "2026-12-31") is False

    before, rows = snapshot(), _rows(admin, a["company"])
    assert_all_refused(
        [
            *[
                (
                    f"{role} writes the amount",
                    lambda role=role: rpc(role).call(CORRECTION, "write", [correction_id], {"amount": 0.0}),
                    f"{GUARDED}|{NO_ACCESS}",
                )
                for role in ("user", "accountant", "auditor", "controller", "admin")
            ],
            (
                "admin moves it to another run",
                lambda: rpc("admin").call(CORRECTION, "write", [correction_id], {"run_id": a["runs"]["approved"]}),
                GUARDED,
            ),
            (
                "admin forges the deltas",
                lambda: rpc("admin", context=FORGED).call(CORRECTION, "write", [correction_id], {"deltas": {}}),
                GUARDED,
            ),
            ("admin deletes it", lambda: rpc("admin").call(CORRECTION, "unlink", [correction_id]), GUARDED),
            (
                "admin resets its entry to draft",
                lambda: rpc("admin").call(MOVE, "button_draft", [move_id]),
                r"not reset to draft",
            ),
            (
                "B's auditor reads it",
                lambda: rpc("auditor", "b").call(CORRECTION, "read", [correction_id], ["amount"]),
                NO_ACCESS,
            ),
        ]
    )
    snapshot.assert_unchanged(before)
    assert _rows(admin, a["company"]) == rows


def test_the_reconciliation_s_figures_are_the_suite_s_and_stay_in_their_company(
    controls_session, estate, ledger, rpc, admin
):
    a, b = estate["a"], estate["b"]
    accountant = rpc("accountant")
    report_id = accountant.call(RECONCILIATION, "create", {"month": "2026-10-01", "company_id": a["company"]})
    figures = ["imported_amount", "clearing_nets_out", "clearing_expected", "line_ids", "clearing_line_ids"]
    (report,) = accountant.call(RECONCILIATION, "read", [report_id], figures)
    assert report["imported_amount"] == 172.75
    assert not report["clearing_nets_out"]
    lines, clearing = report["line_ids"], report["clearing_line_ids"]
    assert lines and clearing

    def seen():
        return accountant.call(RECONCILIATION, "read", [report_id], figures)

    kept = seen()
    roles = ("user", "accountant", "auditor", "controller", "admin")
    assert_all_refused(
        [
            *[
                (
                    f"{role} creates a report with its figures",
                    lambda role=role: rpc(role).call(
                        RECONCILIATION,
                        "create",
                        {
                            "month": "2026-10-01",
                            "company_id": a["company"],
                            "imported_amount": 0.0,
                            "clearing_nets_out": True,
                        },
                    ),
                    GUARDED,
                )
                for role in roles
            ],
            (
                "accountant ticks the clearing check",
                lambda: accountant.call(RECONCILIATION, "write", [report_id], {"clearing_nets_out": True}),
                GUARDED,
            ),
            (
                "accountant changes the expected remainder",
                lambda: accountant.call(
                    RECONCILIATION, "write", [report_id], {"clearing_expected": 0.0}, context=FORGED
                ),
                GUARDED,
            ),
            (
                "accountant empties the lines",
                lambda: accountant.call(RECONCILIATION, "write", [report_id], {"line_ids": [(5, 0, 0)]}),
                GUARDED,
            ),
            (
                "accountant adds a line",
                lambda: accountant.call(
                    RECONCILIATION,
                    "write",
                    [report_id],
                    {"line_ids": [(0, 0, {"name": "forged", "imported_amount": 1.0})]},
                ),
                GUARDED,
            ),
            (
                "accountant edits a line",
                lambda: accountant.call("cloud.cost.reconciliation.line", "write", lines, {"imported_amount": 1.0}),
                GUARDED,
            ),
            *[
                (
                    f"{role} deletes the {model.rsplit('.', 1)[1]} rows, as the vacuum would",
                    lambda role=role, model=model, ids=ids: rpc(role).call(model, "unlink", ids, context=FORGED),
                    f"{GUARDED}|{NO_ACCESS}",
                )
                for role in ("accountant", "controller", "admin")
                for model, ids in (
                    ("cloud.cost.reconciliation.line", lines),
                    ("cloud.cost.reconciliation.clearing", clearing),
                )
            ],
            (
                "B's accountant reports on A",
                lambda: rpc("accountant", "b").call(
                    RECONCILIATION, "create", {"month": "2026-10-01", "company_id": a["company"]}
                ),
                NO_ACCESS,
            ),
            (
                "B's auditor reads A's report",
                lambda: rpc("auditor", "b").call(RECONCILIATION, "read", [report_id], ["imported_amount"]),
                NO_ACCESS,
            ),
        ]
    )
    assert seen() == kept
    # the month is the reader's to choose: the figures follow it
    accountant.call(RECONCILIATION, "write", [report_id], {"month": "2026-11-01"})
    assert accountant.call(RECONCILIATION, "read", [report_id], ["imported_amount"])[0]["imported_amount"] == 172.75
    (report_b,) = rpc("accountant", "b").call(
        RECONCILIATION,
        "read",
        [rpc("accountant", "b").call(RECONCILIATION, "create", {"month": "2026-10-01", "company_id": b["company"]})],
        ["imported_amount"],
    )
    assert report_b["imported_amount"] == 345.50
    with refused(GUARDED):
        rpc("admin").call(RECONCILIATION, "write", [report_id], {"invoiced_amount": 99.0})


POOL = "cloud.cost.pool"
LINE = "cloud.cost.line"


def test_only_a_controller_makes_a_pool_collect_the_unused_commitment_and_sealed_lines_stay(
    controls_session, estate, ledger, rpc, admin
):
    a = estate["a"]
    _add_commitment(controls_session, estate, "a")
    unused = [("company_id", "=", a["company"]), ("commitment_discount_status", "=", "Unused")]
    before = {line["id"]: line["cost_pool_id"] for line in admin.search_read(LINE, unused, ["cost_pool_id"])}
    assert len(before) == 1

    options = {"unused_commitment": True, "unused_commitment_ref": SAVINGS_PLAN}
    new_pool = {"name": "Unused Savings Plan", "code": "SPUNUSED", "company_id": a["company"], **options}
    assert_all_refused(
        [
            (
                f"{role} makes the pool collect",
                lambda role=role: rpc(role).call(POOL, "write", [a["pool"]], options),
                NO_ACCESS,
            )
            for role in ("user", "accountant", "auditor")
        ]
        + [
            (f"{role} creates a collecting pool", lambda role=role: rpc(role).call(POOL, "create", new_pool), NO_ACCESS)
            for role in ("user", "accountant", "auditor")
        ]
        + [
            (
                "B's controller makes A's pool collect",
                lambda: rpc("controller2", "b").call(POOL, "write", [a["pool"]], options),
                NO_ACCESS,
            ),
            (
                "B's controller makes A's pool collect, naming A",
                lambda: rpc("controller2", "b", {"allowed_company_ids": [a["company"]]}).call(
                    POOL, "write", [a["pool"]], options
                ),
                NO_ACCESS,
            ),
            (
                "B's controller creates a collecting pool in A",
                lambda: rpc("controller2", "b").call(POOL, "create", new_pool),
                NO_ACCESS,
            ),
        ]
    )
    assert admin.read(POOL, [a["pool"]], ["unused_commitment"])[0]["unused_commitment"] is False
    assert admin.search_read(POOL, [("code", "=", "SPUNUSED")], ["id"]) == []

    assert {line["id"]: line["cost_pool_id"] for line in admin.search_read(LINE, unused, ["cost_pool_id"])} == before

    # a controller may; the Unused row stays where October's run, approved and sealed, found it in its batch
    made = rpc("controller").call(POOL, "create", new_pool)
    try:
        after = {line["id"]: line["cost_pool_id"] for line in admin.search_read(LINE, unused, ["cost_pool_id"])}
        assert after == before
    finally:
        _server, holder = controls_session
        with holder.registry.cursor() as cr:
            for line_id, pool in before.items():
                cr.execute(
                    "UPDATE cloud_cost_line SET cost_pool_id = %s WHERE id = %s", [pool[0] if pool else None, line_id]
                )
            cr.execute("DELETE FROM cloud_cost_pool WHERE id = %s", [made])
            cr.commit()
        holder.count_call()

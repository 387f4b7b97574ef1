"""The month-end close over JSON-RPC: accountants match provider invoices, only controllers propose and post
accruals (and never their own proposal), auditors read everything and change nothing, companies stay apart;
matches and accruals are written by the suite's own actions only, even for an administrator."""

import pytest

from .harness import GUARDED, NO_ACCESS, assert_all_refused, refused

MATCH = "cloud.cost.invoice.match"
ACCRUAL = "cloud.cost.accrual"
MOVE = "account.move"
ONLY = r"only a cost (accountant|controller)"
# the estate's bills of October: 172.75 in company A (B's are twice A's), on billing account 999999999999
OCTOBER = {"a": 172.75, "b": 345.50}


def _env(cr, company_id):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    return api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})


@pytest.fixture(scope="module")
def books(controls_session):
    """Per company: a purchase journal, a payable and an accrued-liabilities account, the provider."""
    _server, holder = controls_session
    holder.state()
    made = {}
    with holder.registry.cursor() as cr:
        for key, ids in holder.ids().items():
            env = _env(cr, ids["company"])
            company = env["res.company"].browse(ids["company"])

            def account(code, name, kind, company=company, env=env):
                return env["account.account"].create(
                    {
                        "code": code,
                        "name": name,
                        "account_type": kind,
                        "reconcile": kind == "liability_payable",
                        "company_ids": [(6, 0, company.ids)],
                    }
                )

            payable = account("401000", "Suppliers", "liability_payable")
            accrued = account("408100", "Accrued cloud cost", "liability_current")
            journal = env["account.journal"].create(
                {"name": "Vendor bills", "code": "BILL", "type": "purchase", "company_id": company.id}
            )
            provider = env["res.partner"].create({"name": f"AWS EMEA {key}", "company_id": company.id})
            provider.property_account_payable_id = payable
            company.cloud_cost_accrued_account_id = accrued
            made[key] = {"journal": journal.id, "provider": provider.id, "accrued": accrued.id}
        cr.commit()
    yield made
    with holder.registry.cursor() as cr:
        for ids in holder.ids().values():
            _forget_close(cr, ids["company"])
        cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [[m["provider"] for m in made.values()]])
        cr.commit()


def _forget_close(cr, company_id):
    cr.execute("UPDATE account_move SET cloud_cost_accrual_id = NULL WHERE company_id = %s", [company_id])
    cr.execute("DELETE FROM cloud_cost_accrual WHERE company_id = %s", [company_id])
    cr.execute("DELETE FROM cloud_cost_invoice_match WHERE company_id = %s", [company_id])


@pytest.fixture
def close(controls_session, estate, books):
    """The books of the close; after the test, its matches and accruals go (before the estate is restored)."""
    _server, holder = controls_session
    yield books
    with holder.registry.cursor() as cr:
        for ids in estate.values():
            _forget_close(cr, ids["company"])
        cr.commit()


def _close_rows(admin, company_id):
    return {
        "matches": admin.sql(
            "SELECT id, state, invoiced_amount, imported_amount FROM cloud_cost_invoice_match "
            "WHERE company_id = %s ORDER BY id",
            [company_id],
        ),
        "accruals": admin.sql(
            "SELECT id, state, amount, move_id, posted_by_id FROM cloud_cost_accrual "
            "WHERE company_id = %s ORDER BY id",
            [company_id],
        ),
    }


def _vendor_bill(controls_session, estate, books, key, amount):
    _server, holder = controls_session
    ids = estate[key]
    with holder.registry.cursor() as cr:
        env = _env(cr, ids["company"])
        bill = env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": books[key]["provider"],
                "journal_id": books[key]["journal"],
                "ref": f"INV-{key}-2026-10",
                "invoice_date": "2026-11-03",
                "date": "2026-11-03",
                "cloud_cost_billing_account": "999999999999",
                "cloud_cost_billing_period": "2026-10-01",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "AWS October",
                            "quantity": 1,
                            "price_unit": amount,
                            "account_id": ids["accounts"]["clearing"],
                            "tax_ids": [],
                        },
                    )
                ],
            }
        )
        bill.action_post()
        cr.commit()
        return bill.id


def test_accountants_match_invoices_auditors_read_and_nobody_writes_a_match(
    controls_session, estate, close, rpc, admin, snapshot
):
    a = estate["a"]
    bill = _vendor_bill(controls_session, estate, close, "a", OCTOBER["a"])
    (match_id,) = rpc("accountant").call(MATCH, "action_match_month", "2026-10-01")
    (match,) = admin.read(MATCH, [match_id], ["state", "invoice_ids", "invoiced_amount", "imported_amount"])
    assert (match["state"], match["invoice_ids"], match["invoiced_amount"], match["imported_amount"]) == (
        "matched",
        [bill],
        OCTOBER["a"],
        OCTOBER["a"],
    )
    (seen,) = rpc("auditor").call(MATCH, "read", [match_id], ["state", "difference"])
    assert seen["state"] == "matched"

    before, rows = snapshot(), _close_rows(admin, a["company"])
    admin_client = rpc("admin")
    assert_all_refused(
        [
            ("auditor matches", lambda: rpc("auditor").call(MATCH, "action_match_month", "2026-10-01"), ONLY),
            ("cost user matches", lambda: rpc("user").call(MATCH, "action_match_month", "2026-10-01"), ONLY),
            (
                "admin writes the state",
                lambda: admin_client.call(MATCH, "write", [match_id], {"state": "explained"}),
                GUARDED,
            ),
            (
                "admin writes an amount",
                lambda: admin_client.call(
                    MATCH, "write", [match_id], {"unexplained_amount": 0.0, "invoiced_amount": 1.0}
                ),
                GUARDED,
            ),
            (
                "admin creates a match",
                lambda: admin_client.call(
                    MATCH, "create", {"company_id": a["company"], "period": "2026-09-01", "state": "matched"}
                ),
                GUARDED,
            ),
            ("admin deletes the match", lambda: admin_client.call(MATCH, "unlink", [match_id]), GUARDED),
            (
                "auditor edits the vendor bill",
                lambda: rpc("auditor").call(MOVE, "write", [bill], {"ref": "forged"}),
                NO_ACCESS,
            ),
        ]
    )
    snapshot.assert_unchanged(before)
    assert _close_rows(admin, a["company"]) == rows


def test_only_controllers_post_accruals_and_never_their_own_proposal(
    controls_session, estate, close, rpc, admin, snapshot
):
    a = estate["a"]
    with refused(ONLY):
        rpc("accountant").call(ACCRUAL, "action_propose_month", "2026-10-01")
    (accrual_id,) = rpc("controller").call(ACCRUAL, "action_propose_month", "2026-10-01")
    (accrual,) = admin.read(ACCRUAL, [accrual_id], ["state", "amount", "proposed_by_id"])
    assert (accrual["state"], accrual["amount"], accrual["proposed_by_id"][0]) == (
        "proposed",
        OCTOBER["a"],
        a["users"]["controller"],
    )

    before, rows = snapshot(), _close_rows(admin, a["company"])
    admin_client = rpc("admin")
    assert_all_refused(
        [
            (
                f"{role} posts",
                lambda role=role: rpc(role).call(ACCRUAL, "action_post", [accrual_id]),
                f"{ONLY}|{NO_ACCESS}",
            )
            for role in ("accountant", "auditor", "user")
        ]
        + [
            ("the proposer posts", lambda: rpc("controller").call(ACCRUAL, "action_post", [accrual_id]), r"four eyes"),
            (
                "admin sets it posted",
                lambda: admin_client.call(ACCRUAL, "write", [accrual_id], {"state": "posted"}),
                GUARDED,
            ),
            (
                "admin changes the amount",
                lambda: admin_client.call(ACCRUAL, "write", [accrual_id], {"amount": 1.0}),
                GUARDED,
            ),
            (
                "controller2 names itself proposer",
                lambda: rpc("controller2").call(
                    ACCRUAL, "write", [accrual_id], {"proposed_by_id": a["users"]["controller2"]}
                ),
                GUARDED,
            ),
            (
                "admin creates an accrual",
                lambda: admin_client.call(
                    ACCRUAL,
                    "create",
                    {"company_id": a["company"], "period": "2026-09-01", "source_id": a["source"], "amount": 5.0},
                ),
                GUARDED,
            ),
            ("admin deletes it", lambda: admin_client.call(ACCRUAL, "unlink", [accrual_id]), GUARDED),
        ]
    )
    snapshot.assert_unchanged(before)
    assert _close_rows(admin, a["company"]) == rows

    assert rpc("controller2").call(ACCRUAL, "action_post", [accrual_id]) is True
    (accrual,) = admin.read(ACCRUAL, [accrual_id], ["state", "move_id", "reversal_move_id", "posted_by_id"])
    assert (accrual["state"], accrual["posted_by_id"][0]) == ("posted", a["users"]["controller2"])
    moves = admin.read(MOVE, [accrual["move_id"][0], accrual["reversal_move_id"][0]], ["state", "date"])
    assert [(m["state"], str(m["date"])) for m in moves] == [("posted", "2026-10-31"), ("posted", "2026-11-01")]
    # the accrued liability is gone from the first of November
    balance = admin.sql(
        "SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE account_id = %s AND "
        "parent_state = 'posted' AND date <= '2026-11-01'",
        [close["a"]["accrued"]],
    )
    assert float(balance[0][0]) == 0.0
    before = snapshot()
    assert_all_refused(
        [
            (
                "detach the accrual entry",
                lambda: admin_client.call(MOVE, "write", [accrual["move_id"][0]], {"cloud_cost_accrual_id": False}),
                r"accrual",
            ),
            (
                "reset it to draft",
                lambda: admin_client.call(MOVE, "button_draft", [accrual["move_id"][0]]),
                r"accrual|reversed",
            ),
            ("post it again", lambda: rpc("controller2").call(ACCRUAL, "action_post", [accrual_id]), r"not proposed"),
        ]
    )
    snapshot.assert_unchanged(before)


def test_companies_stay_apart(controls_session, estate, close, rpc, admin, snapshot):
    a, b = estate["a"], estate["b"]
    (accrual_id,) = rpc("controller").call(ACCRUAL, "action_propose_month", "2026-10-01")
    (match_b,) = rpc("accountant", "b").call(MATCH, "action_match_month", "2026-10-01")
    assert admin.read(MATCH, [match_b], ["imported_amount", "state"])[0] == {
        "id": match_b,
        "imported_amount": OCTOBER["b"],
        "state": "missing",
    }
    assert rpc("auditor", "b").call(ACCRUAL, "search_read", [], ["id"]) == []
    seen_in_a = {m["id"] for m in rpc("auditor", "a").call(MATCH, "search_read", [], ["company_id"])}
    assert seen_in_a and match_b not in seen_in_a

    before, rows = snapshot(), (_close_rows(admin, a["company"]), _close_rows(admin, b["company"]))
    assert_all_refused(
        [
            (
                "B's controller posts A's accrual",
                lambda: rpc("controller2", "b").call(ACCRUAL, "action_post", [accrual_id]),
                NO_ACCESS,
            ),
            (
                "B's accountant matches in A",
                lambda: rpc("accountant", "b", {"allowed_company_ids": [a["company"]]}).call(
                    MATCH, "action_match_month", "2026-10-01"
                ),
                NO_ACCESS,
            ),
            (
                "B's controller proposes in A",
                lambda: rpc("controller2", "b", {"allowed_company_ids": [a["company"]]}).call(
                    ACCRUAL, "action_propose_month", "2026-10-01"
                ),
                NO_ACCESS,
            ),
            (
                "B's auditor reads A's accrual",
                lambda: rpc("auditor", "b").call(ACCRUAL, "read", [accrual_id], ["amount"]),
                NO_ACCESS,
            ),
            (
                "A's auditor reads B's match",
                lambda: rpc("auditor", "a").call(MATCH, "read", [match_b], ["state"]),
                NO_ACCESS,
            ),
        ]
    )
    snapshot.assert_unchanged(before)
    assert (_close_rows(admin, a["company"]), _close_rows(admin, b["company"])) == rows


DETAIL = "cloud.cost.invoice.detail"
DETAIL_FIELDS = ["invoice_id", "billed_cost", "issue_status", "billing_period_start", "company_id", "source_id"]


@pytest.fixture
def invoice_details(controls_session, estate):
    """Per company, one line of the provider's invoice as an Invoice Detail import stores it."""
    _server, holder = controls_session
    made = {}
    with holder.registry.cursor() as cr:
        for key, ids in estate.items():
            env = _env(cr, ids["company"])
            made[key] = (
                env[DETAIL]
                ._suite()
                .create(
                    {
                        "company_id": ids["company"],
                        "source_id": ids["source"],
                        "invoice_id": f"INV-2026-10-{key.upper()}",
                        "billing_period_start": "2026-10-01",
                        "charge_category": "Usage",
                        "billed_cost": OCTOBER[key],
                        "issue_status": "Issued",
                    }
                )
                .id
            )
        cr.commit()
    yield made
    with holder.registry.cursor() as cr:
        cr.execute("DELETE FROM cloud_cost_invoice_detail WHERE id = ANY(%s)", [list(made.values())])
        cr.commit()


def test_provider_invoice_lines_are_read_only_for_every_role_and_stay_in_their_company(
    controls_session, estate, invoice_details, rpc, admin
):
    a, b = estate["a"], estate["b"]
    in_a, in_b = invoice_details["a"], invoice_details["b"]
    (seen,) = rpc("auditor").call(DETAIL, "read", [in_a], ["invoice_id", "billed_cost"])
    assert (seen["invoice_id"], seen["billed_cost"]) == ("INV-2026-10-A", OCTOBER["a"])
    listed = {d["id"] for d in rpc("accountant").call(DETAIL, "search_read", [], ["id"])}
    assert in_a in listed and in_b not in listed

    before = admin.read(DETAIL, [in_a, in_b], DETAIL_FIELDS)
    either = f"{GUARDED}|{NO_ACCESS}"
    admin_client = rpc("admin")
    new_line = {
        "company_id": a["company"],
        "source_id": a["source"],
        "invoice_id": "INV-FORGED",
        "billing_period_start": "2026-10-01",
        "billed_cost": 1.0,
        "issue_status": "Issued",
    }
    assert_all_refused(
        [
            (
                "admin lowers the invoiced amount",
                lambda: admin_client.call(DETAIL, "write", [in_a], {"billed_cost": 1.0}),
                either,
            ),
            (
                "admin voids the invoice",
                lambda: admin_client.call(DETAIL, "write", [in_a], {"issue_status": "Voided"}),
                either,
            ),
            ("admin adds an invoice line", lambda: admin_client.call(DETAIL, "create", new_line), either),
            ("admin deletes the invoice line", lambda: admin_client.call(DETAIL, "unlink", [in_a]), either),
            (
                "controller moves the line to September",
                lambda: rpc("controller").call(DETAIL, "write", [in_a], {"billing_period_start": "2026-09-01"}),
                either,
            ),
            ("accountant deletes the invoice line", lambda: rpc("accountant").call(DETAIL, "unlink", [in_a]), either),
            ("accountant adds an invoice line", lambda: rpc("accountant").call(DETAIL, "create", new_line), either),
            (
                "auditor corrects the amount",
                lambda: rpc("auditor").call(DETAIL, "write", [in_a], {"billed_cost": 0.0}),
                either,
            ),
            (
                "B's auditor reads A's invoice line",
                lambda: rpc("auditor", "b").call(DETAIL, "read", [in_a], ["billed_cost"]),
                NO_ACCESS,
            ),
            (
                "B's accountant reads A's invoice line, naming A as its company",
                lambda: rpc("accountant", "b", {"allowed_company_ids": [a["company"]]}).call(
                    DETAIL, "read", [in_a], ["billed_cost"]
                ),
                NO_ACCESS,
            ),
            (
                "B's accountant adds a line to A",
                lambda: rpc("accountant", "b").call(DETAIL, "create", {**new_line, "company_id": b["company"]}),
                either,
            ),
        ]
    )
    assert admin.read(DETAIL, [in_a, in_b], DETAIL_FIELDS) == before
    assert admin.search_read(DETAIL, [("invoice_id", "=", "INV-FORGED")], ["id"]) == []

"""Allocation runs over JSON-RPC: their states, who did what, figures and seal are the suite's to write.

Every test calls the real server as one role, asserts the refusal and its message, then compares the
whole estate of both companies with a snapshot taken before (rows, chatter, entries, verify result).
"""

import re

import pytest

from .harness import GUARDED, NO_ACCESS, SEALED, RpcRefused, assert_all_refused, refused

RUN = "cloud.cost.allocation.run"
# A field of the run may be refused by the guard or, on a sealed run, by the seal first.
GUARDED_OR_SEALED = f"{GUARDED}|{SEALED}"
FOUR_EYES = r"four eyes"
OPEN_RUN = r"already has an open run"


def forged_values(admin, run_id, names):
    """A value different from the stored one, for each field of ``names``."""
    (current,) = admin.read(RUN, [run_id], list(names))
    forged = {}
    for name in names:
        value = current[name]
        if isinstance(value, bool):
            forged[name] = not value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            forged[name] = value + 1000
        elif name == "maturity":
            forged[name] = "crawl" if value == "run" else "run"
        elif name == "snapshot":
            forged[name] = {"drivers": {}, "forged": True}
        else:
            forged[name] = f"forged {name}"
    return forged


FIGURES = (
    "total_cost",
    "direct_cost",
    "allocated_amount",
    "allocated_percent",
    "maturity",
    "unallocated_amount",
    "unallocated_kept",
    "idle_amount",
    "idle_kept",
    "non_production_amount",
    "non_production_percent",
    "cost_line_count",
    "checks_passed",
    "inputs_changed",
    "input_fingerprint",
    "snapshot",
    "summary",
)


def test_accountant_cannot_approve_then_post_a_computed_run_by_writing_its_state(estate, rpc, snapshot):
    a = estate["a"]
    run, accountant = a["runs"]["computed"], rpc("accountant")
    before = snapshot()
    assert_all_refused(
        [
            (
                "write state approved with another approver",
                lambda: accountant.call(
                    RUN, "write", [run], {"state": "approved", "approved_by_id": a["users"]["controller2"]}
                ),
                GUARDED,
            ),
            ("write state posted", lambda: accountant.call(RUN, "write", [run], {"state": "posted"}), GUARDED),
        ]
    )
    snapshot.assert_unchanged(before)


def test_accountant_cannot_approve_through_the_form_save_either(estate, rpc, snapshot):
    run = estate["a"]["runs"]["computed"]
    before = snapshot()
    with refused(GUARDED):
        rpc("accountant").call(
            RUN,
            "web_save",
            [run],
            {"state": "approved", "approved_on": "2026-10-31 12:00:00"},
            specification={"state": {}},
        )
    snapshot.assert_unchanged(before)


def test_controller_cannot_mark_a_posted_run_reversed_and_post_its_period_again(estate, rpc, snapshot):
    a = estate["a"]
    controller = rpc("controller")
    start, end = a["periods"]["posted"]
    before = snapshot()
    assert_all_refused(
        [
            (
                "write state reversed",
                lambda: controller.call(
                    RUN,
                    "write",
                    [a["runs"]["posted"]],
                    {"state": "reversed", "reversed_by_id": a["users"]["controller"]},
                ),
                GUARDED,
            ),
            (
                "a second run of the posted period",
                lambda: controller.call(
                    RUN,
                    "create",
                    {"policy_id": a["policy"], "company_id": a["company"], "date_from": start, "date_to": end},
                ),
                OPEN_RUN,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_controller_cannot_free_a_posted_period_by_writing_is_open(estate, rpc, snapshot):
    a = estate["a"]
    controller = rpc("controller")
    start, end = a["periods"]["posted"]
    before = snapshot()
    assert_all_refused(
        [
            (
                "write is_open false",
                lambda: controller.call(RUN, "write", [a["runs"]["posted"]], {"is_open": False}),
                GUARDED,
            ),
            (
                "a second run of the posted period",
                lambda: controller.call(
                    RUN,
                    "create",
                    {"policy_id": a["policy"], "company_id": a["company"], "date_from": start, "date_to": end},
                ),
                OPEN_RUN,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_controller_cannot_move_a_posted_run_to_another_period(estate, rpc, snapshot):
    a = estate["a"]
    start, end = a["periods"]["free"]
    before = snapshot()
    with refused(GUARDED_OR_SEALED):
        rpc("controller").call(RUN, "write", [a["runs"]["posted"]], {"date_from": start, "date_to": end})
    snapshot.assert_unchanged(before)


def test_four_eyes_the_computing_controller_cannot_name_a_colleague_and_approve(estate, rpc, snapshot):
    a = estate["a"]
    run, controller = a["runs"]["computed"], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (
                "write computed_by_id to controller 2",
                lambda: controller.call(RUN, "write", [run], {"computed_by_id": a["users"]["controller2"]}),
                GUARDED,
            ),
            ("approve the run it computed", lambda: controller.call(RUN, "action_approve", [run]), FOUR_EYES),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize(
    "keys",
    [
        {"tracking_disable": True, "mail_notrack": True},
        {"cloud_cost_audit_unseal": True},
        {"allow_self_approval": True, "cloud_cost_allow_self_approval": True},
        {"cloud_cost_suite": True, "cloud_cost_skip_checks": True, "install_mode": True},
    ],
    ids=["tracking_disable", "unseal", "allow_self_approval", "suite_flags"],
)
def test_approving_with_context_keys_is_still_four_eyes(estate, rpc, snapshot, keys):
    run = estate["a"]["runs"]["computed"]
    before = snapshot()
    with refused(FOUR_EYES):
        rpc("controller").call(RUN, "action_approve", [run], context=keys)
    snapshot.assert_unchanged(before)


def test_who_did_what_and_when_cannot_be_written(estate, rpc, snapshot):
    a = estate["a"]
    runs, users = a["runs"], a["users"]
    controller2 = rpc("controller2")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"{state}: write {name}",
                lambda state=state, name=name, value=value: controller2.call(
                    RUN, "write", [runs[state]], {name: value}
                ),
                GUARDED_OR_SEALED,
            )
            for state, name, value in [
                ("computed", "computed_on", "2026-09-30 23:00:00"),
                ("computed", "approved_by_id", users["controller2"]),
                ("approved", "approved_by_id", users["controller"]),
                ("approved", "approved_on", "2026-10-31 23:00:00"),
                ("posted", "posted_by_id", users["controller2"]),
                ("posted", "posted_on", "2026-11-30 23:00:00"),
                ("posted", "reversed_by_id", users["controller2"]),
            ]
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["computed", "approved", "posted"])
def test_figures_checks_and_fingerprint_of_a_run_cannot_be_written(estate, rpc, admin, snapshot, state):
    run = estate["a"]["runs"][state]
    controller = rpc("controller")
    forged = forged_values(admin, run, FIGURES)
    before = snapshot()
    assert_all_refused(
        [
            (
                f"write {name}",
                lambda name=name: controller.call(RUN, "write", [run], {name: forged[name]}),
                GUARDED_OR_SEALED,
            )
            for name in FIGURES
        ]
    )
    snapshot.assert_unchanged(before)


def test_a_stale_run_cannot_be_approved_by_clearing_inputs_changed(estate, rpc, snapshot):
    run, controller2 = estate["a"]["runs"]["stale"], rpc("controller2")
    before = snapshot()
    assert_all_refused(
        [
            (
                "write inputs_changed false",
                lambda: controller2.call(RUN, "write", [run], {"inputs_changed": False}),
                GUARDED,
            ),
            ("approve the stale run", lambda: controller2.call(RUN, "action_approve", [run]), r"inputs changed"),
        ]
    )
    snapshot.assert_unchanged(before)


def test_the_seal_does_not_open_for_the_context_key_it_checks(estate, rpc, snapshot):
    run, controller = estate["a"]["runs"]["approved"], rpc("controller")
    unseal = {"cloud_cost_audit_unseal": True}
    before = snapshot()
    assert_all_refused(
        [
            (
                f"write {name} with the unseal key",
                lambda name=name, value=value: controller.call(RUN, "write", [run], {name: value}, context=unseal),
                GUARDED_OR_SEALED,
            )
            for name, value in [
                ("total_cost", 1.0),
                ("content_hash", "0" * 64),
                ("snapshot", {"forged": True}),
                ("state", "computed"),
            ]
        ]
    )
    snapshot.assert_unchanged(before)


def test_the_verification_result_cannot_be_written(estate, rpc, snapshot):
    runs, controller = estate["a"]["runs"], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"{state}: write hash_check",
                lambda state=state: controller.call(
                    RUN, "write", [runs[state]], {"hash_check": "match", "hash_checked_on": "2026-12-01 00:00:00"}
                ),
                GUARDED_OR_SEALED,
            )
            for state in ("approved", "posted")
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "controller"])
def test_a_run_cannot_be_created_posted_or_approved(estate, rpc, snapshot, role):
    a = estate["a"]
    client = rpc(role)

    def values(period):
        start, end = a["periods"][period]
        return {"policy_id": a["policy"], "company_id": a["company"], "date_from": start, "date_to": end}

    before = snapshot()
    assert_all_refused(
        [
            ("create posted", lambda: client.call(RUN, "create", {**values("free"), "state": "posted"}), GUARDED),
            (
                "create approved with an approver and totals",
                lambda: client.call(
                    RUN,
                    "create",
                    {
                        **values("free2"),
                        "state": "approved",
                        "approved_by_id": a["users"]["controller2"],
                        "total_cost": 162.76,
                        "checks_passed": True,
                    },
                ),
                GUARDED,
            ),
            (
                "create with computed_by",
                lambda: client.call(RUN, "create", {**values("free3"), "computed_by_id": a["users"]["controller2"]}),
                GUARDED,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_default_state_in_the_context_does_not_create_an_approved_run(estate, rpc, admin, snapshot):
    """The caller's defaults of guarded fields are dropped: the run is refused, or made a plain draft."""
    a = estate["a"]
    start, end = a["periods"]["free"]
    controller = rpc("controller")
    before = snapshot()
    try:
        run_id = controller.call(
            RUN,
            "create",
            {"policy_id": a["policy"], "date_from": start, "date_to": end},
            context={
                "default_state": "approved",
                "default_approved_by_id": a["users"]["controller2"],
                "default_checks_passed": True,
                "default_total_cost": 1.0,
            },
        )
    except RpcRefused as error:  # a refusal is as good as a draft
        assert re.search(GUARDED, error.message), error
    else:
        (created,) = admin.read(RUN, [run_id], ["state", "approved_by_id", "checks_passed", "total_cost"])
        assert (created["state"], created["approved_by_id"], created["checks_passed"], created["total_cost"]) == (
            "draft",
            False,
            False,
            0.0,
        ), created
        controller.call(RUN, "unlink", [run_id])
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["posted", "approved", "reversed"])
def test_a_posted_run_cannot_be_copied_into_a_given_state(estate, rpc, snapshot, state):
    a = estate["a"]
    start, end = a["periods"]["free"]
    before = snapshot()
    with refused(GUARDED):
        rpc("controller").call(
            RUN, "copy", [a["runs"]["posted"]], default={"state": state, "date_from": start, "date_to": end}
        )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["approved", "posted"])
def test_approved_and_posted_runs_cannot_be_deleted(estate, rpc, snapshot, state):
    before = snapshot()
    with refused(r"cannot be deleted|only draft or cancelled"):
        rpc("controller").call(RUN, "unlink", [estate["a"]["runs"][state]])
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["approved", "posted"])
@pytest.mark.parametrize("new_state", ["draft", "cancelled"])
def test_a_run_cannot_be_deleted_after_a_state_write(estate, rpc, snapshot, state, new_state):
    run, controller = estate["a"]["runs"][state], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (f"write state {new_state}", lambda: controller.call(RUN, "write", [run], {"state": new_state}), GUARDED),
            ("unlink", lambda: controller.call(RUN, "unlink", [run]), r"cannot be deleted|only draft or cancelled"),
        ]
    )
    snapshot.assert_unchanged(before)


def test_a_computed_run_is_not_posted_by_skipping_approval(estate, rpc, snapshot):
    run = estate["a"]["runs"]["computed"]
    before = snapshot()
    with refused(r"cannot be posted"):
        rpc("controller").call(
            RUN, "action_post", [run], context={"cloud_cost_audit_unseal": True, "tracking_disable": True}
        )
    snapshot.assert_unchanged(before)


def test_sealed_runs_are_not_computed_again_nor_reset_when_posted(estate, rpc, snapshot):
    runs, controller = estate["a"]["runs"], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (
                "compute the approved run",
                lambda: controller.call(RUN, "action_compute", [runs["approved"]]),
                r"cannot be computed",
            ),
            (
                "compute the posted run",
                lambda: controller.call(RUN, "action_compute", [runs["posted"]]),
                r"cannot be computed",
            ),
            (
                "reset the posted run to draft",
                lambda: controller.call(RUN, "action_reset_to_draft", [runs["posted"]]),
                r"cannot be reset",
            ),
            (
                "cancel the approved run",
                lambda: controller.call(RUN, "action_cancel", [runs["approved"]]),
                r"cannot be cancelled",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "controller"])
def test_self_approval_is_switched_on_by_an_administrator_only(estate, rpc, snapshot, role):
    before = snapshot()
    with refused(r"administrator|not allowed|only"):
        rpc(role).call("cloud.cost.allocation.policy", "write", [estate["a"]["policy"]], {"allow_self_approval": True})
    snapshot.assert_unchanged(before)


def test_private_methods_cannot_be_called_over_rpc(estate, rpc, snapshot):
    runs, admin_client = estate["a"]["runs"], rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            (method, lambda method=method, run=run: admin_client.call(RUN, method, [run]), r"private methods")
            for method, run in [
                ("_seal", runs["computed"]),
                ("_compute_and_store", runs["approved"]),
                ("_clear_results", runs["posted"]),
                ("_check_inputs", runs["stale"]),
                ("_create_chargeback_moves", runs["approved"]),
                ("_lock_row", runs["posted"]),
                ("_store_cost_batches", runs["approved"]),
                ("_create_entries", runs["approved"]),
                ("_posting_chunks", runs["posted"]),
            ]
        ]
        + [
            # journal items made as chargeback items, or their credit values, asked for directly
            (
                "_cloud_cost_create_items",
                lambda: admin_client.call(
                    "account.move.line",
                    "_cloud_cost_create_items",
                    [[{"move_id": 1, "account_id": 1, "balance": 1.0, "cloud_cost_side": "receiver"}]],
                ),
                r"private methods",
            ),
            (
                "_credit_vals",
                lambda: admin_client.call(RUN, "_credit_vals", [runs["posted"]], False, False, False),
                r"private methods",
            ),
        ],
        kinds=("AccessError",),
    )
    snapshot.assert_unchanged(before)


def test_only_controllers_approve_post_and_reverse(estate, rpc, snapshot):
    runs, accountant = estate["a"]["runs"], rpc("accountant")
    before = snapshot()
    assert_all_refused(
        [
            ("approve", lambda: accountant.call(RUN, "action_approve", [runs["computed"]]), NO_ACCESS),
            ("post", lambda: accountant.call(RUN, "action_post", [runs["approved"]]), NO_ACCESS),
            ("reverse", lambda: accountant.call(RUN, "action_reverse", [runs["posted"]]), NO_ACCESS),
            ("reset to draft", lambda: accountant.call(RUN, "action_reset_to_draft", [runs["approved"]]), NO_ACCESS),
        ]
    )
    snapshot.assert_unchanged(before)


def test_an_approved_run_cannot_be_moved_back_rewritten_and_sealed_again(estate, rpc, snapshot):
    run = estate["a"]["runs"]["approved"]
    controller, controller2 = rpc("controller"), rpc("controller2")
    before = snapshot()
    assert_all_refused(
        [
            ("write state computed", lambda: controller.call(RUN, "write", [run], {"state": "computed"}), GUARDED),
            (
                "rewrite its totals",
                lambda: controller.call(RUN, "write", [run], {"total_cost": 1.0, "allocated_amount": 1.0}),
                GUARDED_OR_SEALED,
            ),
            ("approve (seal) it again", lambda: controller2.call(RUN, "action_approve", [run]), r"cannot be approved"),
        ]
    )
    snapshot.assert_unchanged(before)


def test_self_approval_switched_on_later_does_not_apply_to_a_run_computed_before(estate, rpc, admin, snapshot):
    """The administrator may allow self-approval; a run computed before the change still needs four eyes."""
    a = estate["a"]
    run = a["runs"]["computed"]
    before = snapshot()
    rpc("admin").call("cloud.cost.allocation.policy", "write", [a["policy"]], {"allow_self_approval": True})
    try:
        with refused(FOUR_EYES):
            rpc("controller").call(RUN, "action_approve", [run])
    finally:
        rpc("admin").call("cloud.cost.allocation.policy", "write", [a["policy"]], {"allow_self_approval": False})
    # the policy's own record and chatter changed (the switch and back); the runs and entries did not
    snapshot.assert_unchanged(
        before,
        tables=(
            "cloud_cost_allocation_run",
            "cloud_cost_allocation_line",
            "cloud_cost_allocation_run_cost",
            "account_move",
            "account_move_line",
            "verify (content hash)",
        ),
    )
    assert admin.search_read("mail.message", [("model", "=", RUN), ("res_id", "=", run)], ["id"]) == [
        {"id": message_id}
        for message_id in sorted(
            (m for m, row in before["a"]["mail_message"].items() if row["model"] == RUN and row["res_id"] == run),
            reverse=True,
        )
    ]

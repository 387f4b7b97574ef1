"""What a run holds and what it posted, over JSON-RPC, even for an administrator: allocation lines,
sender checks and cost-line links are the run's own; chargeback entries stay attached to their run;
the seal's messages stay in the chatter."""

import pytest

from .harness import GUARDED, NO_ACCESS, SEALED, assert_all_refused, refused

RUN = "cloud.cost.allocation.run"
MOVE = "account.move"
GUARDED_OR_SEALED = f"{GUARDED}|{SEALED}"
FORGED_BODY = "<p>Content hash verified: it matches.</p>"


def _children(admin, run_id):
    (run,) = admin.read(RUN, [run_id], ["line_ids", "sender_ids"])
    costs = admin.search_read("cloud.cost.allocation.run.cost", [("run_id", "=", run_id)], ["id"])
    return run["line_ids"], run["sender_ids"], [c["id"] for c in costs]


def _batches_taken(admin, run_id):
    return [b["id"] for b in admin.search_read("cloud.cost.allocation.run.batch", [("run_id", "=", run_id)], ["id"])]


@pytest.mark.parametrize("state", ["computed", "approved", "posted"])
def test_an_administrator_cannot_rewrite_what_a_run_holds(estate, rpc, admin, snapshot, state):
    a = estate["a"]
    lines, senders, costs = _children(admin, a["runs"][state])
    batches = _batches_taken(admin, a["runs"][state])
    assert lines and senders and costs and batches
    client = rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            (
                "allocation line amount",
                lambda: client.call("cloud.cost.allocation.line", "write", [lines[0]], {"amount": 12345.67}),
                GUARDED_OR_SEALED,
            ),
            (
                "allocation line receiver",
                lambda: client.call(
                    "cloud.cost.allocation.line", "write", [lines[0]], {"analytic_account_id": a["payments"]}
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "sender balance",
                lambda: client.call(
                    "cloud.cost.allocation.run.sender", "write", [senders[0]], {"own_amount": 1.0, "balanced": True}
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "cost link amount",
                lambda: client.call("cloud.cost.allocation.run.cost", "write", [costs[0]], {"amount": 0.01}),
                GUARDED_OR_SEALED,
            ),
            (
                "cost link business unit",
                lambda: client.call(
                    "cloud.cost.allocation.run.cost", "write", [costs[0]], {"analytic_account_id": a["payments"]}
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "batch taken: its sum",
                lambda: client.call(
                    "cloud.cost.allocation.run.batch", "write", batches[:1], {"amount": 0.01, "line_count": 1}
                ),
                GUARDED_OR_SEALED,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("state", ["computed", "approved"])
def test_an_administrator_cannot_add_or_remove_allocation_lines_senders_or_links(estate, rpc, admin, snapshot, state):
    a = estate["a"]
    run = a["runs"][state]
    lines, senders, costs = _children(admin, run)
    batches = _batches_taken(admin, run)
    (august,) = admin.read("cloud.cost.line", a["lines"]["2026-08"][:1], ["batch_id"])
    batch_of_august = august["batch_id"][0]
    client = rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            (
                "create an allocation line",
                lambda: client.call(
                    "cloud.cost.allocation.line",
                    "create",
                    {
                        "run_id": run,
                        "company_id": a["company"],
                        "date": a["periods"][state][0],
                        "receiver_kind": "analytic",
                        "analytic_account_id": a["retail"],
                        "line_type": "direct",
                        "is_final": True,
                        "amount": 1000.0,
                    },
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "delete an allocation line",
                lambda: client.call("cloud.cost.allocation.line", "unlink", [lines[0]]),
                GUARDED_OR_SEALED,
            ),
            (
                "create a sender check",
                lambda: client.call(
                    "cloud.cost.allocation.run.sender",
                    "create",
                    {"run_id": run, "pool_id": a["pool"], "own_amount": 1.0, "balanced": True},
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "delete a sender check",
                lambda: client.call("cloud.cost.allocation.run.sender", "unlink", [senders[0]]),
                GUARDED_OR_SEALED,
            ),
            (
                "link another cost line",
                lambda: client.call(
                    "cloud.cost.allocation.run.cost",
                    "create",
                    {"run_id": run, "cost_line_id": a["lines"]["2026-08"][0], "amount": 10.5},
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "delete a cost link",
                lambda: client.call("cloud.cost.allocation.run.cost", "unlink", [costs[0]]),
                GUARDED_OR_SEALED,
            ),
            (
                "record another batch taken",
                lambda: client.call(
                    "cloud.cost.allocation.run.batch",
                    "create",
                    {"run_id": run, "batch_id": batch_of_august, "amount_basis": "effective", "line_count": 1},
                ),
                GUARDED_OR_SEALED,
            ),
            (
                "forget a batch taken",
                lambda: client.call("cloud.cost.allocation.run.batch", "unlink", batches[:1]),
                GUARDED_OR_SEALED,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_chargeback_entries_cannot_be_detached_from_their_run(estate, rpc, snapshot):
    moves = estate["a"]["moves"]["posted"]
    before = snapshot()
    with refused(f"{GUARDED}|{SEALED}|chargeback"):
        rpc("admin").call(MOVE, "write", moves, {"cloud_cost_run_id": False})
    snapshot.assert_unchanged(before)


def test_chargeback_entries_cannot_be_attached_to_another_run(estate, rpc, snapshot):
    a = estate["a"]
    client = rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            (
                "move the posted run's entry to the approved run",
                lambda: client.call(MOVE, "write", a["moves"]["posted"], {"cloud_cost_run_id": a["runs"]["approved"]}),
                f"{GUARDED}|{SEALED}|chargeback",
            ),
            (
                "create an entry naming the approved run",
                lambda: client.call(
                    MOVE,
                    "create",
                    {
                        "move_type": "entry",
                        "journal_id": a["journal"],
                        "date": "2026-10-31",
                        "cloud_cost_run_id": a["runs"]["approved"],
                        "line_ids": [
                            (0, 0, {"name": "forged", "account_id": a["accounts"]["chargeback"], "debit": 10.0}),
                            (0, 0, {"name": "forged", "account_id": a["accounts"]["clearing"], "credit": 10.0}),
                        ],
                    },
                ),
                f"{GUARDED}|{SEALED}|chargeback",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_a_posted_chargeback_entry_is_not_reset_cancelled_or_deleted(estate, rpc, snapshot):
    moves, client = estate["a"]["moves"]["posted"], rpc("admin")
    before = snapshot()
    assert_all_refused(
        [
            ("reset to draft", lambda: client.call(MOVE, "button_draft", moves), r"reverse the run|sealed"),
            ("cancel", lambda: client.call(MOVE, "button_cancel", moves), r"reverse the run|sealed|draft|cannot"),
            ("delete", lambda: client.call(MOVE, "unlink", moves), r"posted|cannot|sealed"),
        ]
    )
    snapshot.assert_unchanged(before)


def _seal_messages(admin, run_id):
    return admin.search_read(
        "mail.message",
        [("model", "=", RUN), ("res_id", "=", run_id), ("body", "ilike", "content hash")],
        ["id", "author_id"],
    )


@pytest.mark.parametrize("role", ["controller", "controller2"])
def test_the_seal_messages_cannot_be_deleted_or_edited(estate, rpc, admin, snapshot, role):
    """controller2 approved the run (and wrote its seal message); controller posted the other one."""
    a = estate["a"]
    messages = _seal_messages(admin, a["runs"]["approved"]) + _seal_messages(admin, a["runs"]["posted"])
    assert len(messages) >= 3, messages
    client = rpc(role)
    before = snapshot()
    assert_all_refused(
        [
            (
                f"{action} message {message['id']}",
                lambda action=action, message=message: (
                    client.call("mail.message", "unlink", [message["id"]])
                    if action == "delete"
                    else client.call("mail.message", "write", [message["id"]], {"body": FORGED_BODY})
                ),
                f"{GUARDED}|{SEALED}|{NO_ACCESS}|administrator",
            )
            for message in messages
            for action in ("edit", "delete")
        ]
    )
    snapshot.assert_unchanged(before)


def test_tracking_of_a_run_cannot_be_rewritten_through_its_chatter(estate, rpc, admin, snapshot):
    a = estate["a"]
    tracked = admin.search_read(
        "mail.message",
        [("model", "=", RUN), ("res_id", "=", a["runs"]["posted"]), ("tracking_value_ids", "!=", False)],
        ["id", "tracking_value_ids"],
    )
    assert tracked
    client = rpc("controller2")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"delete tracking value {value}",
                lambda value=value: client.call("mail.tracking.value", "unlink", [value]),
                f"{GUARDED}|{SEALED}|{NO_ACCESS}|administrator",
            )
            for value in tracked[0]["tracking_value_ids"]
        ]
        + [
            (
                f"delete tracking message {message['id']}",
                lambda message=message: client.call("mail.message", "unlink", [message["id"]]),
                f"{GUARDED}|{SEALED}|{NO_ACCESS}|administrator",
            )
            for message in tracked
        ]
    )
    snapshot.assert_unchanged(before)

"""The harness itself: every role logs in over HTTP and reads its own company's documents."""

import pytest

from .harness import assert_all_refused, describe_changes, refused, take_snapshot

ROLES = ("user", "accountant", "controller", "controller2", "auditor", "admin")


@pytest.mark.parametrize("company", ["a", "b"])
def test_every_role_reads_its_company_runs_over_json_rpc(estate, rpc, company):
    runs = estate[company]["runs"]
    assert (
        rpc("controller", company).login(estate[company]["logins"]["controller"])
        == estate[company]["users"]["controller"]
    )
    for role in ROLES:
        client = rpc(role, company)
        found = client.call("cloud.cost.allocation.run", "search_read", [], ["state", "company_id"])
        assert {r["id"]: r["state"] for r in found} == {
            runs["computed"]: "computed",
            runs["approved"]: "approved",
            runs["posted"]: "posted",
            runs["stale"]: "computed",
        }, role


def test_a_wrong_password_is_refused(estate, rpc):
    client = rpc("controller")
    client.password = "not the password"
    with refused(r"access denied|wrong login", kinds=("AccessDenied",)):
        client.call("cloud.cost.allocation.run", "search_read", [], ["state"])


def test_a_call_the_server_accepts_is_reported_as_such(estate, rpc):
    client = rpc("auditor")
    with pytest.raises(AssertionError, match="read the runs: ACCEPTED by the server"):
        assert_all_refused(
            [
                (
                    "read the runs",
                    lambda: client.call("cloud.cost.allocation.run", "search_read", [], ["state"]),
                    "anything",
                )
            ]
        )


def test_the_snapshot_names_what_changed_and_the_verification_sees_it(estate, controls_session):
    """A change made in SQL, inside a transaction rolled back after: the snapshot names the row, the column
    and the message removed, and the posted run no longer verifies."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    a = estate["a"]
    run_id = a["runs"]["posted"]
    with controls_session[1].registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})

        def verify(run):
            return env["cloud.cost.allocation.run"].browse(run)._verify_hash()

        before = take_snapshot(cr, a["company"], verify=verify)
        cr.execute("UPDATE cloud_cost_allocation_run SET total_cost = total_cost + 1 WHERE id = %s", [run_id])
        cr.execute(
            "SELECT min(id) FROM mail_message WHERE model = 'cloud.cost.allocation.run' AND res_id = %s", [run_id]
        )
        (message_id,) = cr.fetchone()
        cr.execute("DELETE FROM mail_message WHERE id = %s", [message_id])
        env.invalidate_all()
        after = take_snapshot(cr, a["company"], verify=verify)
        cr.rollback()
    changes = describe_changes(before, after)
    assert any(c.startswith(f"cloud_cost_allocation_run #{run_id} changed: total_cost: ") for c in changes), changes
    assert f"mail_message #{message_id} removed" in "\n".join(changes), changes
    assert f"verify (content hash) #{run_id} changed: true -> false" in changes, changes

"""Companies and read-only roles over JSON-RPC: nobody reaches another company's documents by id, and
auditors and cost users change nothing, whatever they call."""

import pytest

from .harness import GUARDED, NO_ACCESS, SEALED, assert_all_refused, refused

NO_ACCESS_RIGHTS = NO_ACCESS

RUN = "cloud.cost.allocation.run"
OTHER_COMPANY = r"not allowed to access|security restrictions|unauthorized|invalid compan|access"


def _documents(company):
    """(model, id) of one of each kind of the company's documents."""
    return [
        (RUN, company["runs"]["approved"]),
        (RUN, company["runs"]["posted"]),
        ("cloud.cost.import.batch", company["batches"]["2026-10"]),
        ("cloud.cost.line", company["lines"]["2026-10"][0]),
        ("cloud.cost.import.file", company["files"]["2026-10"]),
        ("cloud.cost.allocation.policy", company["policy"]),
        ("account.move", company["moves"]["posted"][0]),
    ]


@pytest.mark.parametrize("role", ["accountant", "controller", "auditor", "admin"])
def test_another_companys_documents_cannot_be_read_by_id(estate, rpc, role):
    client = rpc(role, "a")
    assert_all_refused(
        [
            (
                f"read {model} #{record}",
                lambda model=model, record=record: client.call(model, "read", [record], ["display_name"]),
                OTHER_COMPANY,
            )
            for model, record in _documents(estate["b"])
        ]
    )
    # nor found by searching for them
    assert client.call(RUN, "search_read", [("company_id", "=", estate["b"]["company"])], ["id"]) == []
    assert client.call("cloud.cost.line", "search_count", [("id", "in", estate["b"]["lines"]["2026-10"])]) == 0


def test_another_company_cannot_be_selected_in_the_context(estate, rpc):
    client = rpc("controller", "a", context={"allowed_company_ids": [estate["b"]["company"], estate["a"]["company"]]})
    with refused(OTHER_COMPANY):
        client.call(RUN, "search_read", [], ["id"])


def test_another_companys_documents_cannot_be_written_or_acted_on(estate, rpc, snapshot):
    b = estate["b"]
    controller = rpc("controller", "a")
    accountant = rpc("accountant", "a")
    before = snapshot()
    assert_all_refused(
        [
            (
                "write B's computed run",
                lambda: controller.call(RUN, "write", [b["runs"]["computed"]], {"user_count": 10.0}),
                OTHER_COMPANY,
            ),
            (
                "approve B's computed run",
                lambda: controller.call(RUN, "action_approve", [b["runs"]["computed"]]),
                OTHER_COMPANY,
            ),
            (
                "post B's approved run",
                lambda: controller.call(RUN, "action_post", [b["runs"]["approved"]]),
                OTHER_COMPANY,
            ),
            (
                "reverse B's posted run",
                lambda: controller.call(RUN, "action_reverse", [b["runs"]["posted"]]),
                OTHER_COMPANY,
            ),
            (
                "verify B's posted run",
                lambda: controller.call(RUN, "action_verify_hash", [b["runs"]["posted"]]),
                OTHER_COMPANY,
            ),
            (
                "export B's posted run as FOCUS",
                lambda: controller.call(RUN, "action_focus_export_csv", [b["runs"]["posted"]]),
                OTHER_COMPANY,
            ),
            (
                "reclassify B's cost line",
                lambda: accountant.call(
                    "cloud.cost.line",
                    "write",
                    [b["lines"]["2026-09"][0]],
                    {"analytic_account_id": estate["a"]["retail"]},
                ),
                OTHER_COMPANY,
            ),
            (
                "create a run in B",
                lambda: controller.call(
                    RUN,
                    "create",
                    {
                        "policy_id": b["policy"],
                        "company_id": b["company"],
                        "date_from": b["periods"]["free"][0],
                        "date_to": b["periods"]["free"][1],
                    },
                ),
                OTHER_COMPANY,
            ),
            (
                "create a run of A's company with B's policy",
                lambda: controller.call(
                    RUN,
                    "create",
                    {
                        "policy_id": b["policy"],
                        "company_id": estate["a"]["company"],
                        "date_from": b["periods"]["free"][0],
                        "date_to": b["periods"]["free"][1],
                    },
                ),
                OTHER_COMPANY + r"|compan",
            ),
            ("unlink B's computed run", lambda: controller.call(RUN, "unlink", [b["runs"]["computed"]]), OTHER_COMPANY),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["auditor", "user"])
def test_read_only_roles_change_nothing(estate, rpc, snapshot, role):
    # refused by the access rights, or before them by the guard, the seal or the administrator's switch
    NO_ACCESS = f"{NO_ACCESS_RIGHTS}|{GUARDED}|{SEALED}|administrator"  # noqa: N806
    a = estate["a"]
    runs = a["runs"]
    client = rpc(role)
    start, end = a["periods"]["free"]
    steps = (
        [
            (
                f"write the {state} run",
                lambda state=state: client.call(RUN, "write", [runs[state]], {"user_count": 1.0}),
                NO_ACCESS,
            )
            for state in ("computed", "approved")
        ]
        + [
            (
                f"{method} the {state} run",
                lambda method=method, state=state: client.call(RUN, method, [runs[state]]),
                NO_ACCESS,
            )
            for method, state in [
                ("action_compute", "computed"),
                ("action_approve", "computed"),
                ("action_post", "approved"),
                ("action_reverse", "posted"),
                ("action_reset_to_draft", "approved"),
                ("action_cancel", "computed"),
                ("unlink", "computed"),
            ]
        ]
        + [
            (
                "create a run",
                lambda: client.call(RUN, "create", {"policy_id": a["policy"], "date_from": start, "date_to": end}),
                NO_ACCESS,
            ),
            (
                "write the batch",
                lambda: client.call("cloud.cost.import.batch", "write", [a["batches"]["2026-09"]], {"state": "failed"}),
                NO_ACCESS,
            ),
            (
                "reclassify a line",
                lambda: client.call(
                    "cloud.cost.line", "write", [a["lines"]["2026-09"][0]], {"analytic_account_id": a["payments"]}
                ),
                NO_ACCESS,
            ),
            (
                "write the policy",
                lambda: client.call(
                    "cloud.cost.allocation.policy", "write", [a["policy"]], {"allow_self_approval": True}
                ),
                NO_ACCESS,
            ),
            (
                "write a step",
                lambda: client.call("cloud.cost.allocation.step", "write", a["steps"], {"method": "direct"}),
                NO_ACCESS,
            ),
            (
                "write a mapping rule",
                lambda: client.call(
                    "cloud.cost.mapping.rule", "write", a["rules"][:1], {"analytic_account_id": a["payments"]}
                ),
                NO_ACCESS,
            ),
            (
                "write a driver value",
                lambda: client.call(
                    "cloud.cost.driver.value",
                    "write",
                    [v["id"] for v in client.call("cloud.cost.driver.value", "search_read", [], ["id"], limit=1)],
                    {"value": 99.0},
                ),
                NO_ACCESS,
            ),
            (
                "write the chargeback entry",
                lambda: client.call("account.move", "write", a["moves"]["posted"], {"ref": "forged"}),
                NO_ACCESS,
            ),
        ]
    )
    before = snapshot()
    assert_all_refused(steps)
    snapshot.assert_unchanged(before)

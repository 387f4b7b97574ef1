"""The harness itself: every role logs in over HTTP and reads its own company's documents."""

import pytest

from .harness import refused

ROLES = ("user", "accountant", "controller", "controller2", "auditor", "admin")


@pytest.mark.parametrize("company", ["a", "b"])
def test_every_role_reads_its_company_runs_over_json_rpc(estate, rpc, company):
    runs = estate[company]["runs"]
    assert rpc("controller", company).login(estate[company]["logins"]["controller"]) == \
        estate[company]["users"]["controller"]
    for role in ROLES:
        client = rpc(role, company)
        found = client.call("cloud.cost.allocation.run", "search_read", [], ["state", "company_id"])
        assert {r["id"]: r["state"] for r in found} == {
            runs["computed"]: "computed", runs["approved"]: "approved", runs["posted"]: "posted",
            runs["stale"]: "computed"}, role


def test_a_wrong_password_is_refused(estate, rpc):
    client = rpc("controller")
    client.password = "not the password"
    with refused(r"access denied|wrong login", kinds=("AccessDenied",)):
        client.call("cloud.cost.allocation.run", "search_read", [], ["state"])

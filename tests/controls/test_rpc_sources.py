"""Sources over JSON-RPC: server files only below the configured import roots (none here), credentialed
targets set by administrators only, non-public hosts refused, the last import's record the suite's own.

The server of these tests runs with the default configuration: no import root, no host allowed.
"""

import pytest

from .harness import GUARDED, assert_all_refused, refused

SOURCE = "cloud.cost.source"
USAGE_SOURCE = "cloud.cost.usage.source"
ROOTS = r"cloud_cost_import_roots"
ADMINS_ONLY = r"only administrators"
NON_PUBLIC = r"loopback|link-local|private|unspecified|not a public address"
SERVER_FILES = [
    "/etc/passwd",
    "/etc",
    "/proc/self/environ",
    "../../../../etc/shadow",
    "/tmp/../etc/hosts",
    "~/.ssh/id_rsa",
    "relative/bills",
]


def odoo_server(client):
    """host:port of the server under test (a loopback target every attack below would like to reach)."""
    return client.url.split("//", 1)[1].split("/", 1)[0]


@pytest.mark.parametrize("role", ["controller", "admin"])
def test_a_source_cannot_be_pointed_at_server_files(estate, rpc, snapshot, role):
    source, client = estate["a"]["source"], rpc(role)
    before = snapshot()
    assert_all_refused(
        [
            (
                f"location {path}",
                lambda path=path: client.call(SOURCE, "write", [source], {"source_type": "file", "location": path}),
                ROOTS,
            )
            for path in SERVER_FILES
        ]
    )
    snapshot.assert_unchanged(before)


def test_a_source_reading_server_files_cannot_be_created(estate, rpc, snapshot):
    a, controller = estate["a"], rpc("controller")
    before = snapshot()
    assert_all_refused(
        [
            (
                f"create at {path}",
                lambda path=path, index=index: controller.call(
                    SOURCE,
                    "create",
                    {
                        "name": f"Server files {index}",
                        "company_id": a["company"],
                        "source_type": "file",
                        "location": path,
                    },
                ),
                ROOTS,
            )
            for index, path in enumerate(SERVER_FILES)
        ]
        + [
            (
                "a default location from the context",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {"name": "Server files by default", "company_id": a["company"]},
                    context={"default_location": "/etc/passwd"},
                ),
                ROOTS,
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_the_suites_marker_cannot_be_sent_to_skip_the_check(estate, rpc, snapshot):
    source, controller = estate["a"]["source"], rpc("controller")
    before = snapshot()
    for context in ({"cloud_cost_suite": True}, {"cloud_cost_suite": "1"}, {"cloud_cost_suite": {"x": 1}}):
        with refused(ROOTS):
            controller.call(SOURCE, "write", [source], {"location": "/etc/passwd"}, context=context)
    snapshot.assert_unchanged(before)


def test_a_controller_cannot_turn_a_source_into_one_with_the_servers_aws_identity(estate, rpc, snapshot):
    a, controller = estate["a"], rpc("controller")
    source = a["source"]
    before = snapshot()
    assert_all_refused(
        [
            (
                "to S3",
                lambda: controller.call(SOURCE, "write", [source], {"source_type": "s3", "s3_bucket": "loot"}),
                ADMINS_ONLY,
            ),
            (
                "an s3:// location",
                lambda: controller.call(SOURCE, "write", [source], {"location": "s3://loot/"}),
                ADMINS_ONLY,
            ),
            (
                "create S3",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {"name": "Mine", "company_id": a["company"], "source_type": "s3", "s3_bucket": "loot"},
                ),
                ADMINS_ONLY,
            ),
            (
                "create S3 by context defaults",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {"name": "Mine", "company_id": a["company"]},
                    context={"default_source_type": "s3", "default_s3_bucket": "loot"},
                ),
                ADMINS_ONLY,
            ),
            (
                "keys",
                lambda: controller.call(SOURCE, "write", [source], {"aws_access_key_id": "AKIA"}),
                r"not allowed|access|only administrators",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


def test_an_endpoint_on_a_non_public_address_is_refused_even_to_an_administrator(estate, rpc, snapshot):
    source, admin_client = estate["a"]["source"], rpc("admin")
    before = snapshot()
    targets = [
        f"http://{odoo_server(admin_client)}",
        "http://169.254.169.254",
        "http://10.0.0.1:9000",
        "http://[::1]:8069",
        "http://localhost:5432",
        "http://0.0.0.0:8069",
        "http://2130706433",
    ]
    assert_all_refused(
        [
            (
                f"endpoint {url}",
                lambda url=url: admin_client.call(
                    SOURCE, "write", [source], {"source_type": "s3", "s3_bucket": "acme", "s3_endpoint_url": url}
                ),
                NON_PUBLIC,
            )
            for url in targets
        ]
        + [
            (
                "credentials in the URL",
                lambda: admin_client.call(
                    SOURCE,
                    "write",
                    [source],
                    {"source_type": "s3", "s3_bucket": "acme", "s3_endpoint_url": "https://k:s@objects.example.com"},
                ),
                r"carries credentials",
            ),
            (
                "not http",
                lambda: admin_client.call(
                    SOURCE,
                    "write",
                    [source],
                    {"source_type": "s3", "s3_bucket": "acme", "s3_endpoint_url": "file:///etc/passwd"},
                ),
                r"only http",
            ),
        ]
    )
    snapshot.assert_unchanged(before)


@pytest.mark.parametrize("role", ["accountant", "controller", "admin"])
def test_the_last_import_is_the_imports_own_record(estate, rpc, snapshot, role):
    a, client = estate["a"], rpc(role)
    before = snapshot()
    assert_all_refused(
        [
            (
                "state",
                lambda: client.call(SOURCE, "write", [a["source"]], {"last_import_state": "done"}),
                GUARDED if role != "accountant" else r"by the suite's own actions only|not allowed|access",
            ),
            (
                "message",
                lambda: client.call(SOURCE, "write", [a["source"]], {"last_import_message": "All fine."}),
                GUARDED if role != "accountant" else r"by the suite's own actions only|not allowed|access",
            ),
        ]
    )
    if role != "accountant":
        with refused(GUARDED):
            client.call(
                SOURCE,
                "create",
                {
                    "name": "Pre-filled",
                    "company_id": a["company"],
                    "source_type": "upload",
                    "last_import_state": "done",
                    "last_import_date": "2030-01-01 00:00:00",
                },
            )
    snapshot.assert_unchanged(before)


@pytest.fixture
def cluster(estate, rpc, admin):
    """A usage source with an Authorization header, made by an administrator over RPC, removed after."""
    client = rpc("admin")
    source = client.call(
        USAGE_SOURCE,
        "create",
        {
            "name": f"RPC cluster {estate['a']['tag']}",
            "company_id": estate["a"]["company"],
            "base_url": "https://opencost.example.com",
            "auth_header": "Bearer rpc-cluster-secret",
        },
    )
    yield source
    client.call(USAGE_SOURCE, "unlink", [source])


def cluster_state(admin, source):
    (record,) = admin.read(
        USAGE_SOURCE,
        [source],
        ["base_url", "verify_tls", "auth_header", "last_day", "last_message", "last_failed", "message_ids"],
    )
    return record


def test_a_controller_cannot_move_a_cluster_that_sends_a_header(cluster, rpc, admin):
    controller = rpc("controller")
    before = cluster_state(admin, cluster)
    assert_all_refused(
        [
            (
                "to a host of the attacker's",
                lambda: controller.call(
                    USAGE_SOURCE, "write", [cluster], {"base_url": "https://collector.example.net"}
                ),
                ADMINS_ONLY,
            ),
            (
                "to the server itself",
                lambda: controller.call(
                    USAGE_SOURCE, "write", [cluster], {"base_url": f"http://{odoo_server(controller)}"}
                ),
                ADMINS_ONLY,
            ),
            (
                "TLS verification off",
                lambda: controller.call(USAGE_SOURCE, "write", [cluster], {"verify_tls": False}),
                ADMINS_ONLY,
            ),
            (
                "how far it is imported",
                lambda: controller.call(USAGE_SOURCE, "write", [cluster], {"last_day": "2030-01-01"}),
                GUARDED,
            ),
        ]
    )
    assert cluster_state(admin, cluster) == before


def test_an_administrator_moving_a_cluster_clears_its_header_and_private_hosts_stay_refused(cluster, rpc, admin):
    admin_client = rpc("admin")
    for url in (
        f"http://{odoo_server(admin_client)}",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.96.0.10:9003",
    ):
        with refused(NON_PUBLIC):
            admin_client.call(USAGE_SOURCE, "write", [cluster], {"base_url": url})
    assert cluster_state(admin, cluster)["auth_header"] == "Bearer rpc-cluster-secret"
    with refused(GUARDED):
        admin_client.call(USAGE_SOURCE, "write", [cluster], {"last_message": "Everything imported."})
    admin_client.call(USAGE_SOURCE, "write", [cluster], {"base_url": "https://opencost-2.example.com"})
    state = cluster_state(admin, cluster)
    assert (state["base_url"], state["auth_header"]) == ("https://opencost-2.example.com", False)

"""Azure Blob Storage and BigQuery sources over JSON-RPC: their credentials are read and written by
administrators only, where they read is changed by administrators only (and clears the credentials),
no role makes one, and non-public endpoints are refused to everyone.

The server of these tests runs with the default configuration: no host allowed.
"""

import json

import pytest

from .harness import assert_all_refused

SOURCE = "cloud.cost.source"
ADMINS_ONLY = r"only administrators"
NON_PUBLIC = r"loopback|link-local|private|unspecified|not a public address"
FIELD_ACCESS = r"not allowed|access|rights"
AZURE_SECRETS = ["azure_connection_string", "azure_sas_token", "azure_client_secret"]
AZURE_IDENTITY = ["azure_tenant_id", "azure_client_id"]
KEY = json.dumps(
    {
        "type": "service_account",
        "client_email": "cloudcost@acme.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nrpc-secret\n-----END PRIVATE KEY-----\n",
    }
)
CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=acmebilling;AccountKey=cnBjLWFjY291bnQta2V5;"
    "EndpointSuffix=core.windows.net"
)


@pytest.fixture
def cloud_sources(estate, rpc):
    """An Azure and a BigQuery source with credentials, made by an administrator over RPC, removed after."""
    client, a = rpc("admin"), estate["a"]
    azure = client.call(
        SOURCE,
        "create",
        {
            "name": f"RPC Azure {a['tag']}",
            "company_id": a["company"],
            "source_type": "azure_blob",
            "location": "azure://acmebilling/cost-exports/billing/acme-actual",
            "azure_connection_string": CONNECTION,
            "azure_sas_token": "sv=2024-08-04&sig=rpc-sas-secret",
            "azure_tenant_id": "tenant-1",
            "azure_client_id": "client-1",
            "azure_client_secret": "rpc-client-secret",
        },
    )
    bigquery = client.call(
        SOURCE,
        "create",
        {
            "name": f"RPC BigQuery {a['tag']}",
            "company_id": a["company"],
            "source_type": "bigquery",
            "bigquery_table": "acme-billing.billing.gcp_billing_export_v1_01ABCD",
            "gcp_service_account_key": KEY,
        },
    )
    yield {"azure": azure, "bigquery": bigquery}
    client.call(SOURCE, "unlink", [azure, bigquery])


def secrets(admin, source):
    (record,) = admin.read(
        SOURCE,
        [source],
        AZURE_SECRETS
        + AZURE_IDENTITY
        + ["gcp_service_account_key", "location", "azure_endpoint_url", "bigquery_table", "message_ids"],
    )
    return record


@pytest.mark.parametrize("role", ["accountant", "controller"])
def test_credentials_are_read_by_administrators_only(cloud_sources, rpc, role):
    client = rpc(role)
    sources = [cloud_sources["azure"], cloud_sources["bigquery"]]
    hidden = AZURE_SECRETS + AZURE_IDENTITY + ["gcp_service_account_key"]
    # the source itself is read as any source
    names = client.call(SOURCE, "read", sources, ["name", "source_type"])
    assert sorted(r["source_type"] for r in names) == ["azure_blob", "bigquery"]
    # its credentials are not: not listed among the fields, refused when asked for, whatever the method
    described = client.call(SOURCE, "fields_get", [], attributes=["string"])
    assert not set(hidden) & set(described)
    assert_all_refused(
        [
            (f"read {name}", lambda name=name: client.call(SOURCE, "read", sources, [name]), FIELD_ACCESS)
            for name in hidden
        ]
        + [
            (
                f"search_read {name}",
                lambda name=name: client.call(SOURCE, "search_read", [["id", "in", sources]], [name]),
                FIELD_ACCESS,
            )
            for name in ("azure_connection_string", "gcp_service_account_key")
        ]
        + [
            (
                "search by a secret",
                lambda: client.call(SOURCE, "search", [["azure_sas_token", "ilike", "sig="]]),
                FIELD_ACCESS,
            ),
            (
                "read_group by a secret",
                lambda: client.call(SOURCE, "read_group", [], ["azure_client_secret"], ["azure_client_secret"]),
                FIELD_ACCESS,
            ),
        ]
    )
    everything = client.call(SOURCE, "read", sources, [])
    assert not any(name in record for record in everything for name in hidden)
    for text in ("rpc-sas-secret", "rpc-client-secret", "rpc-secret", "cnBjLWFjY291bnQta2V5"):
        assert text not in json.dumps(everything)


def test_administrators_read_and_keep_the_credentials(cloud_sources, rpc):
    client = rpc("admin")
    (azure,) = client.call(SOURCE, "read", [cloud_sources["azure"]], ["azure_connection_string", "azure_sas_token"])
    assert azure["azure_connection_string"] == CONNECTION
    assert azure["azure_sas_token"] == "sv=2024-08-04&sig=rpc-sas-secret"
    (bigquery,) = client.call(SOURCE, "read", [cloud_sources["bigquery"]], ["gcp_service_account_key"])
    assert bigquery["gcp_service_account_key"] == KEY


def test_a_controller_cannot_set_move_or_make_a_credentialed_cloud_source(estate, cloud_sources, rpc, admin):
    a, controller = estate["a"], rpc("controller")
    azure, bigquery, plain = cloud_sources["azure"], cloud_sources["bigquery"], a["source"]
    before = {key: secrets(admin, source) for key, source in cloud_sources.items()}
    assert_all_refused(
        [
            # the credentials themselves
            (
                "a connection string",
                lambda: controller.call(
                    SOURCE, "write", [azure], {"azure_connection_string": "AccountName=mine;AccountKey=eA=="}
                ),
                FIELD_ACCESS + "|" + ADMINS_ONLY,
            ),
            (
                "a SAS token",
                lambda: controller.call(SOURCE, "write", [azure], {"azure_sas_token": "sig=mine"}),
                FIELD_ACCESS + "|" + ADMINS_ONLY,
            ),
            (
                "a service account key",
                lambda: controller.call(SOURCE, "write", [bigquery], {"gcp_service_account_key": "{}"}),
                FIELD_ACCESS + "|" + ADMINS_ONLY,
            ),
            # where they are sent
            (
                "another storage account",
                lambda: controller.call(SOURCE, "write", [azure], {"location": "azure://attacker/loot/"}),
                ADMINS_ONLY,
            ),
            (
                "another blob endpoint",
                lambda: controller.call(
                    SOURCE, "write", [azure], {"azure_endpoint_url": "https://collector.example.net"}
                ),
                ADMINS_ONLY,
            ),
            (
                "another table",
                lambda: controller.call(SOURCE, "write", [bigquery], {"bigquery_table": "attacker.loot.table"}),
                ADMINS_ONLY,
            ),
            (
                "another BigQuery endpoint",
                lambda: controller.call(
                    SOURCE, "write", [bigquery], {"bigquery_endpoint_url": "https://collector.example.net"}
                ),
                ADMINS_ONLY,
            ),
            (
                "another job project",
                lambda: controller.call(SOURCE, "write", [bigquery], {"bigquery_project": "attacker"}),
                ADMINS_ONLY,
            ),
            # sources with the server's own Azure or Google identity
            (
                "a file source to Azure",
                lambda: controller.call(SOURCE, "write", [plain], {"source_type": "azure_blob"}),
                ADMINS_ONLY,
            ),
            (
                "an azure:// location",
                lambda: controller.call(SOURCE, "write", [plain], {"location": "azure://acmebilling/cost-exports/"}),
                ADMINS_ONLY,
            ),
            (
                "a bigquery:// location",
                lambda: controller.call(SOURCE, "write", [plain], {"location": "bigquery://acme.billing.export"}),
                ADMINS_ONLY,
            ),
            (
                "create Azure",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {
                        "name": "Mine",
                        "company_id": a["company"],
                        "source_type": "azure_blob",
                        "location": "azure://acmebilling/cost-exports/",
                    },
                ),
                ADMINS_ONLY,
            ),
            (
                "create BigQuery",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {
                        "name": "Mine",
                        "company_id": a["company"],
                        "source_type": "bigquery",
                        "bigquery_table": "acme.billing.export",
                    },
                ),
                ADMINS_ONLY,
            ),
            (
                "create BigQuery by context defaults",
                lambda: controller.call(
                    SOURCE,
                    "create",
                    {"name": "Mine", "company_id": a["company"]},
                    context={"default_source_type": "bigquery", "default_bigquery_table": "acme.billing.export"},
                ),
                ADMINS_ONLY,
            ),
        ]
    )
    assert {key: secrets(admin, source) for key, source in cloud_sources.items()} == before


def test_an_administrator_moving_a_cloud_source_clears_its_credentials(cloud_sources, rpc, admin):
    client = rpc("admin")
    client.call(SOURCE, "write", [cloud_sources["azure"]], {"location": "azure://otheraccount/cost-exports/"})
    azure = secrets(admin, cloud_sources["azure"])
    assert [azure[name] for name in AZURE_SECRETS] == [False, False, False]
    assert azure["location"] == "azure://otheraccount/cost-exports/"
    client.call(SOURCE, "write", [cloud_sources["bigquery"]], {"bigquery_table": "other.billing.export"})
    assert secrets(admin, cloud_sources["bigquery"])["gcp_service_account_key"] is False


def test_non_public_endpoints_are_refused_even_to_an_administrator(cloud_sources, rpc, admin):
    client = rpc("admin")
    server = client.url.split("//", 1)[1].split("/", 1)[0]
    before = {key: secrets(admin, source) for key, source in cloud_sources.items()}
    targets = [
        f"http://{server}",
        "http://169.254.169.254",
        "http://10.0.0.1:10000",
        "http://[::1]:8069",
        "http://127.0.0.1:10000/devstoreaccount1",
    ]
    assert_all_refused(
        [
            (
                f"blob endpoint {url}",
                lambda url=url: client.call(SOURCE, "write", [cloud_sources["azure"]], {"azure_endpoint_url": url}),
                NON_PUBLIC,
            )
            for url in targets
        ]
        + [
            (
                f"connection string to {url}",
                lambda url=url: client.call(
                    SOURCE,
                    "write",
                    [cloud_sources["azure"]],
                    {"azure_connection_string": f"AccountName=a;AccountKey=eA==;BlobEndpoint={url};"},
                ),
                NON_PUBLIC,
            )
            for url in targets
        ]
        + [
            (
                f"BigQuery endpoint {url}",
                lambda url=url: client.call(
                    SOURCE, "write", [cloud_sources["bigquery"]], {"bigquery_endpoint_url": url}
                ),
                NON_PUBLIC,
            )
            for url in targets
        ]
    )
    assert {key: secrets(admin, source) for key, source in cloud_sources.items()} == before

"""Athena settings are the administrators' (Athena runs with the source's AWS identity); its endpoint is
called only when public or allowed; a failed query is told without Athena's own words."""

import pytest

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.cloud_cost.tests.common_import import ImportCase
from odoo.addons.cloud_cost.tests.plain import PlainCase
from odoo.addons.cloud_cost.tests.server_options import fake_dns, no_connection

from ..core.aggregation import AggregationError
from ..core.engines import run_athena

PUBLIC = "93.184.215.14"  # given by the test's own DNS, never called
KEYS = {"aws_access_key_id": "AKIAATHENATEST", "aws_secret_access_key": "athena-secret"}


@tagged("post_install", "-at_install")
class TestAthenaTargets(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,cloud_cost.group_cloud_cost_controller"
        common = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.controller = new_test_user(cls.env, login="athena_targets_controller", groups=groups, **common)
        cls.admin = new_test_user(cls.env, login="athena_targets_admin", groups=groups + ",base.group_system", **common)
        with fake_dns({"athena.example.com": PUBLIC}):
            cls.athena = cls.env["cloud.cost.source"].create(
                {
                    "name": "Summed by Athena",
                    "company_id": cls.company.id,
                    "source_type": "s3",
                    "bill_format": "focus",
                    "s3_bucket": "acme-billing",
                    "aggregation": "athena",
                    "athena_database": "billing",
                    "athena_table": "acme_focus",
                    "athena_workgroup": "finops",
                    "athena_output_location": "s3://acme-athena-results/",
                    "athena_endpoint_url": "https://athena.example.com",
                    **KEYS,
                }
            )

    def keys(self):
        self.athena.invalidate_recordset()
        return self.athena.sudo().aws_access_key_id, self.athena.sudo().aws_secret_access_key

    def test_a_controller_cannot_change_athena_settings(self):
        as_controller = self.athena.with_user(self.controller)
        before = self.athena.read(
            [
                "athena_database",
                "athena_table",
                "athena_workgroup",
                "athena_output_location",
                "athena_endpoint_url",
                "aggregation",
            ]
        )
        for values in (
            {"athena_output_location": "s3://attacker-results/"},
            {"athena_workgroup": "other"},
            {"athena_database": "other"},
            {"athena_table": "other"},
            {"aggregation": "duckdb"},
            {"athena_endpoint_url": "https://athena.example.com/other"},
        ):
            with self.subTest(values=values), fake_dns({"athena.example.com": PUBLIC}):
                with self.assertRaisesRegex(AccessError, "only administrators"):
                    as_controller.write(values)
        self.athena.invalidate_recordset()
        self.assertEqual(self.athena.read(list(before[0]))[0], before[0])
        self.assertEqual(self.keys(), (KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]))
        # a folder source of the controller's may not start running Athena with the server's AWS role either
        folder = self.source.with_user(self.controller)
        with self.assertRaises(AccessError):
            folder.write({"aggregation": "athena"})
        folder.write({"aggregation": "duckdb"})  # summed on this server: no credentials involved
        self.assertEqual(self.source.aggregation, "duckdb")

    def test_an_administrator_moving_the_results_or_the_endpoint_clears_the_keys(self):
        as_admin = self.athena.with_user(self.admin)
        as_admin.write({"athena_table": "acme_focus_v2"})  # the same service and results: keys kept
        self.assertEqual(self.keys(), (KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]))
        as_admin.write({"athena_output_location": "s3://acme-athena-results-2/"})
        self.assertEqual(self.keys(), (False, False))
        as_admin.write(KEYS)
        with fake_dns({"athena-2.example.com": PUBLIC}):
            as_admin.write({"athena_endpoint_url": "https://athena-2.example.com"})
        self.assertEqual(self.keys(), (False, False))

    def test_a_non_public_athena_endpoint_is_refused_when_saved_and_before_the_query(self):
        as_admin = self.athena.with_user(self.admin)
        for url in ("http://169.254.169.254", "http://127.0.0.1:4566", "http://10.20.0.1"):
            with (
                self.subTest(url=url),
                no_connection() as net,
                self.assertRaisesRegex(ValidationError, "Athena Endpoint URL"),
            ):
                as_admin.write({"athena_endpoint_url": url})
            self.assertEqual(net.attempts, [])
        self.assertEqual(self.athena.athena_endpoint_url, "https://athena.example.com")
        # the name resolves to a private address by the time a query would start
        with fake_dns({"athena.example.com": "10.20.0.1"}), no_connection() as net:
            with self.assertRaisesRegex(AggregationError, "athena.example.com is a private address"):
                self.athena._athena_client()
        self.assertEqual(net.attempts, [])


class _FailedQueries:
    """An Athena client whose queries fail, with the service's reason and a query id as given."""

    def __init__(self, query_id="4f1c2d3e-0000-4000-8000-000000000001"):
        self.query_id = query_id

    def start_query_execution(self, **request):
        return {"QueryExecutionId": self.query_id}

    def get_query_execution(self, QueryExecutionId):  # noqa: N803 (boto3's name)
        return {
            "QueryExecution": {
                "Status": {
                    "State": "FAILED",
                    "StateChangeReason": "SYNTAX_ERROR: internal-table-secret-3301",
                    "AthenaError": {"ErrorCategory": 2},
                }
            }
        }


@tagged("post_install", "-at_install")
class TestAthenaQueries(PlainCase):
    def test_a_failed_query_is_told_by_its_id_and_category_not_athenas_words(self):
        with pytest.raises(AggregationError) as refusal:
            run_athena(_FailedQueries(), "SELECT 1", database="billing", poll=0)
        message = str(refusal.value)
        assert "4f1c2d3e-0000-4000-8000-000000000001 failed (an error in the query or its data)" in message
        assert "internal-table-secret" not in message

    def test_a_query_id_of_another_form_is_not_kept(self):
        with pytest.raises(AggregationError, match="no query id of the expected form") as refusal:
            run_athena(_FailedQueries("<html>secret page</html>"), "SELECT 1", database="billing", poll=0)
        assert "secret page" not in str(refusal.value)

"""The API URL of a cluster with a stored Authorization header is the administrators' to set; only
public hosts are called unless the configuration allows others; failures are told without the answer."""

import sys
from datetime import date
from urllib.parse import urlsplit

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common, new_test_user, tagged

from odoo.addons.cloud_cost.tests.server_options import fake_dns, no_connection, server_options

from .allocation_api import every_day
from .common import ClusterCase

PUBLIC = "93.184.215.14"  # a public address the test's own DNS gives: never called
DAY = date(2026, 10, 1)
REBOUND = "opencost.example.com"  # resolved by the test's own DNS: to this machine when connecting


@tagged("post_install", "-at_install")
class TestUsageTargets(ClusterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,cloud_cost.group_cloud_cost_controller"
        common = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.controller = new_test_user(cls.env, login="usage_targets_controller", groups=groups, **common)
        cls.admin = new_test_user(cls.env, login="usage_targets_admin", groups=groups + ",base.group_system", **common)

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # tests block requests to names other than localhost; this one's connections reach the test's own server
        if urlsplit(request.url).hostname == REBOUND:
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def state(self, source=None):
        source = source or self.source
        source.invalidate_recordset()
        return (
            source.base_url,
            source.verify_tls,
            source.sudo().auth_header,
            len(source.message_ids),
            source.last_day,
            source.last_message,
        )

    def test_a_controller_cannot_move_a_cluster_that_sends_a_header(self):
        before = self.state()
        as_controller = self.source.with_user(self.controller)
        for values in ({"base_url": "http://opencost.example.com:9003"}, {"verify_tls": False}):
            with self.subTest(values=values), fake_dns({"opencost.example.com": PUBLIC}), no_connection():
                with self.assertRaisesRegex(AccessError, "only administrators change"):
                    as_controller.write(values)
                self.assertEqual(self.state(), before, "nothing changed")
        as_controller.write({"timeout": 20.0, "cluster": "prod-eu-1"})  # the rest is the controller's
        self.assertEqual(self.source.cluster, "prod-eu-1")
        # a cluster without a header carries nothing: its URL is the controller's, public hosts only
        plain = self.env["cloud.cost.usage.source"].with_user(self.controller).create({"name": "plain"})
        with fake_dns({"opencost.example.com": PUBLIC}):
            plain.write({"base_url": "http://opencost.example.com:9003"})
        with no_connection(), self.assertRaisesRegex(ValidationError, "a link-local address"):
            plain.write({"base_url": "http://169.254.169.254/latest/meta-data"})
        self.assertEqual(plain.base_url, "http://opencost.example.com:9003")

    def test_an_administrator_moving_the_cluster_clears_its_header(self):
        as_admin = self.source.with_user(self.admin)
        with fake_dns({"opencost.example.com": PUBLIC}):
            as_admin.write({"base_url": "http://opencost.example.com:9003"})
        self.assertFalse(self.source.sudo().auth_header)
        self.assertIn("the stored Authorization header was cleared", self.source.message_ids[0].body)
        as_admin.write({"base_url": self.api.url, "auth_header": "Bearer new"})  # given with the new URL: kept
        self.assertEqual(self.source.sudo().auth_header, "Bearer new")
        as_admin.write({"verify_tls": False})  # not where it goes: the header stays
        self.assertEqual(self.source.sudo().auth_header, "Bearer new")

    def test_non_public_api_urls_are_refused_when_saved(self):
        before = self.state()
        as_admin = self.source.with_user(self.admin)
        for url, reason in (
            ("http://127.0.0.1:1", "a loopback address"),
            ("http://localhost:9003", "loopback"),
            ("http://169.254.169.254", "a link-local address"),
            ("http://10.0.0.5:9003", "a private"),
            ("http://[fe80::1]:9003", "link-local"),
            ("http://[::ffff:10.0.0.5]", "a private"),
            ("http://opencost.opencost:9003", "a private address"),
        ):
            with self.subTest(url=url), fake_dns({"opencost.opencost": "10.96.0.12"}), no_connection() as net:
                with self.assertRaises(ValidationError) as refusal:
                    as_admin.write({"base_url": url})
                self.assertIn(reason, str(refusal.exception))
                self.assertEqual(net.attempts, [])
                self.assertEqual(self.state(), before)
        with self.assertRaisesRegex(ValidationError, "carries credentials"):
            as_admin.write({"base_url": "http://user:token@opencost.example.com"})
        with (
            server_options(cloud_cost_allowed_hosts="opencost.opencost"),
            fake_dns({"opencost.opencost": "10.96.0.12"}),
        ):
            as_admin.write({"base_url": "http://opencost.opencost:9003", "auth_header": "Bearer internal"})
        self.assertEqual(self.source.base_url, "http://opencost.opencost:9003")

    def test_the_api_url_is_checked_again_right_before_each_connection(self):
        every_day(self.api, DAY, DAY)
        self.startPatcher(server_options(cloud_cost_allowed_hosts=None))  # taken out of the configuration
        imported, failures = self.source._import_days(DAY, DAY)
        self.assertEqual(imported, [])
        self.assertIn("127.0.0.1 is a loopback address", failures[0])
        self.assertIn("(not called)", failures[0])
        self.assertEqual(self.api.calls, [], "the server received nothing, the header least of all")
        self.assertTrue(self.source.last_failed)
        self.assertIn("not called", self.source.message_ids[0].body)
        self.assertFalse(self.usage(DAY))

    def test_a_name_that_resolves_elsewhere_at_connection_time_gets_nothing_sent(self):
        """DNS rebinding: public when checked, this machine when connected. The connection made is
        checked before the request (and its header) is written on it."""
        every_day(self.api, DAY, DAY)
        port = self.api.url.rsplit(":", 1)[1]
        with fake_dns({"opencost.example.com": PUBLIC}):
            self.source.write({"base_url": f"http://opencost.example.com:{port}", "auth_header": "Bearer s3cret"})
        self.startPatcher(server_options(cloud_cost_allowed_hosts=None))

        def answer(host):
            """Public to the checks, this machine to the connection itself (urllib3 resolving to connect)."""
            if host != REBOUND:
                return None
            caller = sys._getframe(2).f_globals.get("__name__", "")
            return "127.0.0.1" if caller.startswith("urllib3") else PUBLIC

        with fake_dns(answer):
            imported, failures = self.source._import_days(DAY, DAY)
        self.assertEqual(imported, [])
        self.assertIn("opencost.example.com is a loopback address (127.0.0.1)", failures[0])
        self.assertEqual(self.api.calls, [])

    def test_redirects_are_not_followed(self):
        every_day(self.api, DAY, DAY)
        self.api.faults[DAY.isoformat()] = ["redirect"]
        imported, failures = self.source._import_days(DAY, DAY)
        self.assertEqual(imported, [])
        self.assertIn("HTTP 302 for 2026-10-01 (Found) (not retried)", failures[0])
        self.assertEqual([call["path"] for call in self.api.calls], ["/allocation"])

    def test_an_error_answer_is_told_without_its_body_or_headers(self):
        self.api.error_body = b'{"code": 500, "message": "db password is hunter2-5519"}'
        self.api.error_headers = {"X-Debug": "header-secret-8812"}
        self.api.faults[DAY.isoformat()] = ["500", "500"]
        imported, failures = self.source._import_days(DAY, DAY)
        self.assertEqual(imported, [])
        self.assertEqual(len(self.api.calls), 2)
        self.assertIn("HTTP 500 for 2026-10-01 (Internal Server Error) (after 2 attempts)", failures[0])
        for text in (failures[0], self.source.last_message, self.source.message_ids[0].body):
            self.assertNotIn("hunter2", text)
            self.assertNotIn("header-secret", text)

    def test_how_far_days_are_imported_is_written_by_imports_only(self):
        for user in (self.env.user, self.admin, self.controller):
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "set by the suite's own actions"):
                self.source.with_user(user).write({"last_day": "2030-01-01", "last_failed": False})
        self.assertFalse(self.source.last_day)
        with self.assertRaises(AccessError):
            self.env["cloud.cost.usage.source"].create({"name": "pre-filled", "last_message": "all imported"})
        every_day(self.api, DAY, DAY)
        self.source._import_days(DAY, DAY)  # an import writes it
        self.assertEqual(self.source.last_day, DAY)

"""Where a source with credentials reads is set by administrators, and only public hosts are called
unless the server configuration allows others; failed calls are told without the remote answer."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.cloud_cost_bill_import import ImportRefused
from .common_import import ImportCase
from .server_options import fake_dns, no_connection, server_options

KEYS = {"aws_access_key_id": "AKIATARGETTEST", "aws_secret_access_key": "target-secret"}
PUBLIC = "93.184.215.14"  # a public address: names resolve to it by the test's own DNS, never called


class FakeS3:
    """A local server answering every request with one S3-style error, body and headers of its own."""

    def __init__(self, status, code, message):
        self.requests = []
        fake = self
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>req-1</RequestId></Error>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                fake.requests.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("x-amz-internal-note", "header-secret-7731")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestSourceTargets(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,cloud_cost.group_cloud_cost_controller"
        common = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.controller = new_test_user(cls.env, login="targets_controller", groups=groups, **common)
        cls.admin = new_test_user(cls.env, login="targets_admin", groups=groups + ",base.group_system", **common)
        with fake_dns({"objects.example.com": PUBLIC, "other.example.com": PUBLIC}):
            cls.s3 = cls.env["cloud.cost.source"].create(
                {
                    "name": "Export bucket",
                    "company_id": cls.company.id,
                    "source_type": "s3",
                    "bill_format": "focus",
                    "s3_bucket": "acme-billing",
                    "s3_prefix": "cur2/",
                    "s3_region": "eu-west-1",
                    "s3_endpoint_url": "https://objects.example.com",
                    **KEYS,
                }
            )

    def secrets(self, source):
        source.invalidate_recordset()
        return source.sudo().aws_access_key_id, source.sudo().aws_secret_access_key

    def snapshot(self, source):
        source.invalidate_recordset()
        return (
            source.read(["location", "s3_bucket", "s3_prefix", "s3_region", "s3_endpoint_url", "source_type"])[0],
            self.secrets(source),
            len(source.message_ids),
        )

    # ------------------------------------------------------------------ who sets where credentials go
    def test_a_controller_cannot_move_a_source_with_credentials(self):
        before = self.snapshot(self.s3)
        as_controller = self.s3.with_user(self.controller)
        for values in (
            {"s3_endpoint_url": "https://other.example.com"},
            {"s3_bucket": "attacker-bucket"},
            {"s3_prefix": "elsewhere/"},
            {"s3_region": "us-east-1"},
            {"location": "s3://attacker-bucket/"},
            {"source_type": "file"},
        ):
            with self.subTest(values=values), fake_dns({"other.example.com": PUBLIC}):
                with self.assertRaisesRegex(AccessError, "only administrators set or change"):
                    as_controller.write(values)
                self.assertEqual(self.snapshot(self.s3), before, "nothing changed")
        # what says nothing about where it reads stays the controller's
        as_controller.write({"provider_name": "AWS", "interval_number": 2})
        self.assertEqual(self.s3.provider_name, "AWS")
        self.assertEqual(self.secrets(self.s3), (KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]))

    def test_a_controller_cannot_create_a_source_that_uses_the_servers_aws_identity(self):
        Source = self.env["cloud.cost.source"].with_user(self.controller)
        for values in (
            {"source_type": "s3", "s3_bucket": "acme-billing"},
            {"source_type": "file", "location": "s3://acme-billing/cur2/"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                Source.create({"name": "Mine", "company_id": self.company.id, **values})
        # a context default is no way round it either
        with self.assertRaises(AccessError):
            Source.with_context(default_source_type="s3", default_s3_bucket="acme-billing").create(
                {"name": "Mine", "company_id": self.company.id}
            )
        self.assertFalse(self.env["cloud.cost.source"].search([("name", "=", "Mine")]))
        # a folder source carries nothing: a controller makes one (below the import roots)
        folder = Source.create({"name": "Mine", "company_id": self.company.id, "location": str(self.folder)})
        folder.write({"location": str(self.folder / "2026")})
        with self.assertRaisesRegex(ValidationError, "cloud_cost_import_roots"):
            folder.write({"location": "/etc"})

    def test_an_administrator_moving_the_source_clears_its_secrets(self):
        as_admin = self.s3.with_user(self.admin)
        with fake_dns({"other.example.com": PUBLIC}):
            as_admin.write({"s3_endpoint_url": "https://other.example.com"})
        self.assertEqual(self.s3.s3_endpoint_url, "https://other.example.com")
        self.assertEqual(self.secrets(self.s3), (False, False))
        self.assertIn(
            "stored credentials (AWS Access Key ID, AWS Secret Access Key) were cleared", self.s3.message_ids[0].body
        )
        # keys given in the same write are the new target's: kept
        as_admin.write({"s3_bucket": "acme-billing-2", "aws_access_key_id": "AKIANEW", "aws_secret_access_key": "n"})
        self.assertEqual(self.secrets(self.s3), ("AKIANEW", "n"))
        as_admin.write({"s3_prefix": "cur2/"})  # the same value: nothing moved, nothing cleared
        self.assertEqual(self.secrets(self.s3), ("AKIANEW", "n"))
        as_admin.write({"s3_region": "us-east-1"})
        self.assertEqual(self.secrets(self.s3), (False, False))

    # ------------------------------------------------------------------ which hosts are called
    def test_non_public_endpoints_are_refused_when_saved(self):
        as_admin = self.s3.with_user(self.admin)
        before = self.snapshot(self.s3)
        for url, reason in (
            ("http://127.0.0.1:9000", "a loopback address"),
            ("http://localhost:4566", "loopback"),
            ("http://169.254.169.254", "a link-local address"),
            ("http://10.0.0.5", "a private address"),
            ("http://[::1]:9000", "loopback"),
            ("http://2130706433", "loopback"),
            ("http://0.0.0.0:9000", "unspecified"),
            ("http://192.168.1.20", "private"),
            ("http://100.64.0.1", "not a public address"),
            ("http://internal.example.com", "a private address"),
        ):
            with self.subTest(url=url), fake_dns({"internal.example.com": "10.1.2.3"}), no_connection() as net:
                with self.assertRaises(ValidationError) as refusal:
                    as_admin.write({"s3_endpoint_url": url})
                self.assertIn(reason, str(refusal.exception))
                self.assertIn("cloud_cost_allowed_hosts", str(refusal.exception))
                self.assertEqual(net.attempts, [])
                self.assertEqual(self.snapshot(self.s3), before)
        for url in ("file:///etc/passwd", "ftp://objects.example.com", "http://user:pw@objects.example.com"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                as_admin.write({"s3_endpoint_url": url})
        # allowed by the configuration, by host and port, or every private address
        with server_options(cloud_cost_allowed_hosts="127.0.0.1:9000"):
            as_admin.write({"s3_endpoint_url": "http://127.0.0.1:9000"})
            with self.assertRaises(ValidationError):
                as_admin.write({"s3_endpoint_url": "http://127.0.0.1:9001"})
        with server_options(cloud_cost_allow_private_targets="True"):
            as_admin.write({"s3_endpoint_url": "http://10.0.0.5"})

    def test_the_endpoint_is_checked_again_right_before_each_connection(self):
        """Saved while allowed (or while the name resolved to a public address): refused at import, unsent."""
        with server_options(cloud_cost_allowed_hosts="127.0.0.1"):
            self.s3.write({"s3_endpoint_url": "http://127.0.0.1:9000"})
        with no_connection() as net:
            self.assertIsNone(self.s3._import_and_record())
        self.assertEqual(net.attempts, [])
        self.assertEqual(self.s3.last_import_state, "failed")
        self.assertIn("127.0.0.1 is a loopback address", self.s3.last_import_message)

        # the name resolves elsewhere once saved (DNS changed)
        self.s3.write({"s3_endpoint_url": "https://objects.example.com", **KEYS})
        with fake_dns({"objects.example.com": "169.254.169.254"}), no_connection() as net:
            with self.assertRaisesRegex(ImportRefused, "objects.example.com is a link-local address"):
                self.s3._run_import()
        self.assertEqual(net.attempts, [])
        self.assertFalse(self.s3.batch_ids)

        # public when the import starts, private by the time a request is sent: refused before it is sent
        answers = iter([PUBLIC])
        with (
            fake_dns(lambda host: next(answers, "10.9.9.9") if host == "objects.example.com" else None) as dns,
            no_connection() as net,
            self.assertRaisesRegex(ImportRefused, "objects.example.com is a private address"),
        ):
            self.s3._run_import()
        self.assertGreaterEqual(len(dns.asked), 2, "checked when the store was opened and again for the request")
        self.assertEqual(net.attempts, [])

    # ------------------------------------------------------------------ what failures say
    def test_an_s3_error_is_told_without_its_body_or_headers(self):
        for code, kept in (("X-Internal-Leak", None), ("AccessDenied", "AccessDenied")):
            with self.subTest(code=code):
                fake = FakeS3(403, code, "internal-secret-body-4411")
                self.addCleanup(fake.stop)
                with server_options(cloud_cost_allowed_hosts="127.0.0.1"):
                    self.s3.write({"s3_endpoint_url": fake.url, **KEYS})
                    self.assertIsNone(self.s3._import_and_record())
                self.assertTrue(fake.requests, "the test's own server was asked")
                message = self.s3.last_import_message
                self.assertIn("cannot list objects: HTTP 403 (Forbidden)", message)
                chatter = self.s3.message_ids[0].body
                for text in (message, chatter):
                    self.assertNotIn("internal-secret-body", text)
                    self.assertNotIn("header-secret", text)
                    self.assertNotIn("X-Internal-Leak", text)
                    self.assertNotIn("req-1", text)
                if kept:
                    self.assertIn(kept, message)

    # ------------------------------------------------------------------ the last import's record
    def test_the_last_import_fields_are_written_by_imports_only(self):
        for user in (self.env.user, self.admin, self.controller):
            with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "set by the suite's own actions"):
                self.s3.with_user(user).write({"last_import_state": "done", "last_import_message": "all fine"})
        self.assertFalse(self.s3.last_import_state)
        with self.assertRaises(AccessError):
            self.env["cloud.cost.source"].create(
                {"name": "Pre-filled", "company_id": self.company.id, "last_import_state": "done"}
            )
        self.source._import_and_record()  # an import writes it
        self.assertEqual(self.source.last_import_state, "unchanged")

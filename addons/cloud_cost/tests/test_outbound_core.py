"""The plain-Python rules of where sources may read and call: import roots, target addresses, files per run."""

import os
from datetime import datetime, timezone

import pytest

from odoo.tests import tagged

from ..core.bill_stores import ImportUnit, StoredObject, bound_units
from ..core.outbound import TargetPolicy, TargetRefused, check_url, describe_boto_error, non_public_reason
from ..core.server_paths import PathRefused, check_path, parse_max_files, parse_roots
from .plain import PlainCase, parametrize


def public(host, port):
    return ["93.184.215.14"]


def _unit(*names, manifest=None):
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    files = [StoredObject(key=name, size=1, modified=now) for name in names]
    return ImportUnit(files=files, manifest=StoredObject(key=manifest, size=1, modified=now) if manifest else None)


@tagged("post_install", "-at_install")
class TestOutboundCore(PlainCase):
    @parametrize(
        ("address", "reason"),
        [
            ("127.0.0.1", "loopback"),
            ("127.8.8.8", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.0.1", "private"),
            ("fd00::1", "private"),
            ("0.0.0.0", "unspecified"),
            ("100.64.0.1", "not a public address"),
            ("224.0.0.1", "multicast"),
            ("240.0.0.1", "reserved"),
        ],
    )
    def test_non_public_addresses(self, address, reason):
        assert reason in non_public_reason(address)

    @parametrize("address", ["93.184.215.14", "52.219.0.1", "2606:4700::1111"])
    def test_public_addresses(self, address):
        assert non_public_reason(address) is None

    def test_allowed_hosts_by_name_address_and_port(self):
        policy = TargetPolicy.from_options("opencost.opencost, 127.0.0.1:9000, [::1]:9001", "")
        check_url("http://opencost.opencost:9003/", policy, resolver=lambda h, p: ["10.96.0.10"])
        check_url("http://127.0.0.1:9000", policy)
        check_url("http://[::1]:9001", policy)
        with pytest.raises(TargetRefused, match="127.0.0.1 is a loopback address"):
            check_url("http://127.0.0.1:9002", policy)
        with pytest.raises(TargetRefused, match="a private address"):
            check_url("http://other.opencost:9003", policy, resolver=lambda h, p: ["10.96.0.11"])
        # one private address among a name's answers is enough to refuse it
        with pytest.raises(TargetRefused, match="10.0.0.1"):
            check_url("https://mixed.example.com", TargetPolicy(), resolver=lambda h, p: ["93.184.215.14", "10.0.0.1"])
        check_url("http://10.0.0.1", TargetPolicy.from_options("", "True"))
        with pytest.raises(TargetRefused, match="no valid port"):
            TargetPolicy.from_options("host:port", "")

    def test_names_that_do_not_resolve_pass_when_saved_only(self):
        def nowhere(host, port):
            raise OSError("no such name")

        check_url("https://opencost.example.com", TargetPolicy(), resolver=nowhere, unresolved_ok=True)
        with pytest.raises(TargetRefused, match="does not resolve"):
            check_url("https://opencost.example.com", TargetPolicy(), resolver=nowhere)

    @parametrize(
        ("url", "message"),
        [
            ("ftp://example.com", "only http"),
            ("file:///etc/passwd", "only http"),
            ("opencost:9003", "only http"),
            ("http://user:secret@example.com", "carries credentials"),
            ("http://", "names no host"),
            ("http://example.com:99999", "not a valid URL"),
        ],
    )
    def test_urls_that_are_not_called(self, url, message):
        with pytest.raises(TargetRefused, match=message) as refusal:
            check_url(url, TargetPolicy(), resolver=public)
        assert "secret" not in str(refusal.value)

    def test_aws_errors_keep_the_status_and_a_documented_code_only(self):
        class ClientError(Exception):
            def __init__(self, code):
                self.response = {
                    "Error": {"Code": code, "Message": "bucket policy of 111111111111: deny"},
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                }

        assert describe_boto_error(ClientError("AccessDenied")) == "HTTP 403 (Forbidden), AccessDenied"
        assert describe_boto_error(ClientError("<script>")) == "HTTP 403 (Forbidden)"

        class ResponseParserError(Exception):
            pass

        assert (
            describe_boto_error(ResponseParserError("raw body b'<html>intranet</html>'"))
            == "the answer could not be read"
        )

    def test_roots_and_paths(self):
        tmp_path = self.make_tmp_path()
        root = tmp_path / "bills"
        (root / "aws").mkdir(parents=True)
        roots = parse_roots(f" {root} ,, {root}/aws ")
        assert roots == (str(root), str(root / "aws"))
        assert check_path(str(root / "aws" / ".." / "x.csv"), roots) == str(root / "x.csv")
        with pytest.raises(PathRefused, match="not below an import directory"):
            check_path(str(root / ".." / "bills-other"), roots)
        # a sibling whose name starts like the root is not below it
        with pytest.raises(PathRefused):
            check_path(f"{root}-2026/x.csv", roots)
        os.symlink(tmp_path, root / "up")
        with pytest.raises(PathRefused, match="up/passwd: not below"):
            check_path(str(root / "up" / "passwd"), roots)
        with pytest.raises(PathRefused, match="no import directory is configured"):
            check_path(str(root), ())
        with pytest.raises(PathRefused, match="not an absolute path"):
            parse_roots("bills")

    def test_max_files_option(self):
        assert parse_max_files(None) == 1000
        assert parse_max_files(" 25 ") == 25
        for bad in ("0", "-3", "many"):
            with pytest.raises(ValueError, match="cloud_cost_max_files_per_run"):
                parse_max_files(bad)

    def test_bound_takes_new_units_first_and_never_splits_one(self):
        old, new, export, huge = (
            _unit("old.csv"),
            _unit("new.csv"),
            _unit("p1", "p2", manifest="m.json"),
            _unit(*[f"h{n}" for n in range(5)], manifest="huge.json"),
        )
        taken, left, notes = bound_units([old, export, new, huge], 3, known=lambda unit: unit is old)
        assert taken == [export, new]
        assert left == [huge, old]
        assert notes == [
            "huge.json: 5 files, more than the 3 read per run (server option cloud_cost_max_files_per_run): "
            "not imported",
            "1 file(s) imported before not checked again in this run, at most 3 read per run "
            "(server option cloud_cost_max_files_per_run)",
        ]
        taken, left, notes = bound_units([new, old], 1)
        assert (taken, left) == ([new], [old])
        assert "1 file(s) left for the next run, at most 1 read per run" in notes[0] and notes[0].endswith("old.csv")

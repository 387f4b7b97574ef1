"""Which errors are tried again: plain functions over real exception chains."""

import botocore.exceptions
import requests

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase, parametrize

from ..core.transient import transient_cause


def raised_from(outer, inner):
    """``outer`` raised from ``inner``, as an import catches it."""
    try:
        try:
            raise inner
        except Exception as cause:  # noqa: BLE001
            raise outer from cause
    except Exception as caught:  # noqa: BLE001
        return caught


def client_error(code, status):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "ListObjectsV2"
    )


@tagged("post_install", "-at_install")
class TestTransient(PlainCase):
    @parametrize(
        "error",
        [
            botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            botocore.exceptions.ReadTimeoutError(endpoint_url="http://s3"),
            client_error("SlowDown", 503),
            client_error("ThrottlingException", 400),
            client_error("InternalError", 500),
            requests.ConnectionError("connection refused"),
            requests.Timeout("read timed out"),
            ConnectionResetError(104, "reset by peer"),
            TimeoutError("timed out"),
        ],
    )
    def test_outages_throttling_and_server_errors_are_tried_again(self, error):
        wrapped = raised_from(ValueError("import refused: s3://bucket: cannot list objects"), error)
        assert transient_cause(wrapped) is error

    @parametrize(
        "error",
        [
            client_error("NoSuchBucket", 404),
            client_error("AccessDenied", 403),
            client_error("InvalidAccessKeyId", 403),
            botocore.exceptions.NoCredentialsError(),
            FileNotFoundError(2, "No such file"),
            PermissionError(13, "Permission denied"),
            ValueError("row 12, column BilledCost: not a number"),
        ],
    )
    def test_bad_input_and_refused_access_are_not(self, error):
        assert transient_cause(raised_from(ValueError("import refused"), error)) is None

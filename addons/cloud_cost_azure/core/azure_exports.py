"""Azure Cost Management exports in a storage account: the blobs of a container, and the runs of an export.

Cost Management writes each run of an export below
``<root folder>/<export name>/<YYYYMMDD-YYYYMMDD>/<run id>/``: the data as partitioned blobs
(``part_0_0001.csv``, ``part_1_0001.parquet``...) and a ``manifest.json`` listing them with their
byte and row counts, the run's date range, the export's type and data version. Azure re-exports the
open month every day and restates closed ones, each time as a new run (a new run id) or over the
old one.

Only the blobs of a complete run are imported: per export and month, the newest run by its
submission time; every blob it lists must be there with the size it gives, and each must hold the
rows it gives (checked while it is read). Anything else refuses the import, naming the manifest and
the blob. No ORM here.
"""

import json
import logging
import posixpath
import tempfile
from dataclasses import dataclass, field

from odoo.addons.cloud_cost.core import outbound
from odoo.addons.cloud_cost.core.bill_formats import BillFormatError
from odoo.addons.cloud_cost.core.bill_stores import (
    SPOOL_MEMORY_BYTES,
    ImportUnit,
    StoredObject,
    StoreError,
)

# azure-core logs every request and answer at INFO: a run reads many blobs, failures are reported on the source
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

MANIFEST_NAME = "manifest.json"
# pauses of about 2, 5 and 11 seconds between the tries of a request
RETRY = {"initial_backoff": 2, "increment_base": 3, "retry_total": 3}
DEFAULT_ENDPOINT = "https://{account}.blob.core.windows.net"
# error codes Azure Storage documents: kept in messages, being words of this list, not the service's answer
KNOWN_AZURE_CODES = frozenset(
    {
        "AuthenticationFailed",
        "AuthorizationFailure",
        "AuthorizationPermissionMismatch",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch",
        "AccountIsDisabled",
        "BlobNotFound",
        "ContainerNotFound",
        "ContainerBeingDeleted",
        "InsufficientAccountPermissions",
        "InternalError",
        "InvalidAuthenticationInfo",
        "InvalidQueryParameterValue",
        "OperationTimedOut",
        "ResourceNotFound",
        "ServerBusy",
        "NoAuthenticationInformation",
    }
)


def parse_azure_uri(uri):
    """azure://<account>/<container>/<path> -> (account, container, path)."""
    text = (uri or "").strip()
    if not text.startswith("azure://"):
        raise StoreError(f"{text}: not an azure:// address")
    account, _sep, rest = text[len("azure://") :].partition("/")
    container, _sep, path = rest.partition("/")
    if not account or not container:
        raise StoreError(f"{text}: name the storage account and the container (azure://account/container/path)")
    return account, container, path.lstrip("/")


def connection_string_endpoint(connection_string):
    """The blob endpoint a connection string sends to (BlobEndpoint, or the account's default one)."""
    parts = {}
    for item in (connection_string or "").split(";"):
        key, sep, value = item.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    if parts.get("blobendpoint"):
        return parts["blobendpoint"]
    account = parts.get("accountname")
    if not account:
        return None
    protocol = parts.get("defaultendpointsprotocol", "https")
    suffix = parts.get("endpointsuffix", "core.windows.net")
    return f"{protocol}://{account}.blob.{suffix}"


def describe_azure_error(error):
    """Status and documented error code of an azure-core error, never the service's own message."""
    if isinstance(error, outbound.TargetRefused):
        return str(error)
    status = getattr(error, "status_code", None)
    if status:
        parts = [outbound.http_reason(status)]
        code = getattr(error, "error_code", None)
        code = str(getattr(code, "value", code) or "")
        if code in KNOWN_AZURE_CODES:
            parts.append(code)
        return ", ".join(parts)
    name = error.__class__.__name__
    for marker, reason in (
        ("ClientAuthentication", "the credentials were not accepted"),
        (
            "CredentialUnavailable",
            "no Azure credentials (a connection string, SAS token or service principal on "
            "the source, or the server's managed identity)",
        ),
        ("ServiceRequestTimeout", "no connection within the timeout"),
        ("ServiceResponseTimeout", "no answer within the timeout"),
        ("ServiceRequest", "cannot connect to the storage account"),
        ("ServiceResponse", "the connection broke"),
        ("DecodeError", "the answer could not be read"),
    ):
        if marker in name:
            return reason
    return f"the call failed ({name})"


@dataclass
class ExportBlob(StoredObject):
    """A blob of an export run, with what its manifest says of it."""

    expected_size: int = None
    expected_rows: int = None


@dataclass
class ExportRun:
    manifest_key: str
    export_name: str
    run_id: str
    billing_period: str  # 'YYYY-MM'
    submitted: str
    data_version: str
    export_type: str
    blob_count: int
    row_count: int
    blobs: list = field(default_factory=list)  # (blob name, bytes, rows)


def _int(value, *, file, column):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BillFormatError(f"not a count: {value!r}", file=file, column=column) from None
    if number < 0:
        raise BillFormatError(f"not a count: {value!r}", file=file, column=column)
    return number


def parse_run_manifest(data, *, file_name):
    """An export run's manifest.json (Cost Management exports, manifest versions 2023 and 2024)."""
    try:
        manifest = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BillFormatError(f"not a JSON manifest: {error}", file=file_name) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("blobs"), list):
        raise BillFormatError("no list of blobs: not a Cost Management export manifest", file=file_name)
    config = manifest.get("exportConfig") or {}
    run = manifest.get("runInfo") or {}
    start = str(run.get("startDate") or "")
    if len(start) < 7 or not start[:4].isdigit() or not start[5:7].isdigit():
        raise BillFormatError(f"run start date not understood: {start!r}", file=file_name, column="runInfo.startDate")
    blobs = []
    for index, blob in enumerate(manifest["blobs"], 1):
        if not isinstance(blob, dict) or not blob.get("blobName"):
            raise BillFormatError("a blob without a name", file=file_name, row=index, column="blobs")
        blobs.append(
            (
                str(blob["blobName"]),
                _int(blob.get("byteCount"), file=file_name, column=f"blobs[{index}].byteCount"),
                _int(blob.get("dataRowCount"), file=file_name, column=f"blobs[{index}].dataRowCount"),
            )
        )
    return ExportRun(
        manifest_key=file_name,
        export_name=str(config.get("exportName") or ""),
        run_id=str(run.get("runId") or ""),
        billing_period=start[:7],
        submitted=str(run.get("submittedTime") or ""),
        data_version=str(config.get("dataVersion") or ""),
        export_type=str(config.get("type") or ""),
        blob_count=_int(manifest.get("blobCount", len(blobs)), file=file_name, column="blobCount"),
        row_count=_int(manifest.get("dataRowCount", sum(b[2] for b in blobs)), file=file_name, column="dataRowCount"),
        blobs=blobs,
    )


class AzureBlobStore:
    """Blobs below a path of a container, through an azure-storage-blob ContainerClient."""

    given_files = False

    def __init__(self, container_client, account, container, prefix=""):
        self.client = container_client
        self.account = account
        self.container = container
        self.prefix = (prefix or "").lstrip("/")

    def __str__(self):
        return f"azure://{self.account}/{self.container}/{self.prefix}"

    def list(self):
        try:
            objects = [
                ExportBlob(key=blob.name, size=blob.size, modified=blob.last_modified, store=self)
                for blob in self.client.list_blobs(name_starts_with=self.prefix or None)
                if not blob.name.endswith("/")
            ]
        except Exception as error:  # azure.core.exceptions.AzureError, TargetRefused
            raise StoreError(f"{self}: cannot list blobs: {describe_azure_error(error)}") from error
        return sorted(objects, key=lambda o: o.key)

    def open(self, key, offset=None, length=None):
        """The blob downloaded a piece at a time into a temporary file (in memory while it is small)."""
        spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES)  # noqa: SIM115 (closed by the caller)
        try:
            downloader = self.client.download_blob(key, offset=offset, length=length)
            for piece in downloader.chunks():
                spool.write(piece)
        except Exception as error:
            spool.close()
            raise StoreError(
                f"azure://{self.account}/{self.container}/{key}: cannot read: " f"{describe_azure_error(error)}",
                file=key,
            ) from error
        spool.seek(0)
        return spool

    def read(self, key):  # pylint: disable=method-required-super
        with self.open(key) as stream:
            return stream.read()

    def head(self, key, size):
        with self.open(key, offset=0, length=size) as stream:
            return stream.read()

    def resolve(self, reference, manifest_key):
        """The key of a blob a manifest names: a path in the container (with or without it in front)."""
        name = reference.split("://", 1)[1].split("/", 1)[-1] if "://" in reference else reference
        name = name.lstrip("/")
        if name.startswith(f"{self.container}/") and not name.startswith(self.prefix or "\0"):
            name = name[len(self.container) + 1 :]
        return name


def plan_runs(store, objects=None):
    """Import units of a store holding Cost Management exports, and notes on the runs left aside.

    One unit per export and month: its newest run. A run whose manifest lists a blob that is not
    there, or is there with another size, refuses the whole import (StoreError naming both), as
    does a store with blobs and no manifest.
    """
    objects = store.list() if objects is None else objects
    by_key = {o.key: o for o in objects}
    manifests = [o for o in objects if posixpath.basename(o.key).lower() == MANIFEST_NAME]
    if not manifests:
        if objects:
            raise StoreError(
                f"{store}: no Cost Management export manifest ({MANIFEST_NAME}) found: "
                "the export has not finished a run, or the path is not an export's folder"
            )
        return [], [f"{store}: no blobs"]
    newest, notes = {}, []
    for obj in manifests:
        data = obj.read()
        run = parse_run_manifest(data, file_name=obj.key)
        key = (run.export_name, run.billing_period)
        current = newest.get(key)
        if current is None or (run.submitted, obj.modified) > (current[1].submitted, current[0].modified):
            if current is not None:
                notes.append(f"{current[0].key}: an earlier run of {run.billing_period}, superseded by {obj.key}")
            newest[key] = (obj, run, data)
        else:
            notes.append(f"{obj.key}: an earlier run of {run.billing_period}, superseded by {current[0].key}")
    units = []
    for key in sorted(newest):
        obj, run, data = newest[key]
        if run.blob_count != len(run.blobs):
            raise StoreError(
                f"{obj.key}: an incomplete run: the manifest counts {run.blob_count} blob(s) and "
                f"lists {len(run.blobs)}",
                file=obj.key,
            )
        files = []
        for name, size, rows in run.blobs:
            found = by_key.get(name.lstrip("/")) or by_key.get(store.resolve(name, obj.key))
            if found is None:
                raise StoreError(f"{obj.key}: an incomplete run: lists {name}, which is not in {store}", file=obj.key)
            if found.size != size:
                raise StoreError(
                    f"{name}: {found.size} bytes, the run's manifest {obj.key} says {size}: "
                    "the blob changed since the run wrote it",
                    file=name,
                )
            found.expected_size, found.expected_rows = size, rows
            files.append(found)
        if not files:
            notes.append(f"{obj.key}: lists no blob for {run.billing_period}")
            continue
        units.append(ImportUnit(files=files, manifest=obj, manifest_data=data, billing_period=run.billing_period))
    return units, notes


def container_client(
    account,
    container,
    *,
    endpoint_url=None,
    connection_string=None,
    sas_token=None,
    tenant_id=None,
    client_id=None,
    client_secret=None,
    policy=None,
):
    """A ContainerClient with the first credentials given: a connection string, a SAS token, a service
    principal (tenant, client id and secret), else the server's own identity (managed identity, or
    the AZURE_* environment) through azure-identity's default chain.

    With ``policy`` (core.outbound.TargetPolicy), every request of the client and of its credential goes
    through a session that checks the URL and the connected address before anything is sent.
    """
    from azure.core.pipeline.transport import RequestsTransport  # noqa: PLC0415
    from azure.storage.blob import ContainerClient  # noqa: PLC0415

    def transport():
        if policy is None:
            return RequestsTransport()
        return RequestsTransport(session=outbound.checked_session(policy), session_owner=True)

    from azure.storage.blob import ExponentialRetry  # noqa: PLC0415

    # transient answers (503, 500, timeouts, a refused connection) are tried again with a growing pause
    options = {
        "transport": transport(),
        "retry_policy": ExponentialRetry(**RETRY),
        "connection_timeout": 20,
        "read_timeout": 120,
    }
    if connection_string:
        return ContainerClient.from_connection_string(connection_string, container, **options)
    url = (endpoint_url or DEFAULT_ENDPOINT.format(account=account)).rstrip("/")
    if sas_token:
        credential = sas_token.strip().lstrip("?")
    elif client_id and client_secret:
        from azure.identity import ClientSecretCredential  # noqa: PLC0415

        credential = ClientSecretCredential(
            tenant_id or "organizations", client_id, client_secret, transport=transport()
        )
    else:
        from azure.identity import DefaultAzureCredential  # noqa: PLC0415

        # the server's own identity: the managed identity endpoint is link-local by design, so its token
        # requests are not sent through the checked session (nothing the source holds chooses where they go)
        credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return ContainerClient(url, container, credential=credential, **options)

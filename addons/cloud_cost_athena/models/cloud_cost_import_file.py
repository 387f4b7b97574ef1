import contextlib
import hashlib
import shutil
import tempfile
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.cloud_cost.core import outbound
from odoo.addons.cloud_cost.core.bill_stores import LocalStore, S3Store, StoreError

PIECE = 1 << 20


class SummedRowsRefused(UserError):
    """The rows of a summed cost line cannot be listed: the bill file is gone, changed or unreadable."""


class CloudCostImportFile(models.Model):
    _inherit = "cloud.cost.import.file"

    kind = fields.Selection(selection_add=[("summed", "Bill data summed")], ondelete={"summed": "cascade"})
    # an object Athena summed in S3 is not fetched: its checksum is the one S3 keeps (ETag), with its version
    sha256 = fields.Char(
        required=False,
        help="SHA-256 of the file's bytes; for a file Athena summed in S3 "
        "without fetching it: empty, its S3 ETag and version are kept instead.",
    )
    etag = fields.Char("S3 ETag", readonly=True, help="The S3 object's ETag when the import read it.")
    version_id = fields.Char(
        "S3 Version",
        readonly=True,
        help="The S3 object's VersionId when its bucket keeps versions: the very bytes summed.",
    )
    location = fields.Char(readonly=True, help="The folder or S3 prefix the file was read from.")

    @contextlib.contextmanager
    def _fetch_summed_copy(self):
        """A copy of this summed bill file, fetched from where the import read it (the source's folder or
        bucket, at the version recorded), checked against the checksum recorded then: (local path,
        {"sha256", "etag", "version_id", "size"} of what was fetched). Refused (SummedRowsRefused) when the
        file changed since import or cannot be fetched."""
        self.ensure_one()
        file = self.sudo()
        source = file.batch_id.source_id
        folder = Path(tempfile.mkdtemp(prefix="cloudcost-bill-rows-"))
        try:
            # the copy is read as the file was summed: CSV as CSV, else Parquet
            path = folder / ("bill.csv" if file.name.lower().endswith(".csv") else "bill.parquet")
            try:
                store = source._store(file.location or None)
                fetched = file._fetch_from_store(store, path)
            except (StoreError, OSError) as error:
                why = error.strerror if isinstance(error, OSError) else str(error)
                raise SummedRowsRefused(
                    _("%(file)s cannot be fetched to list its rows: %(error)s", file=file.name, error=why)
                ) from None
            file._check_fetched(fetched)
            yield path, fetched
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _fetch_from_store(self, store, path):
        """This file's bytes copied from ``store`` to ``path``: {"sha256", "size", "etag", "version_id"}."""
        if isinstance(store, S3Store):
            return self._fetch_s3(store, path)
        if isinstance(store, LocalStore):
            with open(store.real_path(self.name), "rb") as stream:
                return {**_copy(stream, path), "etag": None, "version_id": None}
        raise StoreError(_("no folder or bucket to read it from"))

    def _fetch_s3(self, store, path):
        bucket, key = store._split(self.name)
        request = {"Bucket": bucket, "Key": key}
        if self.version_id:
            request["VersionId"] = self.version_id  # the very version summed, even if overwritten since
        try:
            response = store.client.get_object(**request)
            body = response["Body"]
            try:
                copied = _copy(body, path)
            finally:
                body.close()
        except (BotoCoreError, ClientError, outbound.TargetRefused) as error:
            raise StoreError(outbound.describe_boto_error(error)) from error
        version = response.get("VersionId")
        return {**copied, "etag": response.get("ETag"), "version_id": version if version != "null" else None}

    def _check_fetched(self, fetched):
        recorded, found = [], []
        if self.sha256:
            recorded.append(("SHA-256", self.sha256))
            found.append(("SHA-256", fetched["sha256"]))
        if self.etag:
            recorded.append(("ETag", self.etag))
            found.append(("ETag", fetched["etag"]))
        if self.version_id:
            recorded.append(("version", self.version_id))
            found.append(("version", fetched["version_id"]))
        recorded.append(("size", self.size))
        found.append(("size", fetched["size"]))
        if len(recorded) == 1:
            raise SummedRowsRefused(_("%s: no checksum was recorded at import.", self.name))
        if recorded != found:
            changed = "; ".join(
                f"{what} {then or '-'} at import, {now or '-'} now"
                for (what, then), (_what, now) in zip(recorded, found, strict=True)
                if then != now
            )
            raise SummedRowsRefused(
                _(
                    "%(file)s: the bill file changed since import (%(changed)s): its rows are " "not listed.",
                    file=self.name,
                    changed=changed,
                )
            )


def _copy(stream, path):
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        while piece := stream.read(PIECE):
            out.write(piece)
            digest.update(piece)
            size += len(piece)
    return {"sha256": digest.hexdigest(), "size": size}

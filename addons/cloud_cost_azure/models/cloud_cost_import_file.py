from odoo import models

from odoo.addons.cloud_cost.core.bill_stores import StoreError
from odoo.addons.cloud_cost_athena.models.cloud_cost_import_file import _copy

from ..core.azure_exports import AzureBlobStore, describe_azure_error


class CloudCostImportFile(models.Model):
    _inherit = "cloud.cost.import.file"

    def _fetch_from_store(self, store, path):
        """A blob DuckDB summed in place, downloaded (at the version summed, where the account keeps versions)
        with its ETag, for the trace to compare with the one recorded at import."""
        if not isinstance(store, AzureBlobStore):
            return super()._fetch_from_store(store, path)
        try:
            blob = store.client.get_blob_client(self.name)
            downloader = blob.download_blob(version_id=self.version_id or None)
            properties = downloader.properties

            class Pieces:
                def __init__(self, chunks):
                    self.chunks, self.rest = chunks, b""

                def read(self, size):  # pylint: disable=method-required-super
                    while len(self.rest) < size:
                        piece = next(self.chunks, None)
                        if piece is None:
                            break
                        self.rest += piece
                    data, self.rest = self.rest[:size], self.rest[size:]
                    return data

            copied = _copy(Pieces(iter(downloader.chunks())), path)
        except Exception as error:  # azure.core.exceptions.AzureError, TargetRefused
            raise StoreError(describe_azure_error(error)) from error
        return {**copied, "etag": properties.etag, "version_id": getattr(properties, "version_id", None) or None}

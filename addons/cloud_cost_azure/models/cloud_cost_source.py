from odoo import _, api, fields, models

from odoo.addons.cloud_cost.core import bill_formats, outbound
from odoo.addons.cloud_cost.core.bill_stores import StoreError
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused, describe_error
from odoo.addons.cloud_cost.models.cloud_cost_source import server_policy

from ..core.azure_exports import (
    DEFAULT_ENDPOINT,
    AzureBlobStore,
    connection_string_endpoint,
    container_client,
    parse_azure_uri,
    plan_runs,
)

AZURE_SECRETS = ("azure_connection_string", "azure_sas_token", "azure_client_secret")


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    source_type = fields.Selection(
        selection_add=[("azure_blob", "Azure Blob Storage export")], ondelete={"azure_blob": "set default"}
    )
    azure_endpoint_url = fields.Char(
        "Blob Endpoint URL",
        tracking=True,
        help="Empty: https://<account>.blob.core.windows.net, the account named by the location "
        "(azure://<account>/<container>/<export folder>). Only for sovereign clouds and emulators.",
    )
    azure_connection_string = fields.Char(
        "Connection String",
        groups="base.group_system",
        copy=False,
        help="The storage account's connection string (its key gives full access: prefer a SAS token "
        "or a service principal with the Storage Blob Data Reader role).",
    )
    azure_sas_token = fields.Char(
        "SAS Token",
        groups="base.group_system",
        copy=False,
        help="A container SAS with Read and List permissions.",
    )
    azure_tenant_id = fields.Char("Tenant ID", groups="base.group_system", copy=False)
    azure_client_id = fields.Char(
        "Client ID",
        groups="base.group_system",
        copy=False,
        help="A service principal with the Storage Blob Data Reader role on the container. Empty (and no "
        "connection string or SAS token): the server's own identity (managed identity, AZURE_* environment).",
    )
    azure_client_secret = fields.Char("Client Secret", groups="base.group_system", copy=False)

    # ------------------------------------------------------------------ credentials and targets
    @api.model
    def _target_field_names(self):
        return super()._target_field_names() | {"azure_endpoint_url"}

    @api.model
    def _admin_field_names(self):
        return super()._admin_field_names() | {"azure_tenant_id", "azure_client_id"}

    @api.model
    def _secret_field_names(self):
        return super()._secret_field_names() | set(AZURE_SECRETS)

    @api.model
    def _is_azure(self, values):
        return values.get("source_type") == "azure_blob" or (values.get("location") or "").strip().startswith(
            "azure://"
        )

    @api.model
    def _carries_credentials(self, values):
        # without secrets of its own, an Azure source calls with the server's managed identity
        return super()._carries_credentials(values) or self._is_azure(values)

    @api.model
    def _target_urls(self, values):
        urls = super()._target_urls(values) + [("azure_endpoint_url", values.get("azure_endpoint_url"))]
        if values.get("azure_connection_string"):
            urls.append(("azure_connection_string", connection_string_endpoint(values["azure_connection_string"])))
        return urls

    @api.model
    def _check_server_path(self, location):
        if (location or "").strip().startswith("azure://"):
            return  # a storage account, not a path of the server
        return super()._check_server_path(location)

    @api.model
    def _location_source_type(self, location):
        if (location or "").strip().startswith("azure://"):
            return "azure_blob"
        return super()._location_source_type(location)

    @api.model
    def _scheduled_source_types(self):
        return super()._scheduled_source_types() + ["azure_blob"]

    # ------------------------------------------------------------------ import
    def _azure_store(self, location):
        self.ensure_one()
        if not location:
            raise StoreError(_("Source %(name)s names no azure://<account>/<container>/<path>.", name=self.name))
        account, container, prefix = parse_azure_uri(location)
        secrets = self.sudo()
        endpoint = (
            connection_string_endpoint(secrets.azure_connection_string)
            if secrets.azure_connection_string
            else self.azure_endpoint_url or DEFAULT_ENDPOINT.format(account=account)
        )
        try:
            policy = server_policy()
            outbound.check_url(endpoint, policy)  # again before any call: the name may resolve elsewhere by now
        except outbound.TargetRefused as error:
            raise StoreError(str(error)) from None
        client = container_client(
            account,
            container,
            endpoint_url=self.azure_endpoint_url,
            connection_string=secrets.azure_connection_string,
            sas_token=secrets.azure_sas_token,
            tenant_id=secrets.azure_tenant_id,
            client_id=secrets.azure_client_id,
            client_secret=secrets.azure_client_secret,
            policy=policy,
        )
        return AzureBlobStore(client, account, container, prefix)

    def _store(self, location=None, extra_roots=()):
        self.ensure_one()
        location = (location or self.location or "").strip()
        if location.startswith("azure://") or (self.source_type == "azure_blob" and not location.startswith("s3://")):
            return self._azure_store(location)
        return super()._store(location, extra_roots)

    def _import_store(self, store, bounded=False):
        """An export's runs: the newest complete run of each month, read by its manifest (core.azure_exports)."""
        if not isinstance(store, AzureBlobStore):
            return super()._import_store(store, bounded=bounded)
        self.ensure_one()
        importer = self.env["cloud.cost.bill.import"]
        try:
            units, notes = plan_runs(store)
            units, imported = importer._split_imported_manifests(self, units)
            units, bound_notes = self._bounded_units(units)
        except (StoreError, bill_formats.BillFormatError) as error:
            raise ImportRefused(describe_error(error)) from error
        result = importer._import_units(self, units, notes=notes + bound_notes)
        result.unchanged[:0] = imported
        return result

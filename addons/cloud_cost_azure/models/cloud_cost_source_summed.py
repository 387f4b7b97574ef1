import posixpath

from odoo import _, models

from odoo.addons.cloud_cost.core.bill_stores import ImportUnit, MemoryStore
from odoo.addons.cloud_cost_athena.core.aggregation import (
    AggregationError,
    build_query,
    result_to_focus_csv,
    rows_per_file,
)
from odoo.addons.cloud_cost_athena.core.bill_rows import Grouping
from odoo.addons.cloud_cost_athena.core.engines import run_duckdb

from ..core import azure_duckdb
from ..core.azure_exports import AzureBlobStore, connection_string_endpoint, describe_azure_error, parse_run_manifest


# the summed import of export runs, kept apart from reading them row by row
class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"  # pylint: disable=consider-merging-classes-inherited

    def _aggregate_unit(self, unit, rule_specs):
        """A complete export run summed by DuckDB where its blobs lie (its Azure extension reads them in place):
        the blobs are named by their ETag and size before and after the query, which must not differ, and
        each must hold the rows its manifest counts."""
        store = unit.files[0].store if unit.files else None
        if not isinstance(store, AzureBlobStore):
            return super()._aggregate_unit(unit, rule_specs)
        self.ensure_one()
        if self.aggregation != "duckdb":
            raise AggregationError(_("%s: Azure exports are summed by DuckDB, not by Athena.", self.name))
        run = parse_run_manifest(unit.manifest_data, file_name=unit.manifest.key)
        layout = azure_duckdb.layout_name(run.export_type)
        paths = {obj.key: obj for obj in unit.files}
        reader = azure_duckdb.reader(paths)
        database, table = "cloudcost", "bills"
        aggregation = build_query(layout, database=database, table=table, files=sorted(paths), rule_specs=rule_specs)
        secrets = self.sudo()
        secret = azure_duckdb.secret_sql(
            account=store.account,
            endpoint=(
                connection_string_endpoint(secrets.azure_connection_string)
                if secrets.azure_connection_string
                else store.client.url.rsplit("/", 1)[0]
            ),
            connection_string=secrets.azure_connection_string,
            sas_token=secrets.azure_sas_token,
            tenant_id=secrets.azure_tenant_id,
            client_id=secrets.azure_client_id,
            client_secret=secrets.azure_client_secret,
        )
        before = self._azure_blob_facts(store, paths)
        urls = {key: azure_duckdb.blob_url(store.container, key) for key in paths}
        result = run_duckdb(
            aggregation.sql, urls, database=database, table=table, reader=reader, prepare=azure_duckdb.preparer(secret)
        )
        # what DuckDB read is named by the blobs' ETags: they must be what the blobs were before
        originals = self._azure_blob_facts(store, paths)
        self._check_unchanged(before, originals)
        name = f"aggregated/BILLING_PERIOD={unit.billing_period}/{result.engine}-{posixpath.basename(unit.label)}.csv"
        data, source_rows = result_to_focus_csv(aggregation, result.columns, result.rows, file=name)
        per_file = rows_per_file(result.columns, result.rows)
        for key, obj in paths.items():
            rows = per_file.get(key, 0)
            if obj.expected_rows is not None and rows != obj.expected_rows:
                raise AggregationError(
                    _(
                        "%(blob)s: %(rows)s row(s) summed, the export run's manifest says "
                        "%(expected)s: the blob changed since the run wrote it",
                        blob=key,
                        rows=rows,
                        expected=obj.expected_rows,
                    ),
                    file=key,
                )
            originals[key]["row_count"] = rows
        summed = MemoryStore({name: data}, label=f"{result.engine} {result.query_id}")
        aggregated = ImportUnit(
            files=summed.list(),
            manifest=unit.manifest,
            manifest_data=unit.manifest_data,
            billing_period=unit.billing_period,
        )
        values = {
            "aggregation": self.aggregation,
            "aggregation_query_id": result.query_id,
            "aggregation_sql": aggregation.sql,
            "aggregated_row_count": source_rows,
            "aggregation_grouping": Grouping(layout, aggregation.dimensions, aggregation.tag_keys).to_json(),
        }
        return aggregated, values, originals

    @staticmethod
    def _azure_blob_facts(store, paths):
        """{blob: its ETag, size, version and the store's address}, as the storage account tells them (the
        blob's properties: it is not fetched)."""
        facts = {}
        for key in paths:
            try:
                properties = store.client.get_blob_client(key).get_blob_properties()
            except Exception as error:  # azure.core.exceptions.AzureError, TargetRefused
                raise AggregationError(
                    _("%(blob)s: %(error)s", blob=key, error=describe_azure_error(error)), file=key
                ) from error
            facts[key] = {
                "etag": properties.etag,
                "size": properties.size,
                "version_id": getattr(properties, "version_id", None) or None,
                "location": str(store),
            }
        return facts

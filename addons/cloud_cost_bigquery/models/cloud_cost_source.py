import json
import posixpath
from dataclasses import dataclass, field

from odoo import _, api, fields, models

from odoo.addons.cloud_cost.core import outbound
from odoo.addons.cloud_cost.core.bill_stores import ImportUnit, MemoryStore, StoredObject, StoreError
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused, describe_error
from odoo.addons.cloud_cost.models.cloud_cost_source import server_policy
from odoo.addons.cloud_cost_athena.core.aggregation import AggregationError, result_to_focus_csv

from ..core import bigquery_billing as bq

BIGQUERY_SECRETS = ("gcp_service_account_key",)


@dataclass
class BigQueryStore:
    """An invoice month (or two) of a billing export table, and the client that reads them."""

    client: object
    table: bq.TableRef
    months: list
    location: str = None
    columns: set = field(default_factory=set)

    def __str__(self):
        return f"bigquery://{self.table}"

    def open(self, key):
        """The month's rows as a billing export CSV (core.bigquery_billing.rows_to_csv)."""
        month = key.rsplit("=", 1)[-1]
        columns = [c for c in bq.ROW_COLUMNS if c in self.columns]
        try:
            rows = bq.run_query(self.client, bq.rows_sql(self.table, columns), month, location=self.location)
            stream, _count = bq.rows_to_csv(rows)
        except Exception as error:  # google.api_core exceptions, requests errors, TargetRefused
            raise StoreError(f"{key}: cannot read: {bq.describe_google_error(error)}", file=key) from error
        return stream


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"
    _cron_fields = (
        "active",
        "source_type",
        "interval_number",
        "interval_type",
        "name",
        "location",
        "s3_bucket",
        "bigquery_table",
    )

    source_type = fields.Selection(
        selection_add=[("bigquery", "Google Cloud BigQuery billing export")], ondelete={"bigquery": "set default"}
    )
    aggregation = fields.Selection(selection_add=[("bigquery", "Google BigQuery")], ondelete={"bigquery": "set null"})
    bigquery_table = fields.Char(
        "BigQuery Table",
        tracking=True,
        help="The billing export table, project.dataset.table (standard or detailed usage cost export), "
        "or give the source the location bigquery://project.dataset.table.",
    )
    bigquery_project = fields.Char(
        "Job Project", tracking=True, help="The project the queries run and are billed in; empty: the table's."
    )
    bigquery_location = fields.Char("Dataset Location", tracking=True, help="US, EU, europe-west1...; empty: any.")
    bigquery_month = fields.Char(
        "Invoice Month",
        help="YYYY-MM: read this invoice month only. Empty: the open month and the one before "
        "(Google restates it until its invoice closes).",
    )
    bigquery_endpoint_url = fields.Char(
        "BigQuery API Endpoint",
        tracking=True,
        help="Only for private service connections and emulators; empty for https://bigquery.googleapis.com.",
    )
    gcp_service_account_key = fields.Char(
        "Service Account Key (JSON)",
        groups="base.group_system",
        copy=False,
        help="A key of a service account with BigQuery Data Viewer on the export's dataset and BigQuery Job "
        "User on the job project. Empty: the server's application default credentials.",
    )

    # ------------------------------------------------------------------ credentials and targets
    @api.model
    def _target_field_names(self):
        return super()._target_field_names() | {"bigquery_table", "bigquery_project", "bigquery_endpoint_url"}

    @api.model
    def _admin_field_names(self):
        return super()._admin_field_names() | {"bigquery_location"}

    @api.model
    def _secret_field_names(self):
        return super()._secret_field_names() | set(BIGQUERY_SECRETS)

    @api.model
    def _is_bigquery(self, values):
        return values.get("source_type") == "bigquery" or (values.get("location") or "").strip().startswith(
            "bigquery://"
        )

    @api.model
    def _carries_credentials(self, values):
        # without a key of its own, the source queries with the server's own Google identity
        return super()._carries_credentials(values) or self._is_bigquery(values)

    @api.model
    def _target_urls(self, values):
        return super()._target_urls(values) + [("bigquery_endpoint_url", values.get("bigquery_endpoint_url"))]

    @api.model
    def _check_server_path(self, location):
        if (location or "").strip().startswith("bigquery://"):
            return  # a table, not a path of the server
        return super()._check_server_path(location)

    @api.model
    def _location_source_type(self, location):
        if (location or "").strip().startswith("bigquery://"):
            return "bigquery"
        return super()._location_source_type(location)

    @api.model
    def _scheduled_source_types(self):
        return super()._scheduled_source_types() + ["bigquery"]

    def _cron_values(self):
        values = super()._cron_values()
        if self.source_type == "bigquery":
            values["active"] = self.active and bool(self.bigquery_table or self.location)
        return values

    # ------------------------------------------------------------------ import
    def _bigquery_client(self, project):
        """The client of this source; the tests give anonymous credentials through ``_bigquery_credentials``."""
        try:
            policy = server_policy()
            if self.bigquery_endpoint_url:  # again before any call: the name may resolve elsewhere by now
                outbound.check_url(self.bigquery_endpoint_url, policy)
            return bq.bigquery_client(
                project,
                key_json=self.sudo().gcp_service_account_key,
                api_endpoint=self.bigquery_endpoint_url or None,
                policy=policy,
                credentials=self._bigquery_credentials(),
            )
        except Exception as error:  # TargetRefused, DefaultCredentialsError, a bad key
            raise StoreError(f"BigQuery: {bq.describe_google_error(error)}") from error

    def _bigquery_credentials(self):
        """Credentials given as they are (none: a key on the source, or the server's own)."""
        return None

    def _bigquery_store(self, location):
        self.ensure_one()
        try:
            if location.startswith("bigquery://"):
                table, month = bq.parse_bigquery_uri(location)
            elif self.bigquery_table:
                table, month = bq.parse_table(self.bigquery_table), None
            else:
                raise bq.BigQueryError(_("Source %(name)s names no BigQuery table.", name=self.name))
            if month is None and self.bigquery_month:
                month = bq.parse_month(self.bigquery_month)
        except bq.BigQueryError as error:
            raise StoreError(error.message) from None
        client = self._bigquery_client(self.bigquery_project or table.project)
        return BigQueryStore(
            client,
            table,
            bq.months_to_read(fields.Date.context_today(self), month),
            location=self.bigquery_location or None,
        )

    def _store(self, location=None, extra_roots=()):
        self.ensure_one()
        location = (location or self.location or "").strip()
        if location.startswith("bigquery://") or (self.source_type == "bigquery" and "://" not in location):
            return self._bigquery_store(location)
        return super()._store(location, extra_roots)

    def _bigquery_units(self, store):
        """One unit per invoice month with rows; its 'manifest' is the month's fingerprint (row count and
        latest export time), so that a month that has not changed is not read again."""
        units, notes = [], []
        try:
            store.columns = bq.table_columns(store.client, store.table)
            for month in store.months:
                rows = list(bq.run_query(store.client, bq.fingerprint_sql(store.table), month, location=store.location))
                count, last_export = (rows[0][0], rows[0][1]) if rows else (0, None)
                if not count:
                    notes.append(
                        _(
                            "%(table)s: no rows for invoice month %(month)s",
                            table=store.table,
                            month=bq.month_label(month),
                        )
                    )
                    continue
                name = bq.file_name(store.table, month)
                data = json.dumps(
                    {
                        "table": str(store.table),
                        "invoice_month": month,
                        "rows": int(count),
                        "last_export_time": last_export,
                    },
                    sort_keys=True,
                ).encode()
                manifest = StoredObject(
                    key=f"{name}/fingerprint.json", size=len(data), modified=fields.Datetime.now(), store=None
                )
                data_file = StoredObject(key=name, size=0, modified=manifest.modified, store=store)
                units.append(
                    ImportUnit(
                        files=[data_file], manifest=manifest, manifest_data=data, billing_period=bq.month_label(month)
                    )
                )
        except bq.BigQueryError as error:
            raise StoreError(error.message, file=error.file) from error
        except Exception as error:  # google.api_core exceptions, requests errors, TargetRefused
            raise StoreError(f"{store}: {bq.describe_google_error(error)}") from error
        return units, notes

    def _import_store(self, store, bounded=False):
        if not isinstance(store, BigQueryStore):
            return super()._import_store(store, bounded=bounded)
        self.ensure_one()
        try:
            units, notes = self._bigquery_units(store)
        except StoreError as error:
            raise ImportRefused(describe_error(error)) from error
        # the rows read are a billing export's, whatever the source's format says
        return self.env["cloud.cost.bill.import"]._import_units(self, units, notes=notes, fmt="gcp")

    def _aggregate_unit(self, unit, rule_specs):
        """An invoice month summed in BigQuery: (unit of one FOCUS file of sums, batch values, bill files read:
        none, the rows are a table's)."""
        if self.aggregation != "bigquery":
            return super()._aggregate_unit(unit, rule_specs)
        self.ensure_one()
        store = unit.files[0].store
        if not isinstance(store, BigQueryStore):
            raise AggregationError(_("%s: BigQuery sums BigQuery billing export tables only.", self.name))
        month = bq.parse_month(unit.billing_period)
        aggregation, sql = bq.summed_sql(store.table, month, store.columns, rule_specs)
        try:
            rows = bq.run_query(store.client, sql, month, location=store.location)
            columns = [f.name for f in rows.schema]
            values = [tuple(row.values()) for row in rows]
            job_id = rows.job_id or ""
        except Exception as error:  # google.api_core exceptions, requests errors, TargetRefused
            raise AggregationError(
                _("BigQuery: %s", bq.describe_google_error(error)), file=unit.files[0].name
            ) from error
        name = f"aggregated/BILLING_PERIOD={unit.billing_period}/bigquery-{posixpath.basename(unit.files[0].name)}.csv"
        data, source_rows = result_to_focus_csv(aggregation, columns, values, file=name)
        summed = MemoryStore({name: data}, label=f"bigquery {job_id}")
        aggregated = ImportUnit(
            files=summed.list(),
            manifest=unit.manifest,
            manifest_data=unit.manifest_data,
            billing_period=unit.billing_period,
        )
        # how the rows of any group are queried again: the trace lists them and checks their sum
        grouping = bq.grouping_json(store.table, month, store.columns, aggregation, location=store.location)
        return (
            aggregated,
            {
                "aggregation": "bigquery",
                "aggregation_query_id": job_id[:128],
                "aggregation_sql": sql,
                "aggregated_row_count": source_rows,
                "aggregation_grouping": grouping,
            },
            {},
        )

import posixpath
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from odoo import _, api, fields, models

from odoo.addons.cloud_cost.core import outbound
from odoo.addons.cloud_cost.core.bill_formats import check_parquet_size
from odoo.addons.cloud_cost.core.bill_stores import (
    ImportUnit,
    LocalStore,
    MemoryStore,
    S3Store,
    hash_stream,
    sha256_hex,
)
from odoo.addons.cloud_cost.models.cloud_cost_source import server_policy

from ..core.aggregation import AggregationError, build_query, layout_of, result_to_focus_csv, rows_per_file
from ..core.bill_rows import Grouping
from ..core.engines import run_athena, run_duckdb

AGGREGATIONS = [
    ("athena", "Amazon Athena"),
    ("duckdb", "DuckDB on this server"),
]


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    aggregation = fields.Selection(
        AGGREGATIONS,
        "Sum Bill Rows In",
        tracking=True,
        help="Empty: every bill row becomes a cost line. Athena or DuckDB: one query per billing period sums the "
        "rows by day, account, service, region, charge category, currency, file and whatever the mapping rules "
        "read; each sum becomes a cost line naming its file and row count.",
    )
    athena_database = fields.Char(tracking=True, help="Glue database of the export's table.")
    athena_table = fields.Char(tracking=True, help="The table over the export (CUR 2.0 or FOCUS).")
    athena_workgroup = fields.Char(tracking=True)
    athena_output_location = fields.Char(
        tracking=True,
        help="s3://bucket/prefix/ for query results; empty: the workgroup's.",
    )
    athena_endpoint_url = fields.Char(
        "Athena Endpoint URL", tracking=True, help="Only for Athena-compatible services; empty for AWS itself."
    )

    # ------------------------------------------------------------------ credentials and targets
    @api.model
    def _target_field_names(self):
        # the query's results are written to the output location, with the source's AWS identity
        return super()._target_field_names() | {"athena_endpoint_url", "athena_output_location"}

    @api.model
    def _admin_field_names(self):
        return super()._admin_field_names() | {"aggregation", "athena_database", "athena_table", "athena_workgroup"}

    @api.model
    def _carries_credentials(self, values):
        return super()._carries_credentials(values) or values.get("aggregation") == "athena"

    @api.model
    def _target_urls(self, values):
        return super()._target_urls(values) + [("athena_endpoint_url", values.get("athena_endpoint_url"))]

    # ------------------------------------------------------------------ aggregation
    def _aggregation_layout(self):
        entry = self._bill_format_entry()
        layout = layout_of(entry.key) if entry else None
        if layout is None:
            labels = self._fields["bill_format"]._description_selection(self.env)
            summed = [
                label for value, label in labels if (found := self._bill_format_entry(value)) and layout_of(found.key)
            ]
            raise AggregationError(
                _(
                    "%(name)s: bill rows are summed only for %(formats)s, not for %(format)s.",
                    name=self.name,
                    formats=" and ".join(summed),
                    format=dict(labels).get(self.bill_format),
                )
            )
        return layout

    def _athena_client(self):
        """Athena with the source's credentials, or the standard AWS credential chain."""
        import boto3

        try:
            policy = server_policy()
            if self.athena_endpoint_url:  # again before any call: the name may resolve elsewhere by now
                outbound.check_url(self.athena_endpoint_url, policy)
        except outbound.TargetRefused as error:
            raise AggregationError(_("Athena: %s", error)) from None
        secrets = self.sudo()
        session = boto3.session.Session(
            aws_access_key_id=secrets.aws_access_key_id or None,
            aws_secret_access_key=secrets.aws_secret_access_key or None,
            region_name=self.s3_region or "us-east-1",
        )
        client = session.client("athena", endpoint_url=self.athena_endpoint_url or None)
        return outbound.guard_boto_client(client, policy)

    @staticmethod
    def _query_path(obj):
        """A file as the query's ``$path`` names it: Athena gives S3 objects as s3:// URIs."""
        if isinstance(obj.store, S3Store):
            return f"s3://{obj.store.bucket}/{obj.key}"
        return obj.key

    def _check_parquet_sizes(self, files):
        """Refuse a Parquet file whose pages expand past the import limits before DuckDB reads it."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        limits = self.env["cloud.cost.bill.import"]._input_limits()
        for name, content in files.items():
            stored = content if isinstance(content, bytes | bytearray) else None
            try:
                metadata = pq.read_metadata(pa.BufferReader(stored) if stored is not None else str(content))
            except (pa.ArrowInvalid, OSError):
                continue  # not Parquet: DuckDB names the file it cannot read
            size = len(stored) if stored is not None else Path(content).stat().st_size
            check_parquet_size(metadata, size, file=name, limits=limits)

    def _aggregate_unit(self, unit, rule_specs):
        """The unit's bill files summed by one query: (unit of one FOCUS file, batch values)."""
        self.ensure_one()
        layout = self._aggregation_layout()
        paths = {self._query_path(obj): obj for obj in unit.files}
        database = self.athena_database or "cloudcost"
        table = self.athena_table or "bills"
        aggregation = build_query(
            layout,
            database=database,
            table=table,
            files=sorted(paths),
            rule_specs=rule_specs,
        )
        if self.aggregation == "athena":
            if not self.athena_database or not self.athena_table:
                raise AggregationError(_("%s: name the Athena database and table of the export.", self.name))
            before = self._s3_facts(paths)
            try:
                result = run_athena(
                    self._athena_client(),
                    aggregation.sql,
                    database=self.athena_database,
                    workgroup=self.athena_workgroup,
                    output_location=self.athena_output_location,
                )
            except (BotoCoreError, ClientError, outbound.TargetRefused) as error:
                # kept as the cause: outages are tried again; the reason is ours, not the service's answer
                raise AggregationError(_("Athena: %s", outbound.describe_boto_error(error))) from error
            # what Athena read is named by the S3 ETag (and version): it must be what the objects were before
            originals = self._s3_facts(paths)
            self._check_unchanged(before, originals)
        else:
            not_parquet = [p for p in paths if not p.lower().endswith(".parquet")]
            if not_parquet:
                raise AggregationError(
                    _("DuckDB sums Parquet exports: %s is not one.", not_parquet[0]), file=not_parquet[0]
                )
            # files of a folder are read where they lie; others are fetched
            files = {
                path: obj.store.real_path(obj.key) if isinstance(obj.store, LocalStore) else obj.read()
                for path, obj in paths.items()
            }
            originals = self._local_facts(paths, files)
            self._check_parquet_sizes(files)
            result = run_duckdb(aggregation.sql, files, database=database, table=table)
            # a file of the folder DuckDB read where it lies: the bytes hashed are the bytes summed
            self._check_unchanged(originals, self._local_facts(paths, files))
        period = unit.billing_period or "files"
        name = f"aggregated/BILLING_PERIOD={period}/{result.engine}-{posixpath.basename(unit.label)}.csv"
        data, source_rows = result_to_focus_csv(aggregation, result.columns, result.rows, file=name)
        store = MemoryStore({name: data}, label=f"{result.engine} {result.query_id}")
        aggregated = ImportUnit(
            files=store.list(),
            manifest=unit.manifest,
            manifest_data=unit.manifest_data,
            billing_period=unit.billing_period,
        )
        per_file = rows_per_file(result.columns, result.rows)
        for name, facts in originals.items():
            facts["row_count"] = per_file.get(name, 0)
        values = {
            "aggregation": self.aggregation,
            "aggregation_query_id": result.query_id,
            "aggregation_sql": aggregation.sql,
            "aggregated_row_count": source_rows,
            "aggregation_grouping": Grouping(layout.name, aggregation.dimensions, aggregation.tag_keys).to_json(),
        }
        return aggregated, values, originals

    # ------------------------------------------------------------------ the bill files summed
    @staticmethod
    def _local_facts(paths, files):
        """{file as the query names it: its SHA-256, size and where it lies} of files read on this server."""
        facts = {}
        for path, obj in paths.items():
            content = files[path]
            if isinstance(content, bytes | bytearray):
                checksum, size = sha256_hex(content), len(content)
            else:
                with open(content, "rb") as stream:
                    checksum, size = hash_stream(stream)
            facts[path] = {"sha256": checksum, "size": size, "location": str(obj.store)}
        return facts

    @staticmethod
    def _s3_facts(paths):
        """{file as the query names it: its ETag, size, version and prefix} of S3 objects, as S3 tells them
        (HEAD: the object is not fetched)."""
        facts = {}
        for path, obj in paths.items():
            store = obj.store
            bucket, key = store._split(obj.key)
            try:
                head = store.client.head_object(Bucket=bucket, Key=key)
            except (BotoCoreError, ClientError, outbound.TargetRefused) as error:
                raise AggregationError(
                    _("%(file)s: %(error)s", file=path, error=outbound.describe_boto_error(error)), file=path
                ) from error
            facts[path] = {
                "etag": head.get("ETag"),
                "size": head.get("ContentLength"),
                "version_id": head.get("VersionId") if head.get("VersionId") not in (None, "null") else None,
                "location": str(store),
            }
        return facts

    @staticmethod
    def _check_unchanged(before, after):
        for path, facts in before.items():
            if facts != after.get(path):
                raise AggregationError(
                    _("%s changed while its rows were being summed: import it again.", path), file=path
                )

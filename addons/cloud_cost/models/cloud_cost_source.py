import logging

from odoo import _, api, fields, models

from ..core import bill_formats
from ..core.bill_stores import LocalStore, S3Store, StoreError, parse_s3_uri, plan_imports, s3_client
from .cloud_cost_bill_import import ImportRefused, describe_error

_logger = logging.getLogger(__name__)

SOURCE_TYPES = [
    ("file", "File or folder"),
    ("upload", "Manual upload"),
    ("s3", "AWS S3 export"),
    ("opencost", "OpenCost / Kubecost"),
]

BILL_FORMATS = [
    ("auto", "Detect from the file"),
    ("focus", "FOCUS"),
    ("aws_cur2", "AWS CUR 2.0 (Data Exports)"),
    ("aws_cur", "AWS legacy CUR"),
    ("azure", "Azure cost export"),
    ("gcp", "Google Cloud billing export"),
    ("opencost", "OpenCost allocation"),
]

IMPORT_STATES = [
    ("done", "Imported"),
    ("unchanged", "Nothing new"),
    ("failed", "Refused"),
]
INTERVAL_TYPES = [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks"), ("months", "Months")]


class CloudCostSource(models.Model):
    _name = "cloud.cost.source"
    _description = "Cloud Cost Source"
    _inherit = ["mail.thread", "cloud.cost.scheduled.mixin"]
    _order = "sequence, name, id"
    _cron_fields = ("active", "source_type", "interval_number", "interval_type", "name", "location", "s3_bucket")
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    source_type = fields.Selection(SOURCE_TYPES, required=True, default="file", tracking=True)
    bill_format = fields.Selection(BILL_FORMATS, required=True, default="focus", tracking=True)
    location = fields.Char(
        tracking=True,
        help="Folder or file path, s3://bucket/prefix, or the base URL of the OpenCost API.",
    )
    provider_name = fields.Char(help="Provider shown when the bill does not name one.")
    last_import_date = fields.Datetime(readonly=True, copy=False)
    last_import_message = fields.Text(readonly=True, copy=False)
    last_import_state = fields.Selection(IMPORT_STATES, readonly=True, copy=False)
    # --- AWS S3: bucket and prefix of the export (or an s3:// location)
    s3_bucket = fields.Char("S3 Bucket", tracking=True)
    s3_prefix = fields.Char("S3 Prefix", tracking=True, help="The export's path prefix in the bucket.")
    s3_region = fields.Char("AWS Region", tracking=True)
    s3_endpoint_url = fields.Char(
        "S3 Endpoint URL", tracking=True, help="Only for S3-compatible stores; empty for AWS itself."
    )
    aws_access_key_id = fields.Char(
        "AWS Access Key ID", groups="base.group_system", copy=False,
        help="Empty: the standard AWS credential chain (environment, profile, instance or task role).",
    )
    aws_secret_access_key = fields.Char("AWS Secret Access Key", groups="base.group_system", copy=False)
    # --- schedule: one scheduled action per active source
    interval_number = fields.Integer("Import Every", default=1)
    interval_type = fields.Selection(INTERVAL_TYPES, "Interval Unit", default="days", required=True)
    batch_ids = fields.One2many("cloud.cost.import.batch", "source_id", string="Import Batches")
    batch_count = fields.Integer(compute="_compute_batch_count")
    note = fields.Html()

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A cost source name must be unique per company."),
    ]

    @api.depends("batch_ids")
    def _compute_batch_count(self):
        counts = dict(
            self.env["cloud.cost.import.batch"]._read_group(
                [("source_id", "in", self.ids)], ["source_id"], ["__count"]
            )
        )
        for source in self:
            source.batch_count = counts.get(source, 0)

    def action_view_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_import_batch_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = {"default_source_id": self.id}
        return action

    # ------------------------------------------------------------------ schedule
    @api.model
    def _scheduled_source_types(self):
        """Source types imported by a scheduled action (extended by other addons)."""
        return ["file", "s3"]

    def _cron_values(self):
        self.ensure_one()
        return {
            "name": _("Cloud costs: import %(name)s", name=self.name),
            "interval_number": max(self.interval_number, 1),
            "interval_type": self.interval_type,
            # a source with nothing to read (bills uploaded by hand) has no schedule
            "active": self.active and self.source_type in self._scheduled_source_types()
            and bool(self.location or self.s3_bucket),
        }

    def _cron_import(self):
        for source in self.filtered("active"):
            source._import_and_record()

    # ------------------------------------------------------------------ import
    def _store(self, location=None):
        """Where the bills of this source are: a folder, a file or an S3 prefix."""
        self.ensure_one()
        location = (location or self.location or "").strip()
        if location.startswith("s3://") or self.source_type == "s3":
            secrets = self.sudo()
            bucket, prefix = (parse_s3_uri(location) if location.startswith("s3://")
                              else (self.s3_bucket, self.s3_prefix or ""))
            if not bucket:
                raise StoreError(_("Source %(name)s names no S3 bucket.", name=self.name))
            client = s3_client(
                region=self.s3_region,
                endpoint_url=self.s3_endpoint_url,
                access_key=secrets.aws_access_key_id,
                secret_key=secrets.aws_secret_access_key,
            )
            return S3Store(client, bucket, prefix)
        if not location:
            raise StoreError(_("Source %(name)s has no folder or file to read.", name=self.name))
        return LocalStore(location)

    def _import_store(self, store):
        """Import every unit of ``store``; raises ImportRefused (nothing written) on bad input."""
        self.ensure_one()
        importer = self.env["cloud.cost.bill.import"]
        try:
            units, notes = plan_imports(store, bill_formats.parse_manifest)
        except (StoreError, bill_formats.BillFormatError) as error:
            raise ImportRefused(describe_error(error)) from error
        return importer._import_units(self, units, notes=notes)

    def _run_import(self, location=None):
        self.ensure_one()
        try:
            store = self._store(location)
        except StoreError as error:
            raise ImportRefused(describe_error(error)) from error
        return self._import_store(store)

    def _import_and_record(self, location=None):
        """Run an import and keep its outcome on the source: for scheduled actions and buttons."""
        self.ensure_one()
        try:
            result = self._run_import(location)
        except ImportRefused as error:
            self._record_import("failed", str(error.args[0]))
            return None
        self._record_import("done" if result.batches else "unchanged", result.summary())
        return result

    def _record_import(self, state, message):
        self = self.sudo()  # noqa: PLW0642  (accountants import bills without editing the source)
        self.write(
            {"last_import_date": fields.Datetime.now(), "last_import_state": state, "last_import_message": message}
        )
        if state == "failed":
            self.message_post(body=_("Import refused, nothing was written: %(error)s", error=message))
            _logger.warning("cost source %s: import refused: %s", self.name, message)

    def action_import_now(self):
        self.ensure_one()
        result = self._import_and_record()
        failed = result is None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "sticky": failed,
                "title": self.name,
                "message": self.last_import_message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

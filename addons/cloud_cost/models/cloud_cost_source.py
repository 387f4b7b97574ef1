import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import config

from ..core import bill_formats, outbound, server_paths
from ..core.bill_stores import (
    LocalStore,
    S3Store,
    StoreError,
    bound_units,
    parse_s3_uri,
    plan_imports,
    s3_client,
)
from .cloud_cost_bill_import import ImportRefused, describe_error

_logger = logging.getLogger(__name__)

SOURCE_TYPES = [
    ("file", "File or folder"),
    ("upload", "Manual upload"),
    ("s3", "AWS S3 export"),
]

# the formats of this addon, as their modules register them (core/bill_formats); an addon that registers
# another format adds it with selection_add=[entry.choice]
BILL_FORMATS = [("auto", "Detect from the file"), *bill_formats.registry.selection("cloud_cost")]

IMPORT_STATES = [
    ("done", "Imported"),
    ("unchanged", "Nothing new"),
    ("failed", "Refused"),
]
INTERVAL_TYPES = [
    ("minutes", "Minutes"),
    ("hours", "Hours"),
    ("days", "Days"),
    ("weeks", "Weeks"),
    ("months", "Months"),
]
# where a source reads: changing any of them sends the stored credentials elsewhere, so they are cleared
TARGET_FIELDS = ("source_type", "location", "s3_bucket", "s3_prefix", "s3_region", "s3_endpoint_url")
SECRET_FIELDS = ("aws_access_key_id", "aws_secret_access_key")


def server_policy():
    """The outbound target policy of the server configuration (core.outbound)."""
    return outbound.TargetPolicy.from_options(
        config.get(outbound.ALLOWED_HOSTS_OPTION), config.get(outbound.ALLOW_PRIVATE_OPTION)
    )


def server_import_roots():
    """The import roots of the server configuration (core.server_paths)."""
    return server_paths.parse_roots(config.get(server_paths.ROOTS_OPTION))


def _same(old, new):
    return (old or False) == (new or False)


class CloudCostSource(models.Model):
    _name = "cloud.cost.source"
    _description = "Cloud Cost Source"
    _inherit = ["mail.thread", "cloud.cost.scheduled.mixin", "cloud.cost.guarded.mixin"]
    _order = "sequence, name, id"
    _cron_fields = ("active", "source_type", "interval_number", "interval_type", "name", "location", "s3_bucket")
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    source_type = fields.Selection(SOURCE_TYPES, required=True, default="file", tracking=True)
    bill_format = fields.Selection(BILL_FORMATS, required=True, default="focus", tracking=True)
    location = fields.Char(
        tracking=True,
        help="Folder or file path, or s3://bucket/prefix.",
    )
    provider_name = fields.Char(help="Provider shown when the bill does not name one.")
    last_import_date = fields.Datetime(readonly=True, copy=False)
    last_import_message = fields.Text(readonly=True, copy=False)
    last_import_state = fields.Selection(IMPORT_STATES, readonly=True, copy=False)
    # --- AWS S3: bucket and prefix of the export (or an s3:// location)
    s3_bucket = fields.Char(tracking=True)
    s3_prefix = fields.Char(tracking=True, help="The export's path prefix in the bucket.")
    s3_region = fields.Char("AWS Region", tracking=True)
    s3_endpoint_url = fields.Char(
        "S3 Endpoint URL", tracking=True, help="Only for S3-compatible stores; empty for AWS itself."
    )
    aws_access_key_id = fields.Char(
        "AWS Access Key ID",
        groups="base.group_system",
        copy=False,
        help="Empty: the standard AWS credential chain (environment, profile, instance or task role).",
    )
    aws_secret_access_key = fields.Char("AWS Secret Access Key", groups="base.group_system", copy=False)
    # --- schedule: one scheduled action per active source
    interval_number = fields.Integer("Import Every", default=1)
    interval_type = fields.Selection(INTERVAL_TYPES, "Interval Unit", default="days", required=True)
    batch_ids = fields.One2many("cloud.cost.import.batch", "source_id", string="Import Batches")
    batch_count = fields.Integer(compute="_compute_batch_count")
    # how far the running import got: written by the import apart from its own transaction (see
    # cloud.cost.import.progress), read here by everyone else while it runs
    import_progress_ids = fields.One2many(
        "cloud.cost.import.progress", "source_id", string="Imports Running", readonly=True
    )
    import_running = fields.Boolean(compute="_compute_import_progress")
    import_file = fields.Char("Reading", compute="_compute_import_progress")
    import_rows_read = fields.Integer("Rows Read", compute="_compute_import_progress")
    import_rows_stored = fields.Integer("Rows Stored", compute="_compute_import_progress")
    import_progress = fields.Float("Progress (%)", compute="_compute_import_progress", digits=(5, 1))
    import_progress_date = fields.Datetime("Progress At", compute="_compute_import_progress")
    note = fields.Html()

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A cost source name must be unique per company."),
    ]

    @api.model
    def _guarded_field_names(self):
        # what the last import did is the import's own record, not an editable field
        return super()._guarded_field_names() | {"last_import_date", "last_import_message", "last_import_state"}

    # ------------------------------------------------------------------ credentials and targets
    @api.model
    def _target_field_names(self):
        """Fields that say where the source reads; changing one clears the stored secrets."""
        return set(TARGET_FIELDS)

    @api.model
    def _admin_field_names(self):
        """Fields only administrators set on a source that carries credentials (targets and the like)."""
        return self._target_field_names()

    @api.model
    def _secret_field_names(self):
        return set(SECRET_FIELDS)

    @api.model
    def _carries_credentials(self, values):
        """True when a source with these values calls out with credentials: keys of its own, or, for S3
        (without keys), the server's own AWS credential chain (instance or task role)."""
        location = (values.get("location") or "").strip()
        return (
            values.get("source_type") == "s3"
            or location.startswith("s3://")
            or any(values.get(name) for name in self._secret_field_names())
        )

    def _credential_values(self):
        self.ensure_one()
        record = self.sudo()
        names = self._admin_field_names() | self._secret_field_names() | {"source_type", "location"}
        return {name: record[name] for name in names}

    @api.model
    def _target_urls(self, values):
        """(field, URL) pairs of the outbound targets these values name."""
        return [("s3_endpoint_url", values.get("s3_endpoint_url"))]

    @api.model
    def _check_targets(self, values):
        """At save time: refuse a target URL the server would not call (core.outbound)."""
        for name, url in self._target_urls(values):
            if url:
                try:
                    outbound.check_url(url, server_policy(), unresolved_ok=True)
                except outbound.TargetRefused as error:
                    raise ValidationError(
                        _("%(field)s: %(reason)s", field=self._fields[name].string, reason=error)
                    ) from None

    @api.model
    def _check_server_path(self, location):
        """At save time: a folder or file of the server only below the import roots."""
        location = (location or "").strip()
        if location and not location.startswith("s3://") and not self._is_suite():
            try:
                server_paths.check_path(location, server_import_roots())
            except server_paths.PathRefused as error:
                raise ValidationError(_("Location %(reason)s", reason=error)) from None

    def _refuse_credential_target(self, names):
        labels = ", ".join(sorted(self._fields[name].string for name in names))
        raise AccessError(
            _(
                "%(model)s: only administrators set or change %(fields)s of a source that carries credentials "
                "(keys, a token, or the server's own AWS role); nothing was changed.",
                model=self._description,
                fields=labels,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        admin = self.env.is_system()
        for record in records:
            values = record._credential_values()
            if not admin and record._carries_credentials(values):
                record._refuse_credential_target(
                    {name for name in record._admin_field_names() if values.get(name)} or {"source_type"}
                )
            record._check_targets(values)
            record._check_server_path(values.get("location"))
        return records

    def write(self, vals):
        admin_names, target_names = self._admin_field_names() & set(vals), self._target_field_names() & set(vals)
        secret_names = self._secret_field_names()
        to_clear = self.browse()
        if admin_names:
            for record in self:
                before = record._credential_values()
                changed = {name for name in admin_names if not _same(before[name], vals[name])}
                if not changed:
                    continue
                after = {**before, **{name: vals[name] for name in vals if name in before}}
                if not self.env.is_system() and (self._carries_credentials(before) or self._carries_credentials(after)):
                    record._refuse_credential_target(changed)
                if changed & target_names and any(before[name] for name in secret_names - set(vals)):
                    to_clear |= record
        self._check_targets(vals)
        if "location" in vals:
            self._check_server_path(vals["location"])
        result = super().write(vals)
        for record in to_clear:
            # the stored keys were given for the old target: they are not sent to the new one
            held = {name for name in secret_names - set(vals) if record.sudo()[name]}
            if not held:
                continue
            super(CloudCostSource, record.sudo()).write(dict.fromkeys(held, False))
            record.sudo()._suite().message_post(
                body=_(
                    "Where the source reads changed: its stored credentials (%(fields)s) were cleared. "
                    "An administrator enters them again for the new target.",
                    fields=", ".join(sorted(self._fields[name].string for name in held)),
                )
            )
        return result

    # ------------------------------------------------------------------ bill formats
    @api.model
    def _bill_format_entry(self, value=None):
        """The registered bill format of a selection value (default: this source's), None for 'auto'."""
        return bill_formats.registry.by_value(self.bill_format if value is None else value)

    @api.model
    def _bill_format_keys(self):
        """The keys of the bill formats this database reads: those its sources may choose. The registry is
        the process's, and may hold formats of addons that another database has installed."""
        values = set(self._fields["bill_format"].get_values(self.env))
        return tuple(entry.key for entry in bill_formats.registry.entries() if entry.selection_value in values)

    def _parser_format(self):
        """The key the parser reads this source's bills as; None: told by each file's content."""
        self.ensure_one()
        entry = self._bill_format_entry()
        return entry.key if entry else None

    def _sniff_bill(self, name, head):
        """Whether a file of a folder or bucket is a bill of this database's formats (core.bill_stores)."""
        return bill_formats.sniff(name, head, self._bill_format_keys())

    @api.depends("batch_ids")
    def _compute_batch_count(self):
        counts = dict(
            self.env["cloud.cost.import.batch"]._read_group([("source_id", "in", self.ids)], ["source_id"], ["__count"])
        )
        for source in self:
            source.batch_count = counts.get(source, 0)

    @api.depends("import_progress_ids.updated_on", "import_progress_ids.rows_read")
    def _compute_import_progress(self):
        for source in self:
            running = source.import_progress_ids[:1]  # the one that told last
            source.import_running = bool(running)
            source.import_file = running.file_name
            source.import_rows_read = running.rows_read
            source.import_rows_stored = running.rows_stored
            source.import_progress = running.progress
            source.import_progress_date = running.updated_on

    def action_view_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_import_batch_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = {"default_source_id": self.id}
        return action

    @api.model
    def _location_source_type(self, location):
        """The source type that reads ``location`` (a path, or an address such as s3://): for sources created
        by the command line (extended by other addons)."""
        return "s3" if (location or "").strip().startswith("s3://") else "file"

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
            "active": self.active
            and self.source_type in self._scheduled_source_types()
            and bool(self.location or self.s3_bucket),
        }

    def _cron_import(self):
        for source in self.filtered("active"):
            source._import_and_record()

    # ------------------------------------------------------------------ import
    def _store(self, location=None, extra_roots=()):
        """Where the bills of this source are: a folder or a file below the import roots, or an S3 prefix.

        ``extra_roots``: folders the server's operator allows for one command (``--import-root``).
        """
        self.ensure_one()
        location = (location or self.location or "").strip()
        if location.startswith("s3://") or self.source_type == "s3":
            secrets = self.sudo()
            bucket, prefix = (
                parse_s3_uri(location) if location.startswith("s3://") else (self.s3_bucket, self.s3_prefix or "")
            )
            if not bucket:
                raise StoreError(_("Source %(name)s names no S3 bucket.", name=self.name))
            try:
                policy = server_policy()
                if self.s3_endpoint_url:  # again before any call: the name may resolve elsewhere by now
                    outbound.check_url(self.s3_endpoint_url, policy)
            except outbound.TargetRefused as error:
                raise StoreError(str(error)) from None
            client = s3_client(
                region=self.s3_region,
                endpoint_url=self.s3_endpoint_url,
                access_key=secrets.aws_access_key_id,
                secret_key=secrets.aws_secret_access_key,
                policy=policy,
            )
            return S3Store(client, bucket, prefix)
        if not location:
            raise StoreError(_("Source %(name)s has no folder or file to read.", name=self.name))
        try:
            roots = server_import_roots() + server_paths.parse_roots(list(extra_roots))
        except server_paths.PathRefused as error:
            raise StoreError(str(error)) from None
        return LocalStore(location, roots)

    @api.model
    def _max_files_per_run(self):
        try:
            return server_paths.parse_max_files(config.get(server_paths.MAX_FILES_OPTION))
        except ValueError as error:
            raise StoreError(str(error)) from None

    def _known_files(self):
        """{(file name, size)} of the bill files this source imported already."""
        self.ensure_one()
        self.env["cloud.cost.import.file"].flush_model(["name", "size", "kind", "batch_id"])
        self.env.cr.execute(
            """SELECT f.name, f.size FROM cloud_cost_import_file f
                 JOIN cloud_cost_import_batch b ON b.id = f.batch_id
                WHERE b.source_id = %s AND f.kind = 'data'""",
            [self.id],
        )
        return set(self.env.cr.fetchall())

    def _bounded_units(self, units):
        """(units of this run, notes): at most the server's bound of files, the new-looking ones first."""
        known = self._known_files()
        taken, _left, notes = bound_units(
            units, self._max_files_per_run(), known=lambda unit: all((obj.key, obj.size) in known for obj in unit.files)
        )
        return taken, notes

    def _import_store(self, store, bounded=False):
        """Import the units of ``store``; raises ImportRefused (nothing written) on bad input.

        ``bounded``: a store the server lists (a folder, a bucket): at most the server's bound of files
        is read in one run, the rest is named in the notes and left for the next.
        """
        self.ensure_one()
        importer = self.env["cloud.cost.bill.import"]
        try:
            units, notes = plan_imports(store, bill_formats.parse_manifest, sniff=self._sniff_bill)
            if bounded:
                units, imported = importer._split_imported_manifests(self, units)
                units, bound_notes = self._bounded_units(units)
                notes = notes + bound_notes
        except (StoreError, bill_formats.BillFormatError) as error:
            raise ImportRefused(describe_error(error)) from error
        result = importer._import_units(self, units, notes=notes)
        if bounded:
            result.unchanged[:0] = imported
        return result

    def _run_import(self, location=None, extra_roots=()):
        self.ensure_one()
        try:
            store = self._store(location, extra_roots)
        except StoreError as error:
            raise ImportRefused(describe_error(error)) from error
        return self._import_store(store, bounded=True)

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
        # accountants import bills without editing the source; the outcome is the suite's to write
        self = self.sudo()._suite()  # noqa: PLW0642
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

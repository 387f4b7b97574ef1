"""The bill import pipeline: files in, one batch per source and billing period out.

Each file is read as a stream, a chunk of rows at a time, whatever its size: hashed a piece
at a time, parsed, classified by the mapping rules, converted to the company currency and
copied into cloud_cost_line with COPY, then copied a piece at a time into Odoo's filestore
as the batch's attachment; totals are summed in SQL. Neither a whole file nor a whole
billing period is ever held in memory. The whole import runs in one savepoint: bad input
leaves nothing behind. How far it got (rows read, rows stored, the file being read) is
written apart, committed at once, for other sessions to see while it runs.
"""

import bisect
import contextlib
import dataclasses
import filecmp
import hashlib
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.compute as pc
from psycopg2.errors import LockNotAvailable

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config

from ..core import bill_formats
from ..core.bill_stores import PIECE_BYTES, StoreError, hash_stream, sha256_hex
from ..core.bulk_copy import BackgroundCopy
from ..core.exchange import COMPANY_AMOUNT_PLACES, as_arrow, charge_days, convert_amounts, rate_factor
from ..core.mapping_rules import RULE_ID, RuleError
from ..core.periods import month_end
from .cloud_cost_guarded_mixin import suite_env

_logger = logging.getLogger(__name__)

# Rows parsed, classified and copied at a time: a chunk's frames (text of every column, in Python objects)
# take a few kilobytes a row, and about three chunks are alive at once (parsed, converted, being copied).
CHUNK_ROWS = 20_000
PROGRESS_SECONDS = 2.0  # how often a running import tells how far it got
CLASSIFICATION = ("analytic_account_id", "environment", "tenant", "service_tier_id", "cost_pool_id")


class ImportRefused(UserError):
    """Bad input: nothing was written; the message names file, row and column."""


class ImportBusy(ImportRefused):
    """Another transaction imports (or just imported) the same source and billing period: nothing written."""


def describe_error(error):
    """One line naming file, row and column of a parser, store or rule error."""
    parts = []
    for label, attr in (("file", "file"), ("row", "row"), ("column", "column")):
        value = getattr(error, attr, None)
        if value not in (None, ""):
            parts.append(f"{label} {value}" if label != "file" else str(value))
    message = getattr(error, "message", None) or str(error)
    prefix = ", ".join(parts)
    if prefix and prefix not in message:
        return f"{prefix}: {message}"
    return message


def describe_copy_error(error):
    """A value the parser let through and PostgreSQL refused: file, row and column, as COPY names them."""
    message = error.diag.message_primary or str(error).splitlines()[0]
    where = error.diag.context or ""
    file, rows = getattr(error, "copy_context", None) or (None, None)
    line = re.search(r"line (\d+)", where)
    column = re.search(r"column (\w+)", where)
    parts = [file] if file else []
    if line and rows is not None and int(line.group(1)) <= len(rows):
        parts.append(f"row {rows[int(line.group(1)) - 1]}")
    if column:
        parts.append(f"column {column.group(1)}")
    return ", ".join(parts + [f"refused by the database: {message}"]) if parts else f"{message} ({where})"


@dataclass
class ImportResult:
    batches: list = field(default_factory=list)  # cloud.cost.import.batch records created
    unchanged: list = field(default_factory=list)  # labels of units already imported
    empty: list = field(default_factory=list)  # names of bill files with a header and no rows
    notes: list = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    copy_seconds: float = 0.0  # of which the database spent storing lines (in the background)

    def nothing_read(self):
        """Nothing imported, nothing imported before, no empty export: no bill among the files."""
        return not (self.batches or self.unchanged or self.empty)

    def summary(self):
        lines = [f"{len(self.batches)} batch(es), {self.rows} row(s) imported"]
        if self.nothing_read():
            lines.append("nothing imported: no bill file found" + (", see below" if self.notes else ""))
        lines += [f"unchanged, already imported: {label}" for label in self.unchanged]
        lines += self.notes
        return "\n".join(lines)


@dataclass
class ImportProgress:
    """How far a running import got, as it tells it every few seconds (``_import_progress``)."""

    source_id: int = None
    company_id: int = None
    source_name: str = None
    file: str = None  # the file being read
    files_done: int = 0
    files_total: int = 0
    rows_read: int = 0
    rows_stored: int = 0
    bytes_done: int = 0  # of the files read before this one
    bytes_total: int = 0
    position: int = 0  # bytes of this file read so far
    record_id: int = None  # cloud.cost.import.progress row, once written; False when it cannot be
    told: float = 0.0  # when it was last told (time.monotonic)

    @property
    def fraction(self):
        """Share of the bytes to read that were read, 0 to 1."""
        if not self.bytes_total:
            return 0.0
        return min(max((self.bytes_done + self.position) / self.bytes_total, 0.0), 1.0)


class _Run:
    """State of one import: the batches opened per billing period and rows per file.

    While a background COPY runs, the cursor is not ours: everything read from the
    database per chunk is read here, up front, and ``db()`` waits for the COPY before
    the few statements made on the way (new batch, new currency, attachments).
    """

    def __init__(self, env, source, ruleset, converter, writer, limits, progress=None):
        self.source = source
        self.limits = limits
        self.ruleset = ruleset
        self.converter = converter
        self.writer = writer
        self.progress = progress or ImportProgress()
        self.batches = {}  # billing period start 'YYYY-MM-DD' -> batch
        self.file_rows = {}  # (file name, batch id) -> rows
        now = fields.Datetime.to_string(env.cr.now())
        constants = {
            "source_id": source.id,
            "company_id": source.company_id.id,
            "create_uid": env.uid,
            "write_uid": env.uid,
            "create_date": now,
            "write_date": now,
        }
        columns = env["cloud.cost.bill.import"]._line_columns()
        self.constants = {name: value for name, value in constants.items() if name in columns}
        self.provider_name = source.provider_name
        self.format_keys = None  # bill formats told apart by content (None: the base addon's)

    def db(self):
        """Wait until the background COPY is done: the cursor is free for other statements."""
        self.writer.wait()


class CloudCostBillImport(models.AbstractModel):
    _name = "cloud.cost.bill.import"
    _description = "Cloud Bill Import"
    _import_chunk_rows = CHUNK_ROWS  # rows parsed, classified and copied at a time

    @api.model
    def _input_limits(self):
        """How far a bill file may expand once decompressed: the server configuration's
        ``cloud_cost_max_uncompressed_mb`` and ``cloud_cost_max_expansion_ratio`` (odoo.conf)."""
        values = {}
        for option, name, unit, kind in (
            ("cloud_cost_max_uncompressed_mb", "max_bytes", 1 << 20, int),
            ("cloud_cost_max_expansion_ratio", "max_ratio", 1, float),
        ):
            raw = config.get(option)
            if raw in (None, "", False):
                continue
            try:
                number = kind(float(raw))
            except (TypeError, ValueError):
                raise UserError(
                    _("The server configuration's %(option)s is not a number: %(value)s", option=option, value=raw)
                ) from None
            if number <= 0:
                raise UserError(_("The server configuration's %(option)s must be positive.", option=option))
            values[name] = number * unit
        return dataclasses.replace(bill_formats.DEFAULT_LIMITS, **values)

    # ------------------------------------------------------------------ entry point
    @api.model
    def _import_units(self, source, units, notes=(), fmt=None):
        """Import the units (core.bill_stores.ImportUnit) of ``source`` in one savepoint."""
        source.ensure_one()
        self = self.with_env(suite_env(self.env))  # noqa: PLW0642 - imports open and close batches and lines
        source = source.with_env(self.env)
        started = time.perf_counter()
        result = ImportResult(notes=list(notes))
        fmt = source._parser_format() if fmt is None else fmt
        ruleset = self.env["cloud.cost.mapping.rule"]._ruleset(source.company_id)
        converter = _CurrencyConverter(self.env, source.company_id)
        # what the progress reports need of the source, read now: the cursor is the COPY's while it runs
        progress = ImportProgress(
            source_id=source.id,
            company_id=source.company_id.id,
            source_name=source.name,
            files_total=sum(len(unit.files) for unit in units),
            bytes_total=sum(obj.size or 0 for unit in units for obj in unit.files),
        )
        try:
            with self.env.cr.savepoint():
                with BackgroundCopy(self.env.cr, "cloud_cost_line") as writer:
                    run = _Run(self.env, source, ruleset, converter, writer, self._input_limits(), progress)
                    run.format_keys = source._bill_format_keys()  # what detection tells apart in this database
                    for unit in units:
                        self._import_unit(run, unit, fmt, result)
                result.copy_seconds = writer.seconds
                progress.rows_stored = writer.rows
                result.batches = self._finish(run)
                result.rows = sum(run.file_rows.values())
        except (bill_formats.BillFormatError, StoreError, RuleError, _CurrencyError) as error:
            raise ImportRefused(describe_error(error)) from error
        except psycopg2.DataError as error:
            raise ImportRefused(describe_copy_error(error)) from error
        finally:
            self._forget_progress(progress)
        result.seconds = time.perf_counter() - started
        return result

    # ------------------------------------------------------------------ progress
    def _tell_progress(self, run, force=False):
        """Every few seconds (or at once, ``force``): how far the import got, through ``_import_progress``."""
        progress = run.progress
        now = time.monotonic()
        if not force and now - progress.told < PROGRESS_SECONDS:
            return
        progress.told = now
        progress.rows_stored = run.writer.rows
        self._import_progress(progress)

    def _import_progress(self, progress):
        """Keep ``progress`` on the source's progress record, through a cursor of its own, committed at once:
        the import's own transaction never writes it, and other sessions read it while the import runs.
        Extended by the job queue (the job's own progress). Called while the import's cursor copies cost lines
        in the background: nothing here reads or writes through that cursor."""
        if progress.record_id is False or not self.env.registry.ready:
            return  # modules being installed, or the source is not committed yet
        values = {
            "file_name": progress.file,
            "files_done": progress.files_done,
            "files_total": progress.files_total,
            "rows_read": progress.rows_read,
            "rows_stored": progress.rows_stored,
            "progress": round(100 * progress.fraction, 1),
            "updated_on": fields.Datetime.now(),
        }
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '5s'")
                cr.execute("SELECT 1 FROM cloud_cost_source WHERE id = %s", [progress.source_id])
                if not cr.fetchone():
                    progress.record_id = False  # created in this transaction: nobody else can see it yet
                    return
                Progress = api.Environment(cr, self.env.uid, {})["cloud.cost.import.progress"].sudo()._suite()
                if progress.record_id:
                    Progress.browse(progress.record_id).write(values)
                else:
                    Progress._forget_stale(progress.source_id)
                    progress.record_id = Progress.create(
                        {
                            **values,
                            "source_id": progress.source_id,
                            "company_id": progress.company_id,
                            "user_id": self.env.uid,
                            "started_on": values["updated_on"],
                        }
                    ).id
        except psycopg2.Error as error:
            # progress is for people watching: an import never fails for want of it
            _logger.warning("cost source %s: progress not kept (%s)", progress.source_name, error)
            progress.record_id = False

    def _forget_progress(self, progress):
        """The import ended, one way or the other: its progress record goes."""
        if not progress.record_id:
            return
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '5s'")
                Progress = api.Environment(cr, self.env.uid, {})["cloud.cost.import.progress"].sudo()._suite()
                Progress.browse(progress.record_id).exists().unlink()
        except psycopg2.Error as error:
            _logger.warning("cost source %s: progress record not removed (%s)", progress.source_name, error)
        progress.record_id = None

    # ------------------------------------------------------------------ one unit
    def _known_checksums(self, source, kind):
        self.env.cr.execute(
            """SELECT f.sha256 FROM cloud_cost_import_file f
                 JOIN cloud_cost_import_batch b ON b.id = f.batch_id
                WHERE b.source_id = %s AND f.kind = %s""",
            [source.id, kind],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _split_imported_manifests(self, source, units):
        """(units still to import, labels of the units whose export manifest was imported already)."""
        known = self._known_checksums(source, "manifest")
        fresh, imported = [], []
        for unit in units:
            if unit.manifest is not None and sha256_hex(unit.manifest_data) in known:
                imported.append(unit.label)
            else:
                fresh.append(unit)
        return fresh, imported

    def _import_unit(self, run, unit, fmt, result):
        run.db()
        manifest_sha = None
        if unit.manifest is not None:
            manifest_sha = sha256_hex(unit.manifest_data)
            if manifest_sha in self._known_checksums(run.source, "manifest"):
                result.unchanged.append(unit.label)
                return
        progress = run.progress
        with contextlib.ExitStack() as opened:
            # every file is hashed, a piece at a time, before anything is written (a re-delivered export
            # changes nothing); each stays open until it is imported: a download is not fetched twice
            streams, checksums = [], []
            for obj in unit.files:
                progress.file, progress.position = obj.name, 0
                self._tell_progress(run)
                stream = opened.enter_context(obj.open())
                checksums.append(hash_stream(stream)[0])
                streams.append(stream)
            if set(checksums) <= self._known_checksums(run.source, "data"):
                result.unchanged.append(unit.label)
                progress.files_done += len(unit.files)
                progress.bytes_done += sum(obj.size or 0 for obj in unit.files)
                return
            touched = set()
            for obj, stream, checksum in zip(unit.files, streams, checksums, strict=True):
                self._import_file(run, obj, stream, fmt)
                file_batches = [b for b in run.batches.values() if (obj.name, b.id) in run.file_rows]
                touched.update(file_batches)
                run.db()
                if file_batches:
                    kept = self._keep_file(stream, obj.name, checksum)
                    for batch in file_batches:
                        self._attach(batch, obj.name, kept, checksum, "data", run.file_rows[(obj.name, batch.id)])
                else:
                    result.empty.append(obj.name)
                    result.notes.append(
                        _("%(file)s: an empty export (a header and no rows), nothing to import", file=obj.name)
                    )
                progress.files_done += 1
                progress.bytes_done += obj.size or 0
                progress.position = 0
                stream.close()  # before the next file is read
        if unit.manifest is not None:
            for batch in touched:
                self._attach(batch, unit.manifest.name, unit.manifest_data, manifest_sha, "manifest", 0)

    def _import_file(self, run, obj, stream, fmt):
        """Parse, classify, convert and COPY one bill file, a chunk at a time, from its open stream."""
        progress = run.progress
        progress.file, progress.position = obj.name, 0
        self._tell_progress(run, force=True)
        stream.seek(0)
        chunks = bill_formats.read_bill(
            stream,
            file_name=obj.name,
            fmt=fmt,
            chunk_rows=self._import_chunk_rows,
            limits=run.limits,
            keys=run.format_keys,
        )
        try:
            for frame in chunks:
                self._store_chunk(run, frame, obj.name)
                progress.rows_read += len(frame)
                del frame  # not kept while the next chunk is parsed
                with contextlib.suppress(OSError, ValueError):
                    progress.position = stream.tell()
                self._tell_progress(run)
        finally:
            chunks.close()

    def _keep_file(self, stream, name, checksum):
        """The bill file copied into Odoo's filestore a piece at a time, where and as ir.attachment keeps files
        (named by their SHA-1): (store_fname, SHA-1, size). The copy is hashed again on the way: a file that
        changed since it was hashed is refused. In a database that keeps attachments in its own table
        (ir_attachment.location = db), the bytes are handed to ir.attachment instead."""
        Attachment = self.env["ir.attachment"].sudo()
        stream.seek(0)
        if Attachment._storage() != "file":
            data = stream.read()
            if sha256_hex(data) != checksum:
                raise StoreError(f"{name} changed while it was being imported", file=name)
            return data
        filestore = Attachment._filestore()
        os.makedirs(filestore, exist_ok=True)
        sha1 = hashlib.sha1()  # noqa: S324 - ir.attachment's own naming of the files it keeps
        sha256 = hashlib.sha256()
        size = 0
        copy = tempfile.NamedTemporaryFile(dir=filestore, prefix=".cloud-cost-", delete=False)  # noqa: SIM115
        try:
            with copy:
                while piece := stream.read(PIECE_BYTES):
                    copy.write(piece)
                    sha1.update(piece)
                    sha256.update(piece)
                    size += len(piece)
            if sha256.hexdigest() != checksum:
                raise StoreError(f"{name} changed while it was being imported", file=name)
            checksum_sha1 = sha1.hexdigest()
            fname = f"{checksum_sha1[:2]}/{checksum_sha1}"
            full_path = Attachment._full_path(fname)
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
            if os.path.exists(full_path):
                if not filecmp.cmp(copy.name, full_path, shallow=False):
                    raise UserError(_("The attachment collides with an existing file."))
            else:
                os.replace(copy.name, full_path)
                # removed by the filestore's garbage collection should this transaction not commit
                Attachment._mark_for_gc(fname)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(copy.name)
        return fname, checksum_sha1, size

    def _attach(self, batch, name, data, checksum, kind, rows):
        """Keep a file of the batch: ``data`` its bytes (a manifest), or (store_fname, SHA-1, size) of the copy
        ``_keep_file`` put into the filestore."""
        Attachment = self.env["ir.attachment"].sudo()
        values = {
            "name": name.rsplit("/", 1)[-1],
            "res_model": batch._name,
            "res_id": batch.id,
            "description": name,
            "mimetype": "application/json" if kind == "manifest" else "application/octet-stream",
        }
        if isinstance(data, bytes):
            attachment = Attachment.create({**values, "raw": data})
            size = len(data)
        else:
            fname, checksum_sha1, size = data
            attachment = Attachment.create(values)
            # what ir.attachment computes from bytes it is handed: the file is in its place already
            self.env.cr.execute(
                "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s, db_datas = NULL "
                "WHERE id = %s",
                [fname, checksum_sha1, size, attachment.id],
            )
            attachment.invalidate_recordset(["store_fname", "checksum", "file_size", "db_datas", "raw", "datas"])
        self.env["cloud.cost.import.file"].sudo().create(
            {
                "batch_id": batch.id,
                "name": name,
                "kind": kind,
                "sha256": checksum,
                "size": size,
                "row_count": rows,
                "attachment_id": attachment.id,
            }
        )

    # ------------------------------------------------------------------ one chunk
    def _lock_period(self, source, start):
        """One import of a source's billing period at a time: the lock is held until this transaction ends,
        and the loser is told at once (no waiting). An import of the period that committed after this
        transaction began is invisible to it, so a transaction of its own looks for one."""
        cr = self.env.cr
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [f"cloud.cost.bill.import:{source.id}:{start}"]
        )
        if not cr.fetchone()[0]:
            raise ImportBusy(
                _(
                    "%(name)s, billing period %(period)s: already being imported by someone else; "
                    "nothing was written. Try again once that import is done.",
                    name=source.name,
                    period=start.strftime("%Y-%m"),
                )
            )
        if not self.env.registry.ready:
            return  # modules being installed (demo bills): nobody else imports, and the tables are not committed
        query = SQL(
            "SELECT COALESCE(max(id), 0) FROM cloud_cost_import_batch "
            "WHERE source_id = %s AND billing_period_start = %s",
            source.id,
            start,
        )
        cr.execute(query)
        seen = cr.fetchone()[0]
        try:
            with self.env.registry.cursor() as fresh:
                fresh.execute("SET LOCAL lock_timeout = '10s'")
                fresh.execute(query)
                latest = fresh.fetchone()[0]
        except LockNotAvailable:
            latest = seen  # the table is being altered: nobody imports meanwhile
        if latest > seen:
            raise ImportBusy(
                _(
                    "%(name)s, billing period %(period)s: imported by someone else while this import "
                    "ran; nothing was written. Run it again to see what is left to import.",
                    name=source.name,
                    period=start.strftime("%Y-%m"),
                )
            )

    def _batch_for(self, run, period_start, period_end):
        batch = run.batches.get(period_start)
        if batch is None:
            run.db()
            start = fields.Date.to_date(period_start)
            self._lock_period(run.source, start)
            end = fields.Date.to_date(period_end) if period_end else None
            # FOCUS billing periods end exclusively (the first day of the next period)
            end = end - timedelta(days=1) if end and end > start else month_end(start)
            batch = self.env["cloud.cost.import.batch"].create(
                {
                    "source_id": run.source.id,
                    "company_id": run.source.company_id.id,
                    "billing_period_start": start,
                    "billing_period_end": end,
                    "state": "draft",
                }
            )
            run.batches[period_start] = batch
        return batch

    def _store_chunk(self, run, frame, file_name):
        if not len(frame):
            return
        periods = frame["billing_period_start"].astype(object)
        missing = periods.isna() | (periods == "")
        if missing.any():
            fallback = frame["charge_period_start"].astype(object).str.slice(0, 7) + "-01"
            periods = periods.where(~missing, fallback)
            if periods.isna().any():
                row = frame.loc[periods.isna(), "source_row"].iloc[0]
                raise bill_formats.BillFormatError(
                    "no billing period and no charge period", file=file_name, row=row, column="BillingPeriodStart"
                )
            frame = frame.assign(billing_period_start=periods)
        ends = frame["billing_period_end"].astype(object)
        distinct = pd.unique(periods)
        batch_ids = {}
        for period in distinct:
            end = ends[periods == period].iloc[0] if len(distinct) > 1 else ends.iloc[0]
            batch_ids[period] = self._batch_for(run, period, end if isinstance(end, str) and end else None).id
        if len(batch_ids) == 1:
            batch_column = np.full(len(frame), next(iter(batch_ids.values())), dtype=np.int64)
            counts = {next(iter(batch_ids.values())): len(frame)}
        else:
            batch_column = periods.map(batch_ids).to_numpy(dtype=np.int64)
            counts = pd.Series(batch_column).value_counts().to_dict()
        for batch_id, count in counts.items():
            key = (file_name, int(batch_id))
            run.file_rows[key] = run.file_rows.get(key, 0) + int(count)

        out = self._line_frame(run, frame)
        out["batch_id"] = batch_column
        run.writer.submit(out, context=(file_name, frame["source_row"].to_numpy()))

    def _line_columns(self):
        Line = self.env["cloud.cost.line"]
        return {name for name, f in Line._fields.items() if f.store and f.column_type}

    def _line_frame(self, run, frame):
        table_columns = self._line_columns()
        columns = [c for c in bill_formats.LINE_COLUMNS if c in table_columns and c in frame.columns]
        out = frame[columns].copy()
        # exact text for numbers, ISO text for dates: COPY parses them into the column types
        for column in columns:
            if out[column].dtype.kind in "iub" and column != "source_row":
                out[column] = out[column].astype(str)

        assignments = run.ruleset.classify_frame(frame)
        for target in CLASSIFICATION:
            out[target] = _nullable_ints(assignments[target]) if target.endswith("_id") else assignments[target]
        out["mapping_rule_id"] = _nullable_ints(assignments[RULE_ID])
        out["is_unallocated"] = assignments["analytic_account_id"].isna() & assignments["cost_pool_id"].isna()

        billed, effective = run.converter.convert(frame, ["billed_cost", "effective_cost"], run.db)
        out["billed_cost_company"] = pd.arrays.ArrowExtensionArray(billed)
        out["effective_cost_company"] = pd.arrays.ArrowExtensionArray(effective)

        for column, value in run.constants.items():
            out[column] = value
        if "provider_name" in out.columns and run.provider_name:
            out["provider_name"] = out["provider_name"].where(
                out["provider_name"].notna() & (out["provider_name"] != ""), run.provider_name
            )
        return out

    # ------------------------------------------------------------------ closing
    def _finish(self, run):
        """Totals, supersession and stored fields of the batches this run opened."""
        Batch = self.env["cloud.cost.import.batch"]
        Line = self.env["cloud.cost.line"]
        Line.invalidate_model()
        created = Batch.browse([b.id for b in run.batches.values()])
        for batch in created.sorted("billing_period_start"):
            previous = Batch.search(
                [
                    ("source_id", "=", batch.source_id.id),
                    ("billing_period_start", "=", batch.billing_period_start),
                    ("state", "=", "imported"),
                    ("id", "!=", batch.id),
                ],
                order="id desc",
            )
            self._write_totals(batch, previous[:1])
            self.env["cloud.cost.line.summary"]._refresh(batch.ids)
            rows = sum(n for (_name, batch_id), n in run.file_rows.items() if batch_id == batch.id)
            batch.write(
                {
                    "state": "imported",
                    "imported_on": fields.Datetime.now(),
                    "row_count": rows,
                    "previous_batch_id": previous[:1].id,
                }
            )
            if previous:
                previous.write({"state": "superseded", "superseded_by_id": batch.id})
        created.invalidate_recordset()
        totals = ["billed_cost_total", "effective_cost_total", "unallocated_cost"]
        for fname in totals:
            self.env.add_to_compute(Batch._fields[fname], created)
        created.flush_recordset(totals)  # computed from the lines written in SQL, stored now
        for batch in created:
            batch._compute_differences()
        return list(created.sorted("billing_period_start"))

    def _write_totals(self, batch, previous):
        self.env.cr.execute(
            """
            WITH cur AS (
                SELECT charge_category, billing_currency, count(*) AS n,
                       COALESCE(sum(billed_cost), 0) AS b, COALESCE(sum(effective_cost), 0) AS e,
                       COALESCE(sum(billed_cost_company), 0) AS bc,
                       COALESCE(sum(effective_cost_company), 0) AS ec
                  FROM cloud_cost_line WHERE batch_id = %(batch)s
              GROUP BY charge_category, billing_currency
            ), prev AS (
                SELECT charge_category, billing_currency, billed_cost AS b, effective_cost AS e
                  FROM cloud_cost_import_total WHERE batch_id = %(previous)s
            )
            INSERT INTO cloud_cost_import_total (
                batch_id, company_id, charge_category, billing_currency, row_count,
                billed_cost, effective_cost, billed_cost_company, effective_cost_company,
                previous_billed_cost, previous_effective_cost, billed_cost_difference, effective_cost_difference,
                create_uid, create_date, write_uid, write_date)
            SELECT %(batch)s, %(company)s, COALESCE(cur.charge_category, prev.charge_category),
                   COALESCE(cur.billing_currency, prev.billing_currency), COALESCE(cur.n, 0),
                   COALESCE(cur.b, 0), COALESCE(cur.e, 0), COALESCE(cur.bc, 0), COALESCE(cur.ec, 0),
                   CASE WHEN %(has_previous)s THEN COALESCE(prev.b, 0) END,
                   CASE WHEN %(has_previous)s THEN COALESCE(prev.e, 0) END,
                   CASE WHEN %(has_previous)s THEN COALESCE(cur.b, 0) - COALESCE(prev.b, 0) END,
                   CASE WHEN %(has_previous)s THEN COALESCE(cur.e, 0) - COALESCE(prev.e, 0) END,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM cur FULL JOIN prev
                ON COALESCE(cur.charge_category, '') = COALESCE(prev.charge_category, '')
               AND COALESCE(cur.billing_currency, '') = COALESCE(prev.billing_currency, '')
            """,
            {
                "batch": batch.id,
                "previous": previous.id or 0,
                "has_previous": bool(previous),
                "company": batch.company_id.id,
                "uid": self.env.uid,
            },
        )
        self.env["cloud.cost.import.total"].invalidate_model()


def _nullable_ints(values):
    return pd.array([None if v is None or v is False or v != v else int(v) for v in values], dtype="Int64")


class _CurrencyError(ValueError):
    def __init__(self, message, file=None, row=None, column=None):
        super().__init__(message)
        self.message, self.file, self.row, self.column = message, file, row, column


class _CurrencyConverter:
    """Billing-currency amounts to the company currency, one factor per currency and day.

    A currency's rates (Odoo's res.currency.rate, the company's before the shared ones)
    are read once, the first time the currency appears; the rate of a day is then the
    last one on or before it, else the first one after it, as Odoo takes it.
    """

    def __init__(self, env, company):
        self.env = env
        self.company_name = company.name
        self.root_id = company.root_id.id
        self.code = company.currency_id.name
        self.decimal_places = COMPANY_AMOUNT_PLACES  # rounded to the cent once summed, not per bill row
        self.history = {}  # code -> (currency id or None, [(day, company-specific first, rate)])
        self.factors = {}  # (code, 'YYYY-MM-DD') -> Decimal

    def _rates(self, code):
        if code not in self.history:
            self.env.cr.execute("SELECT id FROM res_currency WHERE name = %s", [code])
            row = self.env.cr.fetchone()
            rates = []
            if row:
                self.env.cr.execute(
                    """SELECT name::text, company_id IS NULL, rate FROM res_currency_rate
                        WHERE currency_id = %s AND (company_id IS NULL OR company_id = %s)
                     ORDER BY name, company_id IS NULL""",
                    [row[0], self.root_id],
                )
                rates = self.env.cr.fetchall()
            self.history[code] = (row and row[0], rates)
        return self.history[code]

    @staticmethod
    def _rate_on(rates, day):
        """Odoo's choice: the company's rates before the shared ones, the last one on or before the day,
        else the earliest one."""
        for shared in (False, True):
            days = [r for r in rates if r[1] == shared]
            position = bisect.bisect_right([r[0] for r in days], day)
            if position:
                return days[position - 1][2]
        return None

    def _earliest(self, rates):
        for shared in (False, True):
            days = [r for r in rates if r[1] == shared]
            if days:
                return days[0][2]
        return None

    def _factor(self, code, day, rows, wait_for_db):
        if code == self.code:
            return rate_factor(1, 1)
        if code not in self.history or self.code not in self.history:
            wait_for_db()
        currency_id, rates = self._rates(code)
        _company_currency, company_rates = self._rates(self.code)
        if currency_id is None or not rates:
            row, file = rows()
            message = (
                f"unknown currency {code!r}"
                if currency_id is None
                else f"no exchange rate for {code} in {self.company_name} (company currency {self.code})"
            )
            raise _CurrencyError(message, file=file, row=row, column="BillingCurrency")
        rate = self._rate_on(rates, day) or self._earliest(rates)
        company_rate = (self._rate_on(company_rates, day) or self._earliest(company_rates)) if company_rates else 1
        return rate_factor(company_rate, rate)

    def convert(self, frame, columns, wait_for_db):
        """Company-currency amounts of ``columns`` (Arrow string arrays, exact decimal text)."""
        codes = pc.utf8_upper(as_arrow(frame["billing_currency"]).cast(pa.string()))
        codes = pc.if_else(pc.equal(codes, ""), pa.scalar(None, pa.string()), codes).fill_null(self.code)
        days = charge_days(frame["charge_period_start"], frame.get("billing_period_start"))
        days = days.fill_null(fields.Date.to_string(fields.Date.today()))
        keys = pc.binary_join_element_wise(codes, days, "|").dictionary_encode()
        factors = []
        for index, key in enumerate(keys.dictionary.to_pylist()):
            pair = tuple(key.split("|", 1))
            if pair not in self.factors:

                def first_row(index=index):
                    position = int(np.flatnonzero(keys.indices.to_numpy(zero_copy_only=False) == index)[0])
                    return frame["source_row"].iloc[position], frame["source_file"].iloc[position]

                self.factors[pair] = self._factor(*pair, first_row, wait_for_db)
            factors.append(self.factors[pair])
        indices = keys.indices.to_numpy(zero_copy_only=False)
        return [
            convert_amounts(frame[c], indices, factors, self.decimal_places, keep_unconverted=True) for c in columns
        ]

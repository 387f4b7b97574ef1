import hashlib
import json
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, LazyTranslate

from ..core.auditor_pack import build_workbook
from ..core.run_hash import (
    ALGORITHM,
    ALGORITHM_V1,
    SectionHash,
    changed_sections,
    content_hash,
    file_sha256,
    seal_hash,
)

_lt = LazyTranslate(__name__)

# Runs in these states are sealed: their lines, checks, cost-line links and inputs no longer change.
SEALED_STATES = ("approved", "posted", "reversed")
# Context key of the one way back, a controller resetting an approved run to draft. Its value is the runs
# being opened, a recordset: a client's context is JSON and never holds one.
UNSEALING = "cloud_cost_audit_unsealing"
# Bill files are hashed a megabyte at a time, never held in memory whole.
FILE_CHUNK = 1 << 20
COST_PAGE = 50_000

# ---------------------------------------------------------------------- what the seal covers (sha256-v2)
IDENTITY_COLUMNS = (
    "name",
    "policy_id",
    "company_id",
    "date_from",
    "date_to",
    "period",
    "state",
    "computed_by_id",
    "approved_by_id",
    "posted_by_id",
    "reversed_by_id",
    "input_fingerprint",
)
FIGURE_COLUMNS = (
    "total_cost",
    "direct_cost",
    "allocated_amount",
    "allocated_percent",
    "maturity",
    "unallocated_amount",
    "unallocated_kept",
    "idle_amount",
    "idle_kept",
    "non_production_amount",
    "non_production_percent",
    "user_count",
    "transaction_count",
    "cost_per_user",
    "cost_per_transaction",
    "checks_passed",
    "cost_line_count",
    "summary",
)
LINE_COLUMNS = (
    "date",
    "step_id",
    "step_sequence",
    "sender_pool_id",
    "receiver_kind",
    "analytic_account_id",
    "receiver_pool_id",
    "method",
    "line_type",
    "is_final",
    "driver_key_id",
    "driver_value",
    "share",
    "unit_price",
    "amount",
    "environment",
    "tenant",
    "service_tier_id",
    "service_name",
    "provider_name",
    "service_category",
)
SENDER_COLUMNS = (
    "pool_id",
    "own_amount",
    "received_amount",
    "credited_amount",
    "kept_amount",
    "credited_percent",
    "balanced",
)
# the run's own columns of its cost-line links (the mixin refuses them on sealed runs)
COST_COLUMNS = ("cost_line_id", "cost_pool_id", "analytic_account_id", "amount")
# what a run recorded of each import batch it took lines of
TAKEN_BATCH_COLUMNS = (
    "batch_id",
    "amount_basis",
    "charge_date_from",
    "charge_date_to",
    "line_count",
    "amount",
    "lines_digest",
)
# sections a seal taken before they existed does not hold: verified without them
LATER_SECTIONS = ("cost_batches",)
# cost line columns, by section; each row starts with the cost line's id
COST_LINE_AMOUNTS = (
    "company_id",
    "company_currency_id",
    "billing_currency",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "billed_cost_company",
    "effective_cost_company",
)
COST_LINE_CLASSIFICATION = ("analytic_account_id", "cost_pool_id", "environment", "tenant", "service_tier_id")
COST_LINE_PROVENANCE = (
    "batch_id",
    "source_file",
    "source_row",
    "charge_period_start",
    "charge_period_end",
    "billing_period_start",
    "billing_period_end",
    "charge_category",
    "provider_name",
    "service_name",
    "service_category",
)
# what a sealed run's cost lines may not change through the ORM (the hashed columns)
COST_LINE_SEALED_FIELDS = frozenset(
    set(COST_LINE_AMOUNTS + COST_LINE_CLASSIFICATION + COST_LINE_PROVENANCE) - {"company_currency_id"}
)
DRIVER_VALUE_COLUMNS = ("id", "key_id", "company_id", "analytic_account_id", "date_from", "date_to", "value", "origin")
FILE_COLUMNS = ("batch_id", "name", "kind", "sha256", "size", "row_count", "attachment_id")
FILE_BYTES_COLUMNS = ("kind", "sha256", "size")
MOVE_COLUMNS = ("name", "date", "state", "journal_id", "company_id")
JOURNAL_COLUMNS = (
    "account_id",
    "partner_id",
    "debit",
    "credit",
    "amount_currency",
    "currency_id",
    "analytic_distribution",
    "cloud_cost_receiver_id",
    "cloud_cost_sender_pool_id",
    "cloud_cost_environment",
    "cloud_cost_side",
)
# what the ORM refuses on a sealed run; its state and who posted or reversed it are the suite's (guarded)
SEALED_FIELDS = frozenset(
    {
        "policy_id",
        "company_id",
        "date_from",
        "date_to",
        "computed_by_id",
        "computed_on",
        "approved_by_id",
        "approved_on",
        "input_fingerprint",
        "snapshot",
        *FIGURE_COLUMNS,
    }
)
SEAL_FIELDS = frozenset(
    {
        "content_hash",
        "hash_algorithm",
        "seal_digests",
        "sealed_on",
        "hash_check",
        "hash_checked_on",
        "hash_check_changes",
    }
)

SECTION_LABELS = {
    "identity": _lt("run identity (name, policy, period, company, state, who computed, approved and posted)"),
    "figures": _lt("run figures (totals, KPIs, 100 % check, cost line, user and transaction counts)"),
    "snapshot": _lt("frozen rules and driver values (snapshot)"),
    "driver_values": _lt("driver values of the run's keys and period"),
    "lines": _lt("allocation lines"),
    "senders": _lt("sender pool checks"),
    "cost_amounts": _lt("amounts and currencies of the cost lines taken"),
    "cost_classification": _lt(
        "classification of the cost lines taken (business unit, pool, environment, " "tenant, tier)"
    ),
    "cost_provenance": _lt("provenance of the cost lines taken (batch, file, row, period, provider, service)"),
    "cost_batches": _lt("import batches taken (count, exact sum and hash of the cost lines taken of each)"),
    "journal_items": _lt("journal items"),
}


def _exact(value):
    return format(value.normalize(), "f") if value else "0"


def _section_order(section):
    """Sections in the order a report lists them: the run, its inputs, the bill files, its entries."""
    order = list(SECTION_LABELS)
    if section in SECTION_LABELS:
        return order.index(section), "", False
    kind, _sep, key = section.partition(":")
    return order.index("cost_provenance") + 0.5, key, kind != "file"


def snapshot_driver_keys(snapshot):
    """Ids of the allocation keys whose driver values a run read: those it froze values of, and its steps'."""
    keys = {key for key in (snapshot.get("drivers") or {}) if str(key).isdigit()}
    for step in (snapshot.get("rules") or {}).get("steps") or []:
        key = step.get("key") if isinstance(step, dict) else None
        if isinstance(key, list) and key and str(key[0]).isdigit():
            keys.add(key[0])
    return sorted(int(key) for key in keys)


# SQL condition on a run ``r`` and a driver value ``v``: the run read the value's key
SQL_RUN_READS_KEY = """(jsonb_exists(r.snapshot -> 'drivers', v.key_id::text)
    OR EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.snapshot -> 'rules' -> 'steps') = 'array'
                                                   THEN r.snapshot -> 'rules' -> 'steps' ELSE '[]'::jsonb END) step
                WHERE step -> 'key' ->> 0 = v.key_id::text))"""


# ---------------------------------------------------------------------- sha256-v1 (runs sealed before v2)
V1_RUN_COLUMNS = (
    "company_id",
    "policy_id",
    "date_from",
    "date_to",
    "total_cost",
    "direct_cost",
    "allocated_amount",
    "unallocated_amount",
    "idle_amount",
    "cost_line_count",
    "input_fingerprint",
    "computed_by_id",
    "approved_by_id",
)
V1_SENDER_COLUMNS = ("pool_id", "own_amount", "received_amount", "credited_amount", "kept_amount", "balanced")
V1_COST_COLUMNS = (
    "cost_line_id",
    "cost_pool_id",
    "analytic_account_id",
    "amount",
    "batch_id",
    "source_file",
    "source_row",
)
V1_FILE_COLUMNS = ("batch_id", "name", "kind", "sha256", "size")
V1_JOURNAL_COLUMNS = (
    "move_id",
    "account_id",
    "debit",
    "credit",
    "analytic_distribution",
    "cloud_cost_receiver_id",
    "cloud_cost_sender_pool_id",
    "cloud_cost_environment",
    "cloud_cost_side",
)


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    content_hash = fields.Char(
        readonly=True,
        copy=False,
        tracking=True,
        help="SHA-256 seal of what the run holds and what it took: its identity and figures, "
        "lines and checks, frozen rules and driver values, the cost lines taken with their "
        "amounts, classification and bill rows, the bytes of the bill files and the journal "
        "items. Taken when it was approved and again when posted and reversed.",
    )
    hash_algorithm = fields.Char(readonly=True, copy=False)
    seal_digests = fields.Json(
        readonly=True,
        copy=False,
        help="The digest of each part the seal covers: a verification names the parts " "that changed.",
    )
    sealed_on = fields.Datetime(readonly=True, copy=False)
    hash_check = fields.Selection(
        [("match", "Matches"), ("mismatch", "Does not match")],
        readonly=True,
        copy=False,
        help="Result of the last verification.",
    )
    hash_checked_on = fields.Datetime(readonly=True, copy=False)
    hash_check_changes = fields.Text(
        "Changed Since Sealed", readonly=True, copy=False, help="What the last verification found changed."
    )

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | SEAL_FIELDS

    # ------------------------------------------------------------------ reading what the seal covers
    def _rows(self, columns, query):
        self.env.cr.execute(query)
        return [dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()]

    def _select(self, model, columns, where_column, value):
        """SELECT of ``columns`` of ``model``'s table, NULL numbers and booleans read as the ORM reads them
        (0 and false): a value rewritten unchanged by the ORM gives the same hash."""
        Model = self.env[model]

        def column(name):
            kind = Model._fields[name].type
            if kind in ("float", "monetary", "integer"):
                return SQL("COALESCE(%s, 0)", SQL.identifier("t", name))
            if kind == "boolean":
                return SQL("COALESCE(%s, false)", SQL.identifier("t", name))
            return SQL.identifier("t", name)

        return SQL(
            "SELECT %s FROM %s t WHERE %s = %s",
            SQL(", ").join(column(name) for name in columns),
            SQL.identifier(Model._table),
            SQL.identifier("t", where_column),
            value,
        )

    def _audit_sections_v1(self):
        """What a ``sha256-v1`` hash covers, read from the database as stored (not from the ORM cache)."""
        self.ensure_one()
        self.env.flush_all()
        (run,) = self._rows(V1_RUN_COLUMNS, self._select(self._name, V1_RUN_COLUMNS, "id", self.id))
        self.env.cr.execute("SELECT snapshot FROM cloud_cost_allocation_run WHERE id = %s", [self.id])
        snapshot = self.env.cr.fetchone()[0]
        costs = self._rows(
            V1_COST_COLUMNS,
            SQL(
                "SELECT c.cost_line_id, c.cost_pool_id, c.analytic_account_id, COALESCE(c.amount, 0), l.batch_id, "
                "l.source_file, l.source_row FROM cloud_cost_allocation_run_cost c "
                "JOIN cloud_cost_line l ON l.id = c.cost_line_id WHERE %s",
                self.env["cloud.cost.allocation.run.cost"]._run_rows_sql(self.id),
            ),
        )
        files = self._rows(
            V1_FILE_COLUMNS,
            SQL(
                "SELECT %s FROM cloud_cost_import_file f WHERE f.batch_id = ANY(%s)",
                SQL(", ").join(SQL.identifier("f", column) for column in V1_FILE_COLUMNS),
                sorted({row["batch_id"] for row in costs}),
            ),
        )
        journal = self._rows(
            V1_JOURNAL_COLUMNS,
            SQL(
                "SELECT %s FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
                "WHERE m.cloud_cost_run_id = %s AND m.state = 'posted'",
                SQL(", ").join(SQL.identifier("l", column) for column in V1_JOURNAL_COLUMNS),
                self.id,
            ),
        )
        return {
            "run": run,
            "lines": self._rows(
                LINE_COLUMNS, self._select("cloud.cost.allocation.line", LINE_COLUMNS, "run_id", self.id)
            ),
            "senders": self._rows(
                V1_SENDER_COLUMNS,
                self._select("cloud.cost.allocation.run.sender", V1_SENDER_COLUMNS, "run_id", self.id),
            ),
            "costs": costs,
            "files": files,
            "snapshot": snapshot or {},
            "journal_items": journal,
        }

    def _seal_digests(self):
        """({section: digest}, {file section: its file's state}) of what the run holds now, read from the
        database as stored (never from the ORM cache nor from stored totals); the bill files' bytes are
        hashed again from the attachments."""
        self.ensure_one()
        self.env.flush_all()
        cr = self.env.cr
        digests = {}
        (identity,) = self._rows(IDENTITY_COLUMNS, self._select(self._name, IDENTITY_COLUMNS, "id", self.id))
        cr.execute("SELECT currency_id FROM res_company WHERE id = %s", [identity["company_id"]])
        identity["currency_id"] = (cr.fetchone() or [None])[0]
        digests["identity"] = SectionHash("identity", (*IDENTITY_COLUMNS, "currency_id")).add([identity]).hexdigest()
        figures = self._rows(FIGURE_COLUMNS, self._select(self._name, FIGURE_COLUMNS, "id", self.id))
        digests["figures"] = SectionHash("figures", FIGURE_COLUMNS).add(figures).hexdigest()
        cr.execute("SELECT snapshot FROM cloud_cost_allocation_run WHERE id = %s", [self.id])
        snapshot = cr.fetchone()[0] or {}
        if not isinstance(snapshot, dict):
            snapshot = {"": snapshot}  # hashed as it is, read as holding no keys
        digests["snapshot"] = SectionHash("snapshot", ("snapshot",)).add([[snapshot]]).hexdigest()

        # the driver value records the frozen values were read from: the run's company, keys and period
        keys = snapshot_driver_keys(snapshot)
        cr.execute(
            SQL(
                """SELECT v.id, v.key_id, v.company_id, v.analytic_account_id, v.date_from, v.date_to,
                      COALESCE(v.value, 0), v.origin
                 FROM cloud_cost_driver_value v
                WHERE v.company_id = %s AND v.key_id = ANY(%s) AND v.date_from >= %s AND v.date_to <= %s
             ORDER BY v.id""",
                identity["company_id"],
                keys,
                identity["date_from"],
                identity["date_to"],
            )
        )
        digests["driver_values"] = SectionHash("driver_values", DRIVER_VALUE_COLUMNS).add(cr.fetchall()).hexdigest()

        lines = self._select("cloud.cost.allocation.line", LINE_COLUMNS, "run_id", self.id)
        cr.execute(lines)
        digests["lines"] = SectionHash("lines", LINE_COLUMNS).add_unordered(cr.fetchall()).hexdigest()
        cr.execute(
            SQL(
                """SELECT s.pool_id, COALESCE(s.own_amount, 0), COALESCE(s.received_amount, 0),
                      COALESCE(s.credited_amount, 0), COALESCE(s.kept_amount, 0), COALESCE(s.credited_percent, 0),
                      COALESCE(s.balanced, false),
                      ARRAY(SELECT u.pool_id FROM cloud_cost_allocation_sender_upstream_rel u
                             WHERE u.sender_id = s.id ORDER BY 1)
                 FROM cloud_cost_allocation_run_sender s WHERE s.run_id = %s""",
                self.id,
            )
        )
        digests["senders"] = (
            SectionHash("senders", (*SENDER_COLUMNS, "upstream_pool_ids")).add_unordered(cr.fetchall()).hexdigest()
        )

        cr.execute(
            SQL(
                """SELECT t.batch_id, t.amount_basis, t.charge_date_from, t.charge_date_to, COALESCE(t.line_count, 0),
                      COALESCE(t.amount, 0), t.lines_digest
                 FROM cloud_cost_allocation_run_batch t WHERE t.run_id = %s ORDER BY t.batch_id""",
                self.id,
            )
        )
        digests["cost_batches"] = SectionHash("cost_batches", TAKEN_BATCH_COLUMNS).add(cr.fetchall()).hexdigest()
        batches = self._seal_cost_lines(digests)
        files = self._seal_files(digests, batches)

        columns = SQL(", ").join(
            [
                *(SQL.identifier("m", name) for name in MOVE_COLUMNS),
                *(
                    SQL("COALESCE(%s, 0)", SQL.identifier("l", name))
                    if name in ("debit", "credit", "amount_currency")
                    else SQL.identifier("l", name)
                    for name in JOURNAL_COLUMNS
                ),
            ]
        )
        cr.execute(
            SQL(
                """SELECT %s FROM account_move_line l JOIN account_move m ON m.id = l.move_id
                WHERE m.cloud_cost_run_id = %s AND m.state = 'posted'""",
                columns,
                self.id,
            )
        )
        digests["journal_items"] = (
            SectionHash(
                "journal_items",
                tuple(f"move_{name}" for name in MOVE_COLUMNS) + JOURNAL_COLUMNS,
            )
            .add_unordered(cr.fetchall())
            .hexdigest()
        )
        return digests, files

    def _seal_cost_lines(self, digests):
        """The three cost-line sections, read in cost line order a page at a time; returns the batch ids."""
        amounts = SectionHash("cost_amounts", ("cost_line_id", "taken_amount", *COST_LINE_AMOUNTS))
        classification = SectionHash(
            "cost_classification",
            ("cost_line_id", "taken_pool_id", "taken_analytic_account_id", *COST_LINE_CLASSIFICATION),
        )
        provenance = SectionHash("cost_provenance", ("cost_line_id", *COST_LINE_PROVENANCE))
        Line = self.env["cloud.cost.line"]

        def column(name):
            if name == "company_currency_id":
                return SQL("co.currency_id")
            if Line._fields[name].type in ("float", "monetary", "integer"):
                return SQL("COALESCE(%s, 0)", SQL.identifier("l", name))
            return SQL.identifier("l", name)

        columns = SQL(", ").join(
            column(name) for name in COST_LINE_AMOUNTS + COST_LINE_CLASSIFICATION + COST_LINE_PROVENANCE
        )
        split_classification = len(COST_LINE_AMOUNTS)
        split_provenance = split_classification + len(COST_LINE_CLASSIFICATION)
        batches = set()
        # one ordered pass, fetched a page at a time (paging by key re-read the run's cost view each page)
        self.env.cr.execute(
            SQL(
                """DECLARE seal_cost_lines NO SCROLL CURSOR FOR
                   SELECT c.cost_line_id, COALESCE(c.amount, 0), c.cost_pool_id, c.analytic_account_id, %s
                     FROM cloud_cost_allocation_run_cost c
                     LEFT JOIN cloud_cost_line l ON l.id = c.cost_line_id
                     LEFT JOIN res_company co ON co.id = l.company_id
                    WHERE %s
                 ORDER BY c.cost_line_id, c.id""",
                columns,
                self.env["cloud.cost.allocation.run.cost"]._run_rows_sql(self.id),
            )
        )
        while True:
            self.env.cr.execute(SQL("FETCH FORWARD %s FROM seal_cost_lines", COST_PAGE))
            rows = self.env.cr.fetchall()
            if not rows:
                break
            for line_id, amount, pool, account, *values in rows:
                amounts.add([(line_id, amount, *values[:split_classification])])
                classification.add([(line_id, pool, account, *values[split_classification:split_provenance])])
                provenance.add([(line_id, *values[split_provenance:])])
                batches.add(values[split_provenance])
        self.env.cr.execute("CLOSE seal_cost_lines")
        digests["cost_amounts"] = amounts.hexdigest()
        digests["cost_classification"] = classification.hexdigest()
        digests["cost_provenance"] = provenance.hexdigest()
        return sorted(batch for batch in batches if batch)

    def _seal_files(self, digests, batches):
        """Two sections per bill file of the batches taken: its record ("file:") and its bytes, hashed again
        from the attachment ("bytes:"); returns {section: {"name", "bytes_match", "missing"}}."""
        self.env.cr.execute(
            SQL(
                """SELECT f.batch_id, f.name, f.kind, f.sha256, COALESCE(f.size, 0), COALESCE(f.row_count, 0),
                      f.attachment_id
                 FROM cloud_cost_import_file f WHERE f.batch_id = ANY(%s)
             ORDER BY f.batch_id, f.name, f.kind, f.id""",
                batches,
            )
        )
        by_file = defaultdict(list)
        for row in self.env.cr.fetchall():
            by_file[f"{row[0]}:{row[1]}"].append(row)
        files = {}
        for key, rows in by_file.items():
            state = {"name": rows[0][1], "bytes_match": True, "missing": False}
            contents = []
            for row in rows:
                if not row[6]:
                    continue  # a file read where it lies and never kept (summed in S3): its record is sealed
                checksum, size = self._attachment_sha256(row[6])
                state["missing"] |= checksum is None
                state["bytes_match"] &= checksum == row[3]
                contents.append((row[2], checksum, size))
            digests[f"file:{key}"] = SectionHash("bill_file", FILE_COLUMNS).add(rows).hexdigest()
            files[f"file:{key}"] = state
            if contents:
                digests[f"bytes:{key}"] = SectionHash("bill_file_bytes", FILE_BYTES_COLUMNS).add(contents).hexdigest()
                files[f"bytes:{key}"] = state
        self._seal_file_origins(digests, files, batches)
        return files

    def _seal_file_origins(self, digests, files, batches):
        """A section per bill file read where it lies and never kept (summed in S3 or a folder): where it was
        read and what names its bytes there (an S3 ETag and version), the columns addons add for them."""
        extra = self.env["cloud.cost.import.file"]._sealed_origin_columns()
        if not extra:
            return
        self.env.cr.execute(
            SQL(
                "SELECT f.batch_id, f.name, %s FROM cloud_cost_import_file f "
                "WHERE f.batch_id = ANY(%s) AND f.attachment_id IS NULL ORDER BY f.batch_id, f.name, f.id",
                SQL(", ").join(SQL.identifier("f", name) for name in extra),
                batches,
            )
        )
        by_file = defaultdict(list)
        for row in self.env.cr.fetchall():
            by_file[f"{row[0]}:{row[1]}"].append(row)
        for key, rows in by_file.items():
            digests[f"origin:{key}"] = (
                SectionHash("bill_file_origin", ("batch_id", "name", *extra)).add(rows).hexdigest()
            )
            files[f"origin:{key}"] = {"name": rows[0][1], "bytes_match": True, "missing": False}

    def _attachment_sha256(self, attachment_id):
        """(SHA-256, size) of an attachment's bytes as stored now, in the filestore or the database;
        (None, None) when they are gone."""
        if not attachment_id:
            return None, None
        self.env.cr.execute("SELECT store_fname, db_datas FROM ir_attachment WHERE id = %s", [attachment_id])
        row = self.env.cr.fetchone()
        if not row:
            return None, None
        store_fname, db_datas = row
        if not store_fname:
            data = bytes(db_datas or b"")
            return file_sha256([data]), len(data)
        path = self.env["ir.attachment"]._full_path(store_fname)
        size = 0

        def chunks(stream):
            nonlocal size
            while chunk := stream.read(FILE_CHUNK):
                size += len(chunk)
                yield chunk

        try:
            with open(path, "rb") as stream:
                return file_sha256(chunks(stream)), size
        except OSError:
            return None, None

    # ------------------------------------------------------------------ sealing
    def _seal(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for run in self:
            digests, files = run._seal_digests()
            digest = seal_hash(digests)
            run._suite().write(
                {
                    "content_hash": digest,
                    "hash_algorithm": ALGORITHM,
                    "seal_digests": digests,
                    "sealed_on": fields.Datetime.now(),
                    "hash_check": False,
                    "hash_checked_on": False,
                    "hash_check_changes": False,
                }
            )
            body = Markup("<p>%s</p>") % _(
                "Sealed as %(state)s: content hash %(algorithm)s %(hash)s",
                state=states[run.state],
                algorithm=ALGORITHM,
                hash=digest,
            )
            broken = sorted(state["name"] for state in files.values() if not state["bytes_match"])
            if broken:
                body += Markup("<p>%s</p>") % _(
                    "The stored bytes of these bill files do not match their SHA-256 " "at import: %s",
                    ", ".join(broken),
                )
            run._message_log(body=body)

    def _unsealing(self):
        """These runs, opened for the one way back (see ``_check_not_sealed``)."""
        return self.with_context(**{UNSEALING: self})

    def _check_not_sealed(self, what):
        """Refuse a change to ``what`` of sealed runs (approved, posted or reversed)."""
        opened = self.env.context.get(UNSEALING)
        if not (isinstance(opened, models.BaseModel) and opened._name == self._name):
            opened = self.browse()
        sealed = self.filtered(lambda run: run.state in SEALED_STATES and run not in opened)
        if sealed:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "Run %(run)s is %(state)s and sealed by its content hash: its %(what)s cannot change. "
                    "Reset an approved run to draft, or reverse a posted one, and compute it again.",
                    run=sealed[0].display_name,
                    state=states[sealed[0].state],
                    what=what,
                )
            )

    @api.model
    def _sealed_runs_using(self, references, ids):
        """{id: sealed runs} for the ``ids`` named by sealed runs' lines, checks or cost links.

        ``references``: (table, column) pairs of tables with a run_id column."""
        if not ids:
            return {}
        self.env.flush_all()
        queries = [
            SQL(
                "SELECT t.run_id, %s AS ref FROM %s t WHERE %s = ANY(%s)",
                SQL.identifier("t", column),
                SQL.identifier(table),
                SQL.identifier("t", column),
                list(ids),
            )
            for table, column in references
        ]
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT u.ref, r.id FROM (%s) u JOIN cloud_cost_allocation_run r ON r.id = u.run_id "
                "WHERE r.state = ANY(%s) ORDER BY 1, 2",
                SQL(" UNION ALL ").join(queries),
                list(SEALED_STATES),
            )
        )
        used = {}
        for ref, run_id in self.env.cr.fetchall():
            used[ref] = used.get(ref, self.browse()) | self.browse(run_id)
        return used

    @api.model
    def _check_not_used_by_sealed_runs(self, records, references):
        """Refuse to delete ``records`` that sealed runs name: the runs' content hash covers them."""
        used = self.sudo()._sealed_runs_using(references, records.ids)
        if used:
            record = records.browse(next(iter(used)))
            raise UserError(
                _(
                    "%(record)s is part of sealed allocation run %(run)s: it cannot be deleted. Archive it instead.",
                    record=record.display_name,
                    run=used[record.id][0].display_name,
                )
            )

    def write(self, vals):
        if SEALED_FIELDS & set(vals):
            self._check_not_sealed(_("figures, snapshot and approval"))
        return super().write(vals)

    # ------------------------------------------------------------------ verification
    def _stored_seal(self):
        """(content hash, algorithm, section digests) as stored in the database."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT content_hash, hash_algorithm, seal_digests FROM cloud_cost_allocation_run " "WHERE id = %s",
            [self.id],
        )
        return self.env.cr.fetchone()

    def _verify_seal(self):
        """Recompute the run's seal from the data: {"match": bool, "algorithm", "changed": [what changed],
        "named": whether the changed parts could be named, "sections": [(what, matches)]}."""
        self.ensure_one()
        stored_hash, algorithm, stored = self._stored_seal()
        if not stored_hash:
            raise UserError(_("Run %s is not sealed: runs are sealed when approved.", self.display_name))
        if algorithm in (False, None, ALGORITHM_V1):
            # sealed as one hash: whether it matches, not what changed
            match = content_hash(self._audit_sections_v1()) == stored_hash
            return {"match": match, "algorithm": ALGORITHM_V1, "changed": [], "named": False, "sections": []}
        digests, files = self._seal_digests()
        stored = stored if isinstance(stored, dict) else {}
        for section in LATER_SECTIONS:
            if section not in stored:
                digests.pop(section, None)  # sealed before the section existed: the seal never covered it
        match = seal_hash(digests) == stored_hash
        # the digests kept with the seal name what changed only while they still give the seal
        named = bool(stored) and seal_hash(stored) == stored_hash
        changed = sorted(changed_sections(stored, digests), key=_section_order) if named and not match else []
        return {
            "match": match,
            "algorithm": algorithm,
            "named": match or named,
            "changed": [self._seal_label(name, files) for name in changed],
            "sections": [
                (self._seal_label(name, files), name not in changed)
                for name in sorted(set(stored) | set(digests), key=_section_order)
            ]
            if match or named
            else [],
        }

    def _seal_label(self, section, files):
        if section in SECTION_LABELS:
            return str(SECTION_LABELS[section])
        kind, _sep, key = section.partition(":")
        state = files.get(section)
        name = state["name"] if state else key.partition(":")[2]
        if kind == "bytes":
            if state and state["missing"]:
                return _("bill file bytes of %s (the stored file is missing)", name)
            return _("bill file bytes of %s", name)
        if kind == "origin":
            return _("where bill file %s was read and what names its bytes there (S3 ETag, version)", name)
        if kind == "file":
            if state is None:
                return _("bill file %s (no longer among the files of the batches taken)", name)
            return _("bill file record of %s (name, checksum, size, rows or attachment)", name)
        return section

    def _verify_hash(self):
        """True when the run's content still gives its stored hash."""
        return self._verify_seal()["match"]

    def _verify_message(self, result):
        if result["match"]:
            return _("Content hash verified: it matches.")
        if result["changed"]:
            return _(
                "Content hash verified: it does NOT match: the run's data changed after it was sealed. " "Changed: %s.",
                "; ".join(result["changed"]),
            )
        if result["algorithm"] == ALGORITHM_V1:
            return _(
                "Content hash verified: it does NOT match: the run's data changed after it was sealed "
                "(sealed as one %s hash: the changed parts cannot be named).",
                ALGORITHM_V1,
            )
        return _(
            "Content hash verified: it does NOT match: the run's data changed after it was sealed, and the "
            "digests kept with the seal were altered too: the changed parts cannot be named."
        )

    def action_verify_hash(self):
        self.check_access("read")
        messages = {}
        for run in self:
            result = run._verify_seal()
            messages[run] = run._verify_message(result)
            # auditors verify without write access to the run: the suite records the check for them
            run.sudo()._suite().write(
                {
                    "hash_check": "match" if result["match"] else "mismatch",
                    "hash_checked_on": fields.Datetime.now(),
                    "hash_check_changes": "\n".join(result["changed"]) or False,
                }
            )
            body = Markup("<p>%s</p>") % messages[run]
            if result["changed"]:
                body = Markup("<p>%s</p><ul>%s</ul>") % (
                    _(
                        "Content hash verified: it does NOT match: the run's data changed after it was sealed. "
                        "Changed:"
                    ),
                    Markup().join(Markup("<li>%s</li>") % label for label in result["changed"]),
                )
            run.sudo()._message_log(body=body, author_id=self.env.user.partner_id.id)
        if len(self) == 1:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success" if self.hash_check == "match" else "danger",
                    "sticky": self.hash_check != "match",
                    "title": dict(self._fields["hash_check"]._description_selection(self.env))[self.hash_check],
                    "message": messages[self],
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    # ------------------------------------------------------------------ life cycle
    def action_approve(self):
        result = super().action_approve()
        self._seal()
        return result

    def action_post(self):
        result = super().action_post()
        self._seal()
        return result

    def action_reverse(self):
        # the reversal entries join the sealed content; the hash taken at posting stays in the chatter
        result = super().action_reverse()
        self._seal()
        return result

    def action_reset_to_draft(self):
        # the one way back for an approved run: its results are cleared and computed again
        result = super(CloudCostAllocationRun, self._unsealing()).action_reset_to_draft()
        self._suite().write(dict.fromkeys(SEAL_FIELDS, False))
        return result

    # ------------------------------------------------------------------ auditor pack
    def _auditor_pack_data(self):
        self.ensure_one()
        currency = self.currency_id.name
        summary = [
            (_("Run"), self.display_name),
            (_("Company"), self.company_id.name),
            (_("Policy"), self.policy_id.display_name),
            (_("Period"), f"{self.date_from} - {self.date_to}"),
            (_("State"), dict(self._fields["state"]._description_selection(self.env))[self.state]),
            (_("Currency"), currency),
            (_("Total cost"), self.total_cost),
            (_("Allocated"), self.allocated_amount),
            (_("% allocated"), self.allocated_percent),
            (_("Unallocated"), self.unallocated_amount),
            (_("Idle"), self.idle_amount),
            (_("Cost lines taken"), self.cost_line_count),
            (_("Computed by"), f"{self.computed_by_id.name or ''} {self.computed_on or ''}".strip()),
            (_("Approved by"), f"{self.approved_by_id.name or ''} {self.approved_on or ''}".strip()),
            (_("Posted by"), f"{self.posted_by_id.name or ''} {self.posted_on or ''}".strip()),
            (_("Journal entries"), ", ".join(self.move_ids.mapped("name"))),
            (_("100% check"), _("passed") if self.checks_passed else _("FAILED")),
            (_("Content hash"), f"{self.hash_algorithm or ''} {self.content_hash or _('(not sealed)')}".strip()),
        ]
        lines = [
            {
                "Step": line.step_id.display_name or "",
                "Sequence": line.step_sequence,
                "Sender pool": line.sender_pool_id.display_name or "",
                "Line type": line.line_type,
                "Method": line.method or "",
                "Receiver": line.analytic_account_id.display_name
                or line.receiver_pool_id.display_name
                or _("(kept visible)"),
                "Final": bool(line.is_final),
                "Driver": line.driver_key_id.display_name or "",
                "Driver value": line.driver_value,
                "Share": line.share,
                "Environment": line.environment or "",
                "Amount": line.amount,
            }
            for line in self.line_ids.sorted(lambda line: (line.step_sequence, line.id))
        ]
        snapshot = self.snapshot or {}
        drivers = []
        Key = self.env["cloud.cost.allocation.key"].sudo()
        for key_id, values in sorted((snapshot.get("drivers") or {}).items()):
            for kind, ident, value in values:
                drivers.append(
                    {
                        "Allocation key": Key.browse(int(key_id)).display_name,
                        "Receiver": self._snapshot_name(kind, ident),
                        "Value": value,
                    }
                )
        files = [
            {
                "Batch": file.batch_id.display_name,
                "File": file.name,
                "Kind": file.kind,
                "Rows": file.row_count,
                "Size": file.size,
                "SHA-256": file.sha256 or "",
            }
            for file in self.env["cloud.cost.import.file"]
            .sudo()
            .search([("batch_id", "in", self._taken_batch_ids())], order="batch_id, name")
        ]
        return summary, lines, drivers, snapshot, files, self._auditor_pack_summed_rows()

    def _auditor_pack_summed_rows(self):
        """The bill rows of each summed cost line the run took, found again in their checksummed bill file,
        each line's rows followed by their sum against the cost line: exact decimals, as text."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT c.cost_line_id FROM cloud_cost_allocation_run_cost c "
                "WHERE %s AND c.cost_line_id IS NOT NULL ORDER BY 1",
                self.env["cloud.cost.allocation.run.cost"]._run_rows_sql(self.id),
            )
        )
        Line = self.env["cloud.cost.line"].sudo()
        lines = Line.browse([row[0] for row in self.env.cr.fetchall()])
        found = lines._trace_summed_rows()
        table = []
        for line in Line.browse(sorted(found)):
            entry = found[line.id]
            common = {
                "Cost line": line.id,
                "Summed file": line.source_file,
                "Summed row": line.source_row,
                "Bill file": entry["file"],
                "SHA-256": entry["sha256"] or "",
                "ETag": entry.get("etag") or "",
                "Version": entry.get("version_id") or "",
            }
            for row in entry["rows"]:
                table.append(
                    {
                        **common,
                        "Row": row["row"],
                        "EffectiveCost": _exact(row["effective_cost"]),
                        "Check": "",
                        "Row values": json.dumps(row["values"], ensure_ascii=False, sort_keys=True),
                    }
                )
            table.append(
                {
                    **common,
                    "Row": _("%s rows", entry["count"]),
                    "EffectiveCost": _exact(entry["effective_cost"]),
                    "Check": (
                        _("= the cost line's %s (exact)") if entry["matches"] else _("!= the cost line's %s (MISMATCH)")
                    )
                    % _exact(entry["line_effective_cost"]),
                    "Row values": "",
                }
            )
        return table

    def _snapshot_name(self, kind, ident):
        """The name of a receiver the snapshot keeps by id: business unit ("a") or pool ("p")."""
        model = "cloud.cost.pool" if kind == "p" else "account.analytic.account"
        return self.env[model].sudo().browse(int(ident)).display_name

    def _taken_batch_ids(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT batch_id FROM cloud_cost_allocation_run_batch WHERE run_id = %s AND line_count > 0 ORDER BY 1",
            [self.id],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _auditor_pack_xlsx(self):
        return build_workbook(*self._auditor_pack_data(), digits=self.currency_id.decimal_places)

    def _auditor_pack_pdf(self):
        # a real PDF also under tests, where Odoo renders reports as HTML unless told otherwise
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("cloud_cost_audit.cloud_cost_run_summary_report", self.ids)
        )
        return pdf

    def action_auditor_pack_xlsx(self):
        """The workbook as a download. Auditors read runs and change none: the pack is kept as an attachment of
        the run by the suite, for whoever may read the run, without write access to it."""
        self.ensure_one()
        self.check_access("read")
        data = self._auditor_pack_xlsx()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"auditor-pack-{self.name.replace(' ', '-')}.xlsx",
                    "raw": data,
                    "res_model": self._name,
                    "res_id": self.id,
                    "description": f"SHA-256 {hashlib.sha256(data).hexdigest()}",
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                }
            )
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _receiver_totals(self):
        totals = {}
        for line in self.line_ids.filtered("is_final"):
            name = line.analytic_account_id.display_name or _("(kept visible: %s)", line.line_type)
            totals[name] = totals.get(name, 0.0) + line.amount
        return sorted(totals.items())

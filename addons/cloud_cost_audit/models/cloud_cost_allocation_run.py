import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core.auditor_pack import build_workbook
from ..core.run_hash import ALGORITHM, content_hash

# Runs in these states are sealed: their lines, checks and cost-line links no longer change.
SEALED_STATES = ("approved", "posted", "reversed")
# Context key of the one way back: a controller resetting an approved run to draft.
UNSEAL = "cloud_cost_audit_unseal"

RUN_COLUMNS = ("company_id", "policy_id", "date_from", "date_to", "total_cost", "direct_cost", "allocated_amount",
               "unallocated_amount", "idle_amount", "cost_line_count", "input_fingerprint", "computed_by_id",
               "approved_by_id")
LINE_COLUMNS = ("date", "step_id", "step_sequence", "sender_pool_id", "receiver_kind", "analytic_account_id",
                "receiver_pool_id", "method", "line_type", "is_final", "driver_key_id", "driver_value", "share",
                "unit_price", "amount", "environment", "tenant", "service_tier_id", "service_name", "provider_name",
                "service_category")
SENDER_COLUMNS = ("pool_id", "own_amount", "received_amount", "credited_amount", "kept_amount", "balanced")
COST_COLUMNS = ("cost_line_id", "cost_pool_id", "analytic_account_id", "amount", "batch_id", "source_file",
                "source_row")
FILE_COLUMNS = ("batch_id", "name", "kind", "sha256", "size")
SEALED_FIELDS = set(RUN_COLUMNS) | {"snapshot", "content_hash", "hash_algorithm", "sealed_on"}
JOURNAL_COLUMNS = ("move_id", "account_id", "debit", "credit", "analytic_distribution", "cloud_cost_receiver_id",
                   "cloud_cost_sender_pool_id", "cloud_cost_environment", "cloud_cost_side")


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    content_hash = fields.Char(readonly=True, copy=False, tracking=True,
                               help="SHA-256 of the run's lines, checks, cost-line links (with their bill file "
                               "and row), the bill files' checksums, snapshot and journal items, taken when it "
                               "was approved and again when posted and reversed.")
    hash_algorithm = fields.Char(readonly=True, copy=False)
    sealed_on = fields.Datetime(readonly=True, copy=False)
    hash_check = fields.Selection([("match", "Matches"), ("mismatch", "Does not match")], readonly=True,
                                  copy=False, help="Result of the last verification.")
    hash_checked_on = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------------ sealing
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
            SQL.identifier(Model._table), SQL.identifier("t", where_column), value,
        )

    def _audit_sections(self):
        """What the hash covers, read from the database as stored (not from the ORM cache)."""
        self.ensure_one()
        self.env.flush_all()
        (run,) = self._rows(RUN_COLUMNS, self._select(self._name, RUN_COLUMNS, "id", self.id))
        self.env.cr.execute("SELECT snapshot FROM cloud_cost_allocation_run WHERE id = %s", [self.id])
        snapshot = self.env.cr.fetchone()[0]
        costs = self._rows(COST_COLUMNS, SQL(
            "SELECT c.cost_line_id, c.cost_pool_id, c.analytic_account_id, COALESCE(c.amount, 0), l.batch_id, "
            "l.source_file, l.source_row FROM cloud_cost_allocation_run_cost c JOIN cloud_cost_line l ON l.id = c.cost_line_id "
            "WHERE c.run_id = %s", self.id))
        files = self._rows(FILE_COLUMNS, SQL(
            "SELECT %s FROM cloud_cost_import_file f WHERE f.batch_id = ANY(%s)",
            SQL(", ").join(SQL.identifier("f", column) for column in FILE_COLUMNS),
            sorted({row["batch_id"] for row in costs})))
        journal = self._rows(JOURNAL_COLUMNS, SQL(
            "SELECT %s FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
            "WHERE m.cloud_cost_run_id = %s AND m.state = 'posted'",
            SQL(", ").join(SQL.identifier("l", column) for column in JOURNAL_COLUMNS), self.id))
        return {
            "run": run,
            "lines": self._rows(LINE_COLUMNS, self._select("cloud.cost.allocation.line", LINE_COLUMNS, "run_id",
                                                           self.id)),
            "senders": self._rows(SENDER_COLUMNS, self._select("cloud.cost.allocation.run.sender", SENDER_COLUMNS,
                                                               "run_id", self.id)),
            "costs": costs,
            "files": files,
            "snapshot": snapshot or {},
            "journal_items": journal,
        }

    def _seal(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for run in self:
            digest = content_hash(run._audit_sections())
            run.with_context(**{UNSEAL: True}).write({
                "content_hash": digest, "hash_algorithm": ALGORITHM,
                "sealed_on": fields.Datetime.now(), "hash_check": False, "hash_checked_on": False,
            })
            run._message_log(body=_("Sealed as %(state)s: content hash %(algorithm)s %(hash)s",
                                    state=states[run.state], algorithm=ALGORITHM, hash=digest))

    def _check_not_sealed(self, what):
        """Refuse a change to ``what`` of sealed runs (approved, posted or reversed)."""
        if self.env.context.get(UNSEAL):
            return
        sealed = self.filtered(lambda run: run.state in SEALED_STATES)
        if sealed:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(_(
                "Run %(run)s is %(state)s and sealed by its content hash: its %(what)s cannot change. "
                "Reset an approved run to draft, or reverse a posted one, and compute it again.",
                run=sealed[0].display_name, state=states[sealed[0].state], what=what))

    @api.model
    def _sealed_runs_using(self, references, ids):
        """{id: sealed runs} for the ``ids`` named by sealed runs' lines, checks or cost links.

        ``references``: (table, column) pairs of tables with a run_id column."""
        if not ids:
            return {}
        self.env.flush_all()
        queries = [
            SQL("SELECT t.run_id, %s AS ref FROM %s t WHERE %s = ANY(%s)", SQL.identifier("t", column),
                SQL.identifier(table), SQL.identifier("t", column), list(ids))
            for table, column in references
        ]
        self.env.cr.execute(SQL(
            "SELECT DISTINCT u.ref, r.id FROM (%s) u JOIN cloud_cost_allocation_run r ON r.id = u.run_id "
            "WHERE r.state = ANY(%s) ORDER BY 1, 2", SQL(" UNION ALL ").join(queries), list(SEALED_STATES)))
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
            raise UserError(_(
                "%(record)s is part of sealed allocation run %(run)s: it cannot be deleted. Archive it instead.",
                record=record.display_name, run=used[record.id][0].display_name))

    def write(self, vals):
        if SEALED_FIELDS & set(vals):
            self._check_not_sealed(_("figures, snapshot and approval"))
        return super().write(vals)

    def _verify_hash(self):
        """True when the run's content still gives its stored hash."""
        self.ensure_one()
        if not self.content_hash:
            raise UserError(_("Run %s is not sealed: runs are sealed when approved.", self.display_name))
        return content_hash(self._audit_sections()) == self.content_hash

    def action_verify_hash(self):
        for run in self:
            matches = run._verify_hash()
            run.sudo().write({"hash_check": "match" if matches else "mismatch",
                              "hash_checked_on": fields.Datetime.now()})
            # auditors verify without write access to the run: the note is theirs, posted by the suite
            run.sudo().message_post(author_id=self.env.user.partner_id.id,
                                    body=_("Content hash verified: it matches.") if matches else
                                    _("Content hash verified: it does NOT match: the run's data changed after "
                                      "it was sealed."))
        if len(self) == 1:
            return {"type": "ir.actions.client", "tag": "display_notification", "params": {
                "type": "success" if self.hash_check == "match" else "danger", "sticky": self.hash_check != "match",
                "message": dict(self._fields["hash_check"]._description_selection(self.env))[self.hash_check],
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            }}
        return True

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
        result = super(CloudCostAllocationRun, self.with_context(**{UNSEAL: True})).action_reset_to_draft()
        self.with_context(**{UNSEAL: True}).write({
            "content_hash": False, "hash_algorithm": False, "sealed_on": False, "hash_check": False,
            "hash_checked_on": False,
        })
        return result

    # ------------------------------------------------------------------ auditor pack
    def _auditor_pack_data(self):
        self.ensure_one()
        currency = self.currency_id.name
        summary = [
            (_("Run"), self.display_name), (_("Company"), self.company_id.name),
            (_("Policy"), self.policy_id.display_name), (_("Period"), f"{self.date_from} - {self.date_to}"),
            (_("State"), dict(self._fields["state"]._description_selection(self.env))[self.state]),
            (_("Currency"), currency), (_("Total cost"), self.total_cost),
            (_("Allocated"), self.allocated_amount), (_("% allocated"), self.allocated_percent),
            (_("Unallocated"), self.unallocated_amount), (_("Idle"), self.idle_amount),
            (_("Cost lines taken"), self.cost_line_count),
            (_("Computed by"), f"{self.computed_by_id.name or ''} {self.computed_on or ''}".strip()),
            (_("Approved by"), f"{self.approved_by_id.name or ''} {self.approved_on or ''}".strip()),
            (_("Posted by"), f"{self.posted_by_id.name or ''} {self.posted_on or ''}".strip()),
            (_("Journal entries"), ", ".join(self.move_ids.mapped("name"))),
            (_("100% check"), _("passed") if self.checks_passed else _("FAILED")),
            (_("Content hash"), f"{self.hash_algorithm or ''} {self.content_hash or _('(not sealed)')}".strip()),
        ]
        lines = [{
            "Step": line.step_id.display_name or "", "Sequence": line.step_sequence,
            "Sender pool": line.sender_pool_id.display_name or "", "Line type": line.line_type,
            "Method": line.method or "", "Receiver": line.analytic_account_id.display_name
            or line.receiver_pool_id.display_name or _("(kept visible)"),
            "Final": bool(line.is_final), "Driver": line.driver_key_id.display_name or "",
            "Driver value": line.driver_value, "Share": line.share, "Environment": line.environment or "",
            "Amount": line.amount,
        } for line in self.line_ids.sorted(lambda line: (line.step_sequence, line.id))]
        snapshot = self.snapshot or {}
        drivers = []
        Key = self.env["cloud.cost.allocation.key"].sudo()
        for key_id, values in sorted((snapshot.get("drivers") or {}).items()):
            for kind, ident, value in values:
                drivers.append({"Allocation key": Key.browse(int(key_id)).display_name,
                                "Receiver": self._snapshot_name(kind, ident), "Value": value})
        files = [{
            "Batch": file.batch_id.display_name, "File": file.name, "Kind": file.kind, "Rows": file.row_count,
            "Size": file.size, "SHA-256": file.sha256,
        } for file in self.env["cloud.cost.import.file"].sudo().search(
            [("batch_id", "in", self._taken_batch_ids())], order="batch_id, name")]
        return summary, lines, drivers, snapshot, files

    def _snapshot_name(self, kind, ident):
        """The name of a receiver the snapshot keeps by id: business unit ("a") or pool ("p")."""
        model = "cloud.cost.pool" if kind == "p" else "account.analytic.account"
        return self.env[model].sudo().browse(int(ident)).display_name

    def _taken_batch_ids(self):
        self.env.cr.execute(
            """SELECT DISTINCT l.batch_id FROM cloud_cost_allocation_run_cost c
                 JOIN cloud_cost_line l ON l.id = c.cost_line_id WHERE c.run_id = %s""", [self.id])
        return [row[0] for row in self.env.cr.fetchall()]

    def _auditor_pack_xlsx(self):
        return build_workbook(*self._auditor_pack_data())

    def _auditor_pack_pdf(self):
        # a real PDF also under tests, where Odoo renders reports as HTML unless told otherwise
        pdf, _kind = self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
            "cloud_cost_audit.cloud_cost_run_summary_report", self.ids)
        return pdf

    def action_auditor_pack_xlsx(self):
        """The workbook as a download. Auditors read runs and change none: the pack is kept as an attachment of
        the run by the suite, for whoever may read the run, without write access to it."""
        self.ensure_one()
        self.check_access("read")
        data = self._auditor_pack_xlsx()
        attachment = self.env["ir.attachment"].sudo().create({
            "name": f"auditor-pack-{self.name.replace(' ', '-')}.xlsx", "raw": data, "res_model": self._name,
            "res_id": self.id, "description": f"SHA-256 {hashlib.sha256(data).hexdigest()}",
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true",
                "target": "self"}

    def _receiver_totals(self):
        totals = {}
        for line in self.line_ids.filtered("is_final"):
            name = line.analytic_account_id.display_name or _("(kept visible: %s)", line.line_type)
            totals[name] = totals.get(name, 0.0) + line.amount
        return sorted(totals.items())

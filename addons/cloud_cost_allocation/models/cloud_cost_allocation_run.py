import json
import logging
from decimal import Decimal

import pandas as pd
import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.cloud_cost.core.bulk_copy import BackgroundCopy
from odoo.addons.cloud_cost.core.finops import MATURITY_STAGES
from odoo.addons.cloud_cost.core.money import from_units, to_units
from odoo.addons.cloud_cost.core.periods import month_bounds

from ..core.kpi import run_kpis, unit_cost
from ..core.rounding import units_to_text
from ..core.summary import summary_lines

_logger = logging.getLogger(__name__)
# allocation lines per COPY: small enough that PostgreSQL stores one chunk while the next is made ready
LINE_COPY_CHUNK = 50_000

# Posting adds "posted" and "reversed" (selection_add) and extends _closed_states().
RUN_STATES = [
    ("draft", "Draft"),
    ("computed", "Computed"),
    ("approved", "Approved"),
    ("cancelled", "Cancelled"),
]


class CloudCostAllocationRun(models.Model):
    """One allocation of one period, for one company and one policy."""

    _name = "cloud.cost.allocation.run"
    _description = "Allocation Run"
    _inherit = ["mail.thread", "mail.activity.mixin", "cloud.cost.guarded.mixin"]
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    policy_id = fields.Many2one(
        "cloud.cost.allocation.policy",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    date_from = fields.Date(required=True, default=lambda self: month_bounds(fields.Date.context_today(self))[0])
    date_to = fields.Date(required=True, default=lambda self: month_bounds(fields.Date.context_today(self))[1])
    period = fields.Char(compute="_compute_name", store=True)
    state = fields.Selection(RUN_STATES, required=True, default="draft", tracking=True, copy=False, index=True)
    is_open = fields.Boolean(
        compute="_compute_is_open",
        store=True,
        index=True,
        help="Open runs block another run of the same policy and period.",
    )
    computed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    computed_on = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    approved_on = fields.Datetime(readonly=True, copy=False)
    self_approval_allowed = fields.Boolean(
        readonly=True,
        copy=False,
        help="The policy allowed its controller to approve their own run when this run was computed.",
    )
    input_fingerprint = fields.Char(
        readonly=True, copy=False, help="Hash of the cost lines, driver values and " "rules the run used."
    )
    inputs_changed = fields.Boolean(
        readonly=True,
        copy=False,
        tracking=True,
        help="A bill, a driver value or a rule changed after the run was computed: recompute it.",
    )
    snapshot = fields.Json(readonly=True, copy=False, help="The rules and driver values the run used, frozen.")
    snapshot_text = fields.Text("Snapshot (JSON)", compute="_compute_snapshot_text")
    summary = fields.Text(readonly=True, copy=False, help="Per-receiver totals and the 100% check.")
    line_ids = fields.One2many("cloud.cost.allocation.line", "run_id", string="Allocation Lines", readonly=True)
    sender_ids = fields.One2many("cloud.cost.allocation.run.sender", "run_id", string="Senders", readonly=True)
    line_count = fields.Integer(compute="_compute_line_count")
    cost_line_count = fields.Integer("Cost Lines Taken", readonly=True, copy=False)
    taken_batch_ids = fields.One2many(
        "cloud.cost.allocation.run.batch",
        "run_id",
        string="Import Batches Taken",
        readonly=True,
        help="The import batches whose cost lines the run took, with " "the count, sum and hash of the lines taken.",
    )

    # --- KPIs (company currency)
    total_cost = fields.Monetary(readonly=True, copy=False, help="Sum of the cost lines taken, to the cent.")
    direct_cost = fields.Monetary(readonly=True, copy=False, help="Cost lines already carrying a business unit.")
    allocated_amount = fields.Monetary(
        "Allocated",
        readonly=True,
        copy=False,
        help="Reached a business unit as direct cost or through the policy's steps.",
    )
    allocated_percent = fields.Float("% Allocated", digits=(5, 2), readonly=True, copy=False)
    maturity = fields.Selection(
        MATURITY_STAGES,
        readonly=True,
        copy=False,
        help="FinOps Foundation allocation maturity: crawl up to 80 % of spend allocated, walk above 80 %, "
        "run above 90 %.",
    )
    unallocated_amount = fields.Monetary(
        "Unallocated", readonly=True, copy=False, help="Cost lines with neither a business unit nor a pool."
    )
    unallocated_kept = fields.Monetary("Unallocated Kept Visible", readonly=True, copy=False)
    idle_amount = fields.Monetary("Idle", readonly=True, copy=False, help="Cost left in pools after their steps.")
    idle_kept = fields.Monetary("Idle Kept Visible", readonly=True, copy=False)
    non_production_amount = fields.Monetary("Non-production", readonly=True, copy=False)
    non_production_percent = fields.Float("% Non-production", digits=(5, 2), readonly=True, copy=False)
    user_count = fields.Float(
        "Users",
        digits=(16, 2),
        copy=False,
        help="Users of the period; filled from the policy's users driver when it has one.",
    )
    transaction_count = fields.Float(
        "Transactions",
        digits=(16, 2),
        copy=False,
        help="Transactions of the period; filled from the policy's transactions driver when it has one.",
    )
    cost_per_user = fields.Float(compute="_compute_unit_costs", store=True, digits=(16, 4))
    cost_per_transaction = fields.Float(compute="_compute_unit_costs", store=True, digits=(16, 6))
    checks_passed = fields.Boolean(
        "100% Check",
        readonly=True,
        copy=False,
        help="Every sender pool balanced (own + received = credited + kept), the lines add up to the run "
        "total and the run total equals the cost lines taken.",
    )

    @api.depends("policy_id.code", "date_from", "date_to")
    def _compute_name(self):
        for run in self:
            period = ""
            if run.date_from and run.date_to:
                start, end = month_bounds(run.date_from)
                if (start, end) == (run.date_from, run.date_to):
                    period = run.date_from.strftime("%Y-%m")
                else:
                    period = f"{run.date_from} - {run.date_to}"
            run.period = period
            run.name = " ".join(filter(None, [run.policy_id.code, period]))

    @api.model
    def _closed_states(self):
        """States that free the policy and period for another run."""
        return ["cancelled"]

    @api.model
    def _input_sensitive_states(self):
        """States whose figures a restated bill makes out of date."""
        return ["computed", "approved"]

    @api.depends("state")
    def _compute_is_open(self):
        closed = self._closed_states()
        for run in self:
            run.is_open = run.state not in closed

    @api.depends("snapshot")
    def _compute_snapshot_text(self):
        for run in self:
            run.snapshot_text = json.dumps(run.snapshot, indent=1, sort_keys=True) if run.snapshot else ""

    def _compute_line_count(self):
        counts = dict(
            self.env["cloud.cost.allocation.line"]._read_group([("run_id", "in", self.ids)], ["run_id"], ["__count"])
        )
        for run in self:
            run.line_count = counts.get(run, 0)

    @api.depends("total_cost", "user_count", "transaction_count")
    def _compute_unit_costs(self):
        for run in self:
            digits = run.currency_id.decimal_places
            units = to_units(run.currency_id.round(run.total_cost), digits)
            per_user = unit_cost(units, run.user_count, 4, digits)
            per_transaction = unit_cost(units, run.transaction_count, 6, digits)
            run.cost_per_user = float(per_user) if per_user is not None else 0.0
            run.cost_per_transaction = float(per_transaction) if per_transaction is not None else 0.0

    # ------------------------------------------------------------------ constraints
    def init(self):
        # The database guard behind _check_one_open_run: one open run per company, policy and period.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS cloud_cost_allocation_run_open_uniq
                   ON cloud_cost_allocation_run (company_id, policy_id, date_from, date_to) WHERE is_open"""
        )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_to < run.date_from:
                raise ValidationError(_("Run %s: the period must not end before it starts.", run.display_name))

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            "state",
            "is_open",
            "computed_by_id",
            "computed_on",
            "approved_by_id",
            "approved_on",
            "self_approval_allowed",
            "input_fingerprint",
            "inputs_changed",
            "snapshot",
            "summary",
            "line_ids",
            "sender_ids",
            "taken_batch_ids",
            "cost_line_count",
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
            "checks_passed",
        }

    @api.model
    def _identity_field_names(self):
        """What the run is of: set while it is a draft, fixed once it holds results."""
        return {"policy_id", "company_id", "date_from", "date_to"}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_open_slot(vals)
        try:
            # a run of the same policy and period created at the same moment, not yet committed, meets the
            # database's unique index here: the loser is told, not shown the index
            with self.env.cr.savepoint():
                runs = super().create(vals_list)
                runs.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            raise ValidationError(
                _(
                    "Another run of this policy and period is being created by someone else at this moment: reload "
                    "the runs and work on that one."
                )
            ) from None
        return runs

    def write(self, vals):
        if not self._is_suite() and self._identity_field_names() & set(vals):
            fixed = self.filtered(lambda run: run.state != "draft")
            if fixed:
                raise UserError(
                    _(
                        "Run %s is no longer a draft: its policy, company and period cannot change. Reset it to "
                        "draft first.",
                        fixed[0].display_name,
                    )
                )
        if {"policy_id", "company_id", "date_from", "date_to", "state"} & set(vals):
            for run in self:
                merged = {
                    "policy_id": run.policy_id.id,
                    "company_id": run.company_id.id,
                    "date_from": run.date_from,
                    "date_to": run.date_to,
                    "state": run.state,
                    **vals,
                }
                self._check_open_slot(merged, exclude=run)
        return super().write(vals)

    @api.model
    def _check_open_slot(self, vals, exclude=None):
        """One open run per company, policy and period (the unique index guards the database too)."""
        state = vals.get("state", "draft")
        if state in self._closed_states():
            return
        defaults = self.default_get(["company_id", "date_from", "date_to"])
        values = {name: vals.get(name) or defaults.get(name) for name in ("company_id", "date_from", "date_to")}
        domain = [
            ("company_id", "=", values["company_id"]),
            ("policy_id", "=", vals.get("policy_id")),
            ("date_from", "=", values["date_from"]),
            ("date_to", "=", values["date_to"]),
            ("is_open", "=", True),
        ]
        if exclude:
            domain.append(("id", "!=", exclude.id))
        other = self.sudo().search(domain, limit=1)
        if other:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise ValidationError(
                _(
                    "Policy %(policy)s already has an open run for %(period)s (%(run)s, %(state)s). "
                    "Recompute it, or cancel it before starting another.",
                    policy=other.policy_id.display_name,
                    period=other.period,
                    run=other.display_name,
                    state=states[other.state],
                )
            )

    # ------------------------------------------------------------------ life cycle
    def _lock_row(self, doing=None):
        """Hold the run's row until commit: two users computing, approving, posting or reversing it at once
        cannot both go through; the second is told at once."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM cloud_cost_allocation_run WHERE id = %s FOR UPDATE NOWAIT", [self.id]
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise UserError(
                _(
                    "Run %(run)s is being %(doing)s by someone else at this moment, or was just changed: reload it "
                    "and try again.",
                    run=self.display_name,
                    doing=doing or _("computed or approved"),
                )
            ) from None
        self.invalidate_recordset()

    def _check_state(self, states, action):
        for run in self:
            if run.state not in states:
                raise UserError(
                    _(
                        "Run %(run)s is %(state)s: it cannot be %(action)s.",
                        run=run.display_name,
                        state=run.state,
                        action=action,
                    )
                )

    def action_compute(self):
        """Compute (or recompute) the allocation: replaces the run's lines, checks and KPIs."""
        self._check_state(("draft", "computed"), _("computed"))
        self.check_access("write")
        for run in self._suite():
            run._compute_and_store()
        return True

    def action_test_run(self):
        """Compute this run's policy and period and show the result, storing nothing."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Test Run"),
            "res_model": "cloud.cost.allocation.test.run",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_policy_id": self.policy_id.id,
                "default_date_from": self.date_from,
                "default_date_to": self.date_to,
            },
        }

    def action_approve(self):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller approves allocation runs."))
        for run in self:
            run._lock_row(_("approved or changed"))
        self._check_state(("computed",), _("approved"))
        for run in self:
            if run.inputs_changed:
                raise UserError(
                    _("Run %s: its inputs changed since it was computed; recompute it first.", run.display_name)
                )
            if not run.checks_passed:
                raise UserError(_("Run %s does not pass the 100%% check.", run.display_name))
            if run.computed_by_id == self.env.user and not run.self_approval_allowed:
                raise UserError(
                    _(
                        "Run %s was computed by you: another controller approves it (four eyes), unless the "
                        "policy allowed self-approval when the run was computed.",
                        run.display_name,
                    )
                )
        self._suite().write(
            {"state": "approved", "approved_by_id": self.env.user.id, "approved_on": fields.Datetime.now()}
        )
        return True

    def action_reset_to_draft(self):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller resets allocation runs."))
        self._check_state(("computed", "approved", "cancelled"), _("reset to draft"))
        runs = self._suite()
        runs._clear_results()
        runs.write({"state": "draft", "approved_by_id": False, "approved_on": False})
        return True

    def action_cancel(self):
        self._check_state(("draft", "computed"), _("cancelled"))
        self.check_access("write")
        self._suite().write({"state": "cancelled"})
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        for run in self:
            if run.state not in ("draft", "cancelled"):
                raise UserError(
                    _(
                        "Run %(run)s is %(state)s: only draft or cancelled runs can be deleted.",
                        run=run.display_name,
                        state=run.state,
                    )
                )

    def unlink(self):
        # the lines and checks go with their run (its lines hold no foreign key to cascade)
        removable = self.filtered(lambda run: run.state in ("draft", "cancelled"))
        if removable:
            removable._suite()._clear_results()
        return super().unlink()

    def action_check_inputs(self):
        """Compare the current inputs with the ones the run used."""
        changed = self._check_inputs()
        message = (
            _("Inputs changed for %s: recompute.", ", ".join(changed.mapped("display_name")))
            if changed
            else _("The inputs are the ones the run used.")
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "warning" if changed else "success", "message": message, "sticky": False},
        }

    def _check_inputs(self):
        changed = self.browse()
        for run in self.filtered(lambda r: r.state in self._input_sensitive_states()):
            current = run.policy_id._fingerprint(run.date_from, run.date_to)
            if current != run.input_fingerprint:
                changed |= run
                if not run.inputs_changed:
                    run._suite().inputs_changed = True
                    run._suite()._message_log(body=_("The cost lines, driver values or rules of this run changed."))
            elif run.inputs_changed:
                run._suite().inputs_changed = False
        return changed

    @api.model
    def _cron_check_inputs(self):
        """Recompute computed runs whose inputs changed (if the policy says so), flag the others."""
        runs = self.search([("state", "in", self._input_sensitive_states())])
        changed = runs._check_inputs()
        for run in changed.filtered(lambda r: r.state == "computed" and r.policy_id.auto_recompute):
            run._compute_and_store()
            run.message_post(body=_("Recomputed after its inputs changed."))

    # ------------------------------------------------------------------ storing results
    def _clear_results(self):
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DELETE FROM cloud_cost_allocation_line WHERE run_id IN %s", [tuple(self.ids)])
        cr.execute("DELETE FROM cloud_cost_allocation_run_batch WHERE run_id IN %s", [tuple(self.ids)])
        self.sender_ids.sudo()._suite().unlink()
        self.env["cloud.cost.allocation.line"].invalidate_model()
        self.env["cloud.cost.allocation.run.batch"].invalidate_model()
        self.env["cloud.cost.allocation.run.cost"].invalidate_model()
        self.invalidate_recordset(["line_ids", "taken_batch_ids"])

    def _compute_and_store(self):
        self.ensure_one()
        self = self._suite()  # noqa: PLW0642 - the suite's own method writes the run's guarded fields
        self._lock_row(_("computed"))
        policy = self.policy_id
        result, inputs = policy._allocate(self.date_from, self.date_to)
        fingerprint = inputs["fingerprint"]
        self._clear_results()
        taken = self._store_cost_batches(inputs["batches"])
        production = policy._production_names()
        names = policy._names_for(result)
        currency = self.currency_id.name

        def checks_and_kpis():  # plain Python: runs while the last allocation lines are copied
            kpis = run_kpis(result, inputs["costs"], production)
            return kpis, summary_lines(result, names, currency, total_taken=taken)

        kpis, (text, passed) = self._store_lines(result, alongside=checks_and_kpis)
        self._store_senders(result)
        money = self._from_units
        values = {
            "state": "computed",
            "computed_by_id": self.env.user.id,
            "computed_on": fields.Datetime.now(),
            "self_approval_allowed": policy.allow_self_approval,
            "input_fingerprint": fingerprint,
            "inputs_changed": False,
            "snapshot": {
                "period": [str(self.date_from), str(self.date_to)],
                "cost_lines": inputs["line_count"],
                "cost_total": str(inputs["exact_total"]),
                "rules": inputs["rules"],
                "drivers": policy._drivers_snapshot(inputs["drivers"]),
            },
            "summary": "\n".join(text),
            "cost_line_count": inputs["line_count"],
            "total_cost": money(kpis["total"]),
            "direct_cost": money(kpis["direct"]),
            "allocated_amount": money(kpis["allocated"]),
            "allocated_percent": float(kpis["allocated_percent"]),
            "maturity": kpis["maturity"],
            "unallocated_amount": money(kpis["unallocated"]),
            "unallocated_kept": money(kpis["unallocated_kept"]),
            "idle_amount": money(kpis["idle"]),
            "idle_kept": money(kpis["idle_kept"]),
            "non_production_amount": money(kpis["non_production"]),
            "non_production_percent": float(kpis["non_production_percent"]),
            "checks_passed": passed,
        }
        for field_name, key in (("user_count", policy.user_key_id), ("transaction_count", policy.transaction_key_id)):
            if key:
                values[field_name] = float(sum(inputs["drivers"].get(key.id, {}).values()))
        self.write(values)
        self.message_post(
            body=_(
                "Computed: %(lines)s cost lines, %(total)s %(currency)s, %(percent)s %% allocated (%(maturity)s).",
                lines=inputs["line_count"],
                total=f"{from_units(result.total, result.digits):,.{result.digits}f}",
                currency=self.currency_id.name,
                percent=kpis["allocated_percent"],
                maturity=kpis["maturity"],
            )
        )
        _logger.info("allocation run %s computed: %s lines", self.display_name, len(result.lines))

    def _store_lines(self, result, alongside=None):
        """Write the engine's lines by COPY, in chunks that a background thread copies while the next one is
        made ready. ``alongside``: work that does not use the database, done while the last chunks are copied;
        returns its result."""
        lines = result.lines
        step_keys = dict(self.policy_id.step_ids.mapped(lambda s: (s.id, s.key_id.id or None)))
        with BackgroundCopy(self.env.cr, "cloud_cost_allocation_line", max_pending=2) as writer:
            for start in range(0, len(lines), LINE_COPY_CHUNK):
                chunk = lines.iloc[start : start + LINE_COPY_CHUNK]
                writer.submit(self._lines_frame(chunk, result.digits, step_keys), context=f"lines from {start + 1}")
            done = alongside() if alongside else None
        self.env["cloud.cost.allocation.line"].invalidate_model()
        return done

    def _lines_frame(self, lines, digits, step_keys):
        """The table rows of engine lines: ids (0 for none) as nullable integers, exact decimals as text."""

        def ids(series):
            return series.where(series != 0).astype("Int64")

        kind = lines["receiver_kind"]
        receiver = lines["receiver"].astype("int64")
        step = lines["step"].astype("int64")
        return pd.DataFrame(
            {
                "run_id": self.id,
                "company_id": self.company_id.id,
                "date": str(self.date_from),
                "step_id": ids(step),
                "step_sequence": lines["sequence"].astype("int64"),
                "sender_pool_id": ids(lines["sender"].astype("int64")),
                "receiver_kind": kind.astype(str),
                "analytic_account_id": ids(receiver.where(kind == "analytic", 0)),
                "receiver_pool_id": ids(receiver.where(kind == "pool", 0)),
                "method": lines["method"].astype(str),
                "line_type": lines["line_type"].astype(str),
                "is_final": (kind != "pool").astype(bool),
                "driver_key_id": step.map(step_keys).astype("Int64"),
                "driver_value": _decimal_text(lines["driver_value"]),
                "share": _decimal_text(lines["share"]),
                "unit_price": _decimal_text(lines["unit_price"]),
                "amount": units_to_text(lines["cents"].to_numpy(), digits).to_numpy(),
                "environment": _text_or_null(lines["environment"]),
                "tenant": _text_or_null(lines["tenant"]),
                "service_tier_id": ids(lines["tier"].astype("int64")),
                "service_name": _text_or_null(lines["service"]),
                "provider_name": _text_or_null(lines["provider"]),
                "service_category": _text_or_null(lines["category"]),
            },
            index=lines.index,
        )

    def _store_senders(self, result):
        Sender = self.env["cloud.cost.allocation.run.sender"].sudo()._suite()  # read-only to users; the run writes it
        Sender.create(
            [
                {
                    "run_id": self.id,
                    "pool_id": pool_id,
                    "own_amount": self._from_units(balance.own),
                    "received_amount": self._from_units(balance.received),
                    "credited_amount": self._from_units(balance.credited),
                    "kept_amount": self._from_units(balance.kept),
                    "credited_percent": float(balance.credited_percent),
                    "balanced": balance.balanced,
                    "upstream_pool_ids": [fields.Command.set(sorted(balance.upstream))],
                }
                for pool_id, balance in sorted(result.senders.items())
            ]
        )

    def _store_cost_batches(self, batches):
        """Record the import batches whose cost lines the run took, with the lines' count, exact sum and hash
        sum as read (``policy._cost_batches``); returns their total in the currency's smallest unit."""
        policy = self.policy_id
        by_charge = policy.period_basis == "charge"
        # read-only to users; the run writes it
        self.env["cloud.cost.allocation.run.batch"].sudo()._suite().create(
            [
                {
                    "run_id": self.id,
                    "batch_id": batch.batch_id,
                    "amount_basis": policy.amount_basis,
                    "charge_date_from": self.date_from if by_charge else False,
                    "charge_date_to": self.date_to if by_charge else False,
                    "line_count": batch.line_count,
                    "lines_digest": str(batch.digest),
                }
                for batch in batches
            ]
        )
        # the exact sums go to the numeric column as they are, never through a float
        for batch in batches:
            self.env.cr.execute(
                "UPDATE cloud_cost_allocation_run_batch SET amount = %s::numeric WHERE run_id = %s AND batch_id = %s",
                [str(batch.total), self.id, batch.batch_id],
            )
        self.env["cloud.cost.allocation.run.batch"].invalidate_model()
        self.env["cloud.cost.allocation.run.cost"].invalidate_model()
        return to_units(sum((batch.total for batch in batches), Decimal(0)), self.currency_id.decimal_places)

    def _from_units(self, units):
        """An engine amount (an integer of the currency's smallest unit) as the value of a Monetary field."""
        return float(from_units(int(units), self.currency_id.decimal_places))

    # ------------------------------------------------------------------ navigation
    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cloud_cost_allocation.cloud_cost_allocation_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_final": 1}
        return action

    def action_view_cost_lines(self):
        self.ensure_one()
        return self.env["cloud.cost.allocation.run.cost"]._open(
            [("run_id", "=", self.id)], _("Cost lines of %s", self.display_name)
        )


def _decimal_text(series):
    """Decimal/float values as exact text for numeric columns; empty for none (most lines have none)."""
    present = series.notna()
    text = pd.Series(None, index=series.index, dtype=object)
    if present.any():
        text[present] = series[present].map(str)
    return text


def _text_or_null(series):
    text = series.astype(str)
    return text.where(text != "", None).astype(object)

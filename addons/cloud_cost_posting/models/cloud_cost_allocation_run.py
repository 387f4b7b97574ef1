from collections import defaultdict
from decimal import Decimal

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..core.entries import Share, chargeback_entries


def _amount(cents):
    return float(Decimal(cents).scaleb(-2))


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    state = fields.Selection(
        selection_add=[("posted", "Posted"), ("reversed", "Reversed")],
        ondelete={"posted": "set default", "reversed": "set default"},
    )
    move_ids = fields.One2many("account.move", "cloud_cost_run_id", string="Journal Entries", readonly=True)
    move_count = fields.Integer(compute="_compute_move_count")
    posted_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    posted_on = fields.Datetime(readonly=True, copy=False)
    reversed_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    reversed_on = fields.Datetime(readonly=True, copy=False)

    @api.model
    def _closed_states(self):
        return super()._closed_states() + ["reversed"]

    @api.model
    def _input_sensitive_states(self):
        return super()._input_sensitive_states() + ["posted"]

    def _compute_move_count(self):
        counts = dict(self.env["account.move"].sudo()._read_group(
            [("cloud_cost_run_id", "in", self.ids)], ["cloud_cost_run_id"], ["__count"]))
        for run in self:
            run.move_count = counts.get(run, 0)

    # ------------------------------------------------------------------ posting
    def action_post(self):
        """Post the approved runs as chargeback journal entries."""
        self._check_controller(_("post"))
        for run in self:
            run._lock_row()
            run._check_state(("approved",), _("posted"))
            if run.move_ids:
                raise UserError(_("Run %s already has journal entries.", run.display_name))
            moves = run._create_chargeback_moves()
            # the controller's rights were checked above; the entries are theirs (create_uid), posted by the suite
            moves.with_context(validate_analytic=True).action_post()
            run.write({"state": "posted", "posted_by_id": self.env.user.id, "posted_on": fields.Datetime.now()})
            run.message_post(body=_("Posted as %s.", ", ".join(moves.mapped("name"))))
        return True

    def action_reverse(self):
        """Reverse the posted runs' entries (Odoo reversals, linked to them); the period is free for a new run."""
        self._check_controller(_("reverse"))
        for run in self:
            run._lock_row()
            run._check_state(("posted",), _("reversed"))
            moves = run.move_ids.filtered(lambda m: m.state == "posted" and not m.reversed_entry_id)
            defaults = []
            for move in moves:
                date = move.date
                if move.company_id._get_violated_lock_dates(date, False, move.journal_id):
                    date = fields.Date.context_today(self)
                defaults.append({"date": date, "ref": _("Reversal of %s", move.name), "cloud_cost_run_id": run.id})
            reversals = moves.sudo()._reverse_moves(defaults, cancel=True)
            run.write({"state": "reversed", "reversed_by_id": self.env.user.id, "reversed_on": fields.Datetime.now()})
            run.message_post(body=_("Reversed by %s.", ", ".join(reversals.mapped("name"))))
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update({"domain": [("cloud_cost_run_id", "=", self.id)], "context": {"create": False}})
        return action

    def _check_controller(self, action):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller may %s allocation runs.", action))
        self.check_access("write")

    def _lock_row(self):
        """Hold the run's row until commit: two users posting at once cannot both go through."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM cloud_cost_allocation_run WHERE id = %s FOR UPDATE NOWAIT", [self.id]
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise UserError(_(
                "Run %s is being posted or reversed by someone else at this moment, or was just changed: "
                "reload it and try again.", self.display_name)) from None
        self.invalidate_recordset(["state", "move_ids"])

    # ------------------------------------------------------------------ entries
    def _shares(self):
        """Final allocation lines to business units, summed per sender, receiver and environment."""
        self.env["cloud.cost.allocation.line"].flush_model()
        self.env.cr.execute(
            """SELECT sender_pool_id, analytic_account_id, NULLIF(environment, ''), sum(amount)
                 FROM cloud_cost_allocation_line
                WHERE run_id = %s AND is_final AND receiver_kind = 'analytic'
             GROUP BY 1, 2, 3""",
            [self.id],
        )
        return [
            Share(sender, receiver, environment, int((Decimal(str(amount)) * 100).to_integral_value()))
            for sender, receiver, environment, amount in self.env.cr.fetchall()
        ]

    def _posting_accounts(self, company):
        missing = [
            label for label, value in (
                (_("chargeback journal"), company.cloud_cost_journal_id),
                (_("chargeback account"), company.cloud_cost_chargeback_account_id),
                (_("cloud cost clearing account"), company.cloud_cost_clearing_account_id),
            ) if not value
        ]
        if missing:
            raise UserError(_(
                "Company %(company)s has no %(missing)s for chargeback entries: set them in the company's "
                "Cloud Cost settings.", company=company.name, missing=", ".join(missing)))
        return company.cloud_cost_journal_id

    def _check_lock_date(self, company, journal, date):
        violated = company._get_violated_lock_dates(date, False, journal)
        if violated:
            lock_date, lock_type = violated[-1]
            raise UserError(_(
                "The accounts of %(company)s are locked up to %(lock)s (%(kind)s): run %(run)s cannot be posted "
                "on %(date)s. Reopen the period, or post the run in an open one.",
                company=company.name, lock=format_date(self.env, lock_date), kind=lock_type,
                run=self.display_name, date=format_date(self.env, date)))

    def _distribution(self, receiver, environment):
        key = str(receiver.id)
        plan = self.policy_id.environment_plan_id
        if plan and environment:
            account = self.env["account.analytic.account"].search([
                ("plan_id", "child_of", plan.id), ("name", "=ilike", environment),
                ("company_id", "in", [False, receiver.company_id.id or self.company_id.id]),
            ], limit=1)
            if account:
                key = f"{receiver.id},{account.id}"
        return {key: 100}

    def _create_chargeback_moves(self):
        self.ensure_one()
        company = self.company_id
        journal = self._posting_accounts(company)
        date = self.date_to
        self._check_lock_date(company, journal, date)
        entries = chargeback_entries(self._shares(), per_receiver=self.policy_id.posting_grouping == "receiver")
        if not entries:
            raise UserError(_("Run %s moves no cost to a business unit: nothing to post.", self.display_name))
        Analytic = self.env["account.analytic.account"]
        Pool = self.env["cloud.cost.pool"]
        move_vals = []
        foreign = defaultdict(list)  # receiving company -> [(receiver, environment, cents)]
        for entry in entries:
            lines = []
            for (receiver_id, environment), cents in entry.debits.items():
                receiver = Analytic.browse(receiver_id)
                base = {
                    "name": _("Chargeback %(run)s: %(receiver)s", run=self.name, receiver=receiver.name)
                    + (f" ({environment})" if environment else ""),
                    "cloud_cost_receiver_id": receiver.id, "cloud_cost_environment": environment,
                    "cloud_cost_side": "receiver", **self._debit_credit(cents),
                }
                other = receiver.sudo()._cloud_cost_company(company)  # may be a company the user cannot read
                if other != company:
                    if not company.cloud_cost_due_from_account_id:
                        raise UserError(_(
                            "Business unit %(receiver)s belongs to %(other)s: company %(company)s needs an "
                            "intercompany due-from account.", receiver=receiver.name, other=other.name,
                            company=company.name))
                    lines.append({**base, "account_id": company.cloud_cost_due_from_account_id.id,
                                  "name": _("Due from %(other)s: %(label)s", other=other.name, label=base["name"])})
                    foreign[other].append((receiver, environment, cents))
                else:
                    lines.append({**base, "account_id": company.cloud_cost_chargeback_account_id.id,
                                  "analytic_distribution": self._distribution(receiver, environment)})
            for sender_id, cents in entry.credits.items():
                pool = Pool.browse(sender_id) if sender_id else Pool
                account = pool.clearing_account_id or company.cloud_cost_clearing_account_id
                lines.append({
                    "name": _("Chargeback %(run)s: %(sender)s", run=self.name,
                              sender=pool.display_name if pool else _("direct cost")),
                    "account_id": account.id, "cloud_cost_sender_pool_id": pool.id or False,
                    "cloud_cost_receiver_id": entry.receiver or False, "cloud_cost_side": "sender",
                    **self._debit_credit(-cents),
                })
            move_vals.append(self._move_vals(company, journal, date, lines, entry.receiver))
        moves = self.env["account.move"].sudo().create(move_vals)
        for other, debits in foreign.items():
            moves |= self._create_intercompany_move(other, date, debits)
        return moves

    def _create_intercompany_move(self, other, date, debits):
        journal = self._posting_accounts(other)
        if not other.cloud_cost_due_to_account_id:
            raise UserError(_("Company %s needs an intercompany due-to account to receive chargebacks.", other.name))
        if other.currency_id != self.company_id.currency_id:
            raise UserError(_(
                "Intercompany chargeback from %(company)s to %(other)s: both companies must keep their accounts "
                "in the same currency.", company=self.company_id.name, other=other.name))
        self.sudo()._check_lock_date(other, journal, date)
        lines = []
        for receiver, environment, cents in debits:
            lines.append({
                "name": _("Chargeback %(run)s from %(company)s: %(receiver)s", run=self.name,
                          company=self.company_id.name, receiver=receiver.name)
                + (f" ({environment})" if environment else ""),
                "account_id": other.cloud_cost_chargeback_account_id.id,
                "analytic_distribution": self._distribution(receiver, environment),
                "cloud_cost_receiver_id": receiver.id, "cloud_cost_environment": environment,
                "cloud_cost_side": "receiver", **self._debit_credit(cents),
            })
        total = sum(cents for _receiver, _environment, cents in debits)
        lines.append({
            "name": _("Due to %(company)s: chargeback %(run)s", company=self.company_id.name, run=self.name),
            "account_id": other.cloud_cost_due_to_account_id.id, "cloud_cost_side": "intercompany",
            **self._debit_credit(-total),
        })
        return self.env["account.move"].sudo().with_company(other).create(
            self._move_vals(other, journal, date, lines, None)
        )

    @staticmethod
    def _debit_credit(cents):
        return {"debit": _amount(cents), "credit": 0.0} if cents >= 0 else {"debit": 0.0, "credit": _amount(-cents)}

    def _move_vals(self, company, journal, date, lines, receiver_id):
        receiver = self.env["account.analytic.account"].browse(receiver_id) if receiver_id else None
        return {
            "move_type": "entry",
            "company_id": company.id,
            "journal_id": journal.id,
            "date": date,
            "ref": _("Cloud cost chargeback %(run)s", run=self.name) + (f" - {receiver.name}" if receiver else ""),
            "cloud_cost_run_id": self.id,
            "line_ids": [(0, 0, line) for line in lines],
        }

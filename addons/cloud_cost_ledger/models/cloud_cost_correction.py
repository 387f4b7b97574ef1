import pandas as pd

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from odoo.addons.cloud_cost.core.money import from_units, to_units

from ..core.corrections import add_cents, correction_deltas


def _key(text):
    sender, receiver = text.split(",")
    return int(sender), int(receiver)


class CloudCostCorrection(models.Model):
    """A closed period's cost changed after its chargeback was posted (a bill restated, a correction row in
    its charge period): the difference is charged back in an open period, the posted run stays as it was."""

    _name = "cloud.cost.correction"
    _description = "Cloud Cost Chargeback Correction"
    _inherit = ["mail.thread", "cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    run_id = fields.Many2one(
        "cloud.cost.allocation.run",
        "Corrected Run",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    period = fields.Date("Corrected Month", readonly=True)
    date = fields.Date("Charged On", readonly=True, help="Date of the correction entry, in an open period.")
    amount = fields.Monetary(readonly=True, help="Net change of the cost charged to business units.")
    deltas = fields.Json(
        readonly=True,
        help="Charged per 'sender pool,business unit' (0: direct cost), in the currency's smallest unit (cents).",
    )
    move_id = fields.Many2one("account.move", "Correction Entry", readonly=True, check_company=True)
    posted_by_id = fields.Many2one("res.users", readonly=True)
    posted_on = fields.Datetime(readonly=True)

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            name for name, field in self._fields.items() if field.store and name != "id"
        }

    @api.model
    def _charged(self, run):
        """{(sender, receiver): amount in the currency's smallest unit} charged for the run's period: its final
        lines and earlier corrections."""
        self.env["cloud.cost.allocation.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(sender_pool_id, 0), analytic_account_id, SUM(amount) FROM cloud_cost_allocation_line
                WHERE run_id = %s AND is_final AND receiver_kind = 'analytic' GROUP BY 1, 2""",
                run.id,
            )
        )
        digits = run.currency_id.decimal_places
        posted = {(s, r): to_units(a, digits) for s, r, a in self.env.cr.fetchall()}
        earlier = [{_key(k): v for k, v in c.deltas.items()} for c in self.sudo().search([("run_id", "=", run.id)])]
        return add_cents(posted, *earlier)

    @api.model
    def _current(self, run):
        """{(sender, receiver): amount in the currency's smallest unit} the run's policy gives the period today,
        nothing stored."""
        result, _inputs = run.policy_id._allocate(run.date_from, run.date_to)
        final = result.final_lines()
        current = {}
        for sender, kind, receiver, cents in zip(
            final["sender"], final["receiver_kind"], final["receiver"], final["cents"], strict=True
        ):
            if kind != "analytic":
                continue
            sender = 0 if sender is None or pd.isna(sender) else int(sender)
            key = (sender, int(receiver))
            current[key] = current.get(key, 0) + int(cents)
        return current

    @api.model
    def action_post_correction(self, run_id, date):
        """Charge back, on ``date`` (an open period), what changed in a posted run's period since it was
        posted. Returns the correction's id, False when nothing changed."""
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller may post chargeback corrections."))
        run = self.env["cloud.cost.allocation.run"].browse(run_id)
        run.check_access("read")
        if run.state != "posted":
            raise UserError(_("Run %s is not posted: recompute it instead of correcting it.", run.display_name))
        date = fields.Date.to_date(date)
        if date <= run.date_to:
            raise UserError(
                _("A correction is charged in a later period than the run's (%s).", format_date(self.env, run.date_to))
            )
        company = run.company_id
        journal = run._journal(company)
        run._check_lock_date(company, journal, date)
        suite = self._suite().sudo()  # controller-only, checked above; in the run's company
        self.env.cr.execute("SELECT id FROM cloud_cost_allocation_run WHERE id = %s FOR NO KEY UPDATE NOWAIT", [run.id])
        deltas = correction_deltas(self._current(run), self._charged(run))
        if not deltas:
            return False
        Analytic = self.env["account.analytic.account"].sudo()
        Pool = self.env["cloud.cost.pool"].sudo()
        items = []
        label = _("Correction of %(run)s", run=run.name)
        for (sender, receiver_id), cents in deltas.items():
            receiver = Analytic.browse(receiver_id)
            if receiver._cloud_cost_company(company) != company:
                raise UserError(
                    _(
                        "Business unit %s is charged in another company: its correction is not "
                        "charged automatically.",
                        receiver.name,
                    )
                )
            pool = Pool.browse(sender) if sender else Pool
            debit = receiver._cloud_cost_chargeback_account(company) or run._required(
                company, "cloud_cost_chargeback_account_id"
            )
            credit = pool.clearing_account_id or run._required(company, "cloud_cost_clearing_account_id")
            center = pool.cost_center_id or company.cloud_cost_cost_center_id
            amount = float(from_units(abs(cents), company.currency_id.decimal_places))
            sign = cents > 0
            items += [
                (
                    0,
                    0,
                    {
                        "name": f"{label}: {receiver.name}",
                        "account_id": debit.id,
                        "debit": amount if sign else 0.0,
                        "credit": 0.0 if sign else amount,
                        "analytic_distribution": {str(receiver.id): 100},
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": f"{label}: {pool.display_name if pool else _('direct cost')}",
                        "account_id": credit.id,
                        "debit": 0.0 if sign else amount,
                        "credit": amount if sign else 0.0,
                        "analytic_distribution": {str(center.id): 100} if center else False,
                    },
                ),
            ]
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "date": date,
                    "ref": label,
                    "line_ids": items,
                }
            )
        )
        move.action_post()
        correction = suite.create(
            {
                "name": label,
                "company_id": company.id,
                "run_id": run.id,
                "period": run.date_from,
                "date": date,
                "amount": float(from_units(sum(deltas.values()), company.currency_id.decimal_places)),
                "move_id": move.id,
                "deltas": {f"{s},{r}": cents for (s, r), cents in deltas.items()},
                "posted_by_id": self.env.uid,
                "posted_on": fields.Datetime.now(),
            }
        )
        run.sudo().message_post(
            body=_(
                "Changed after posting: %(amount)s charged back on %(date)s by %(move)s.",
                amount=correction.amount,
                date=format_date(self.env, date),
                move=move.name,
            )
        )
        return correction.id

    def action_view_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    correction_ids = fields.One2many("cloud.cost.correction", "run_id", string="Corrections", readonly=True)

    def action_charge_correction(self):
        """Charge back today what changed in this posted run's period since it was posted."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        self.env["cloud.cost.correction"].action_post_correction(self.id, fields.Date.to_string(today))
        return True

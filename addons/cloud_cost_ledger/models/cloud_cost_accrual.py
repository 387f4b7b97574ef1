from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from odoo.addons.cloud_cost.core.periods import month_end, month_start, next_month_start

from ..core.accruals import accrual_lines

ACCRUAL_STATES = [("proposed", "Proposed"), ("posted", "Posted"), ("cancelled", "Cancelled")]


class CloudCostAccrual(models.Model):
    """The accrual of one source's month whose provider invoice is not booked at month-end: proposed by a
    controller, posted by another one, reversed on the first day of the next period."""

    _name = "cloud.cost.accrual"
    _description = "Cloud Cost Accrual"
    _inherit = ["mail.thread", "cloud.cost.guarded.mixin"]
    _guarded_records = True  # proposed and posted by the suite's actions only
    _order = "period desc, id"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Date("Month", required=True, readonly=True, index=True)
    date = fields.Date("Accrual Date", readonly=True, help="Last day of the month: the accrual's date.")
    reversal_date = fields.Date(readonly=True, help="First day of the next month: the reversal's date.")
    source_id = fields.Many2one("cloud.cost.source", required=True, readonly=True, check_company=True)
    batch_ids = fields.Many2many("cloud.cost.import.batch", string="Import Batches", readonly=True)
    amount = fields.Monetary(readonly=True, help="Imported billed cost of the month without tax, company currency.")
    state = fields.Selection(ACCRUAL_STATES, required=True, readonly=True, default="proposed", tracking=True)
    move_id = fields.Many2one("account.move", "Accrual Entry", readonly=True, check_company=True)
    reversal_move_id = fields.Many2one("account.move", "Reversal Entry", readonly=True, check_company=True)
    proposed_by_id = fields.Many2one("res.users", readonly=True)
    proposed_on = fields.Datetime(readonly=True)
    posted_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    posted_on = fields.Datetime(readonly=True)

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            name for name, field in self._fields.items() if field.store and name != "id"
        }

    def _check_controller(self, action):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller may %s accruals.", action))

    # ------------------------------------------------------------------ proposal
    @api.model
    def action_propose_month(self, month):
        """Propose, in the current company, the accruals of a month: one per source whose imported bill has no
        booked provider invoice. Earlier proposals of the month not yet posted are replaced. Returns their ids."""
        return self._propose_month(month).ids

    @api.model
    def _propose_month(self, month):
        self._check_controller(_("propose"))
        company = self.env.company
        start = month_start(fields.Date.to_date(month))
        suite = self._suite().sudo()  # controller-only, checked above; written in the current company only
        suite.search([("company_id", "=", company.id), ("period", "=", start), ("state", "=", "proposed")]).unlink()
        matches = self.env["cloud.cost.invoice.match"]._match_month(fields.Date.to_string(start))
        missing = matches.filtered(lambda m: m.state == "missing").sudo()
        posted = suite.search([("company_id", "=", company.id), ("period", "=", start), ("state", "=", "posted")])
        values = []
        for source in missing.batch_ids.source_id:
            if source in posted.source_id:
                continue
            batches = missing.batch_ids.filtered(lambda b, source=source: b.source_id == source)
            rows = suite._accrual_rows(company, batches)
            _lines, units = accrual_lines(rows, company.currency_id.decimal_places)
            if not units:
                continue
            values.append(
                {
                    "name": _("Accrual %(name)s %(month)s", name=source.name, month=start.strftime("%Y-%m")),
                    "company_id": company.id,
                    "period": start,
                    "date": month_end(start),
                    "reversal_date": next_month_start(start),
                    "source_id": source.id,
                    "batch_ids": [fields.Command.set(batches.ids)],
                    "amount": float(Decimal(units).scaleb(-company.currency_id.decimal_places)),
                    "proposed_by_id": self.env.uid,
                    "proposed_on": fields.Datetime.now(),
                }
            )
        return suite.create(values).with_env(self.env)

    def _accrual_rows(self, company, batches):
        """(clearing account, cost center, billed cost) of the batches' lines without tax: the accounts the
        chargeback credits (the pool's, else the company's) and the analytic account it carries there."""
        default_account = company.cloud_cost_clearing_account_id
        default_center = company.cloud_cost_cost_center_id
        self.env["cloud.cost.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT l.cost_pool_id, SUM(l.billed_cost_company) FROM cloud_cost_line l
                WHERE l.batch_id = ANY(%s) AND COALESCE(l.charge_category, '') != 'Tax' GROUP BY 1""",
                batches.ids,
            )
        )
        rows = []
        Pool = self.env["cloud.cost.pool"].sudo()
        for pool_id, amount in self.env.cr.fetchall():
            pool = Pool.browse(pool_id) if pool_id else Pool
            account = pool.clearing_account_id or default_account
            if not account:
                raise UserError(
                    _(
                        "Company %s has no cloud cost clearing account: set it in the company's Cloud "
                        "Costs settings.",
                        company.name,
                    )
                )
            center = pool.cost_center_id or default_center
            rows.append((account.id, center.id or None, Decimal(str(amount or 0))))
        return rows

    # ------------------------------------------------------------------ posting
    def action_post(self):
        """Post the proposed accruals and their reversals on the first day of the next month."""
        self._check_controller(_("post"))
        self.check_access("write")
        for accrual in self._suite():
            self.env.cr.execute(
                "SELECT id FROM cloud_cost_accrual WHERE id = %s FOR NO KEY UPDATE NOWAIT", [accrual.id]
            )
            if accrual.state != "proposed":
                raise UserError(_("Accrual %s is not proposed: it cannot be posted.", accrual.display_name))
            if accrual.proposed_by_id == self.env.user:
                raise UserError(
                    _("Four eyes: accrual %s was proposed by you; another controller posts it.", accrual.display_name)
                )
            booked = (
                self.env["cloud.cost.invoice.match"]
                .with_company(accrual.company_id)
                ._match_month(fields.Date.to_string(accrual.period))
                .filtered(lambda m, accrual=accrual: accrual.batch_ids & m.batch_ids and m.state != "missing")
            )
            if booked:
                raise UserError(
                    _(
                        "The provider invoice of %s is booked now: propose the month's accruals again.",
                        accrual.display_name,
                    )
                )
            accrual._post_entries()
            accrual.write({"state": "posted", "posted_by_id": self.env.uid, "posted_on": fields.Datetime.now()})
            accrual.message_post(
                body=_(
                    "Posted as %(move)s, reversed by %(reversal)s.",
                    move=accrual.move_id.name,
                    reversal=accrual.reversal_move_id.name,
                )
            )
        return True

    def _journal(self):
        company = self.company_id
        journal = company.cloud_cost_accrual_journal_id or company.cloud_cost_journal_id
        if not journal:
            raise UserError(
                _(
                    "Company %s has no accrual journal nor chargeback journal: set one in the company's "
                    "Cloud Costs settings.",
                    company.name,
                )
            )
        return journal

    def _check_lock(self, journal, date):
        violated = self.company_id._get_violated_lock_dates(date, False, journal)
        if violated:
            lock_date, lock_type = violated[-1]
            raise UserError(
                _(
                    "The accounts of %(company)s are locked up to %(lock)s (%(kind)s): accrual %(accrual)s cannot be "
                    "posted on %(date)s.",
                    company=self.company_id.name,
                    lock=format_date(self.env, lock_date),
                    kind=lock_type,
                    accrual=self.display_name,
                    date=format_date(self.env, date),
                )
            )

    def _post_entries(self):
        company = self.company_id
        accrued = company.cloud_cost_accrued_account_id
        if not accrued:
            raise UserError(
                _(
                    "Company %s has no accrued cloud cost account: set it in the company's Cloud Costs " "settings.",
                    company.name,
                )
            )
        journal = self._journal()
        self._check_lock(journal, self.date)
        self._check_lock(journal, self.reversal_date)
        places = company.currency_id.decimal_places
        lines, units = accrual_lines(self._accrual_rows(company, self.batch_ids), places)
        label = self.name

        def amount(units):
            return float(Decimal(units).scaleb(-places))

        items = [
            (
                0,
                0,
                {
                    "name": label,
                    "account_id": line.account,
                    "debit": amount(line.units) if line.units > 0 else 0.0,
                    "credit": amount(-line.units) if line.units < 0 else 0.0,
                    "analytic_distribution": {str(line.analytic): 100} if line.analytic else False,
                },
            )
            for line in lines
        ]
        items.append(
            (
                0,
                0,
                {
                    "name": label,
                    "account_id": accrued.id,
                    "debit": amount(-units) if units < 0 else 0.0,
                    "credit": amount(units) if units > 0 else 0.0,
                },
            )
        )
        Move = self.env["account.move"].sudo().with_company(company)
        move = Move.create(
            {
                "move_type": "entry",
                "company_id": company.id,
                "journal_id": journal.id,
                "date": self.date,
                "ref": label,
                "cloud_cost_accrual_id": self.id,
                "line_ids": items,
            }
        )
        move.action_post()
        # Odoo's reversal: the same items mirrored, linked to the accrual entry
        reversal = move._reverse_moves(
            [{"date": self.reversal_date, "ref": _("Reversal of %s", label), "cloud_cost_accrual_id": self.id}]
        )
        reversal.action_post()
        self.write({"move_id": move.id, "reversal_move_id": reversal.id})

    def action_view_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Accrual Entries"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("cloud_cost_accrual_id", "=", self.id)],
            "context": {"create": False},
        }

from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from odoo.addons.cloud_cost.core.periods import month_end, month_start

from ..core.accruals import to_units
from ..core.commitments import bridge

# rows a commitment covered (used) and the commitment left unused, in FOCUS terms
COVERED = SQL(
    "(COALESCE(l.commitment_discount, '') != '' AND COALESCE(l.commitment_discount_status, '') != 'Unused' "
    "AND COALESCE(l.charge_category, '') != 'Purchase')"
)
UNUSED = SQL("(COALESCE(l.commitment_discount_status, '') = 'Unused')")
PURCHASE = SQL("(COALESCE(l.charge_category, '') = 'Purchase')")


def _dec(value):
    return Decimal(str(value or 0))


class CloudCostCommitmentRelease(models.Model):
    """A month's commitment fees moved to the prepaid account, and what the bill amortized released from it."""

    _name = "cloud.cost.commitment.release"
    _description = "Cloud Commitment Release"
    _inherit = ["mail.thread", "cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "period desc, id"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Date("Month", required=True, readonly=True)
    batch_ids = fields.Many2many("cloud.cost.import.batch", string="Import Batches", readonly=True)
    billed_amount = fields.Monetary("BilledCost", readonly=True)
    purchase_amount = fields.Monetary(
        "Commitment Purchases",
        readonly=True,
        help="Commitment fees the month's bill charged: moved to the prepaid account.",
    )
    amortized_amount = fields.Monetary(
        "Amortized (used)", readonly=True, help="Amortized commitment on the usage it covered: released."
    )
    unused_amount = fields.Monetary(
        "Unused Commitment", readonly=True, help="Commitment the month left unused, as the bill amortizes it: released."
    )
    other_amount = fields.Monetary("Other Differences", readonly=True)
    effective_amount = fields.Monetary("EffectiveCost", readonly=True)
    release_amount = fields.Monetary("Released", readonly=True)
    move_id = fields.Many2one("account.move", "Entry", readonly=True, check_company=True)
    posted_by_id = fields.Many2one("res.users", readonly=True)
    posted_on = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("month_once", "UNIQUE(company_id, period)", "A month's commitments are released once per company.")
    ]

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            name for name, field in self._fields.items() if field.store and name != "id"
        }

    @api.model
    def _bridge(self, company, batches):
        """The month's bridge from BilledCost to EffectiveCost, company currency."""
        if not batches:
            return bridge(0, 0, 0, 0, 0, company.currency_id.decimal_places)
        self.env["cloud.cost.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(l.billed_cost_company), 0), COALESCE(SUM(l.effective_cost_company), 0),
                      COALESCE(SUM(l.billed_cost_company - l.effective_cost_company) FILTER (WHERE %s), 0),
                      COALESCE(SUM(l.effective_cost_company - l.billed_cost_company) FILTER (WHERE %s), 0),
                      COALESCE(SUM(l.effective_cost_company - l.billed_cost_company) FILTER (WHERE %s), 0)
                 FROM cloud_cost_line l WHERE l.batch_id = ANY(%s)""",
                PURCHASE,
                COVERED,
                UNUSED,
                batches.ids,
            )
        )
        billed, effective, purchases, amortized, unused = (_dec(v) for v in self.env.cr.fetchone())
        return bridge(billed, effective, purchases, amortized, unused, company.currency_id.decimal_places)

    @api.model
    def action_post_month(self, month):
        """Post, in the current company, the month's commitment entry: its purchases to the prepaid account,
        what the bill amortized (used and unused) released from it. Returns the release's id."""
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller may post commitment releases."))
        company = self.env.company
        start = month_start(fields.Date.to_date(month))
        suite = self._suite().sudo()  # controller-only, checked above; in the current company only
        if suite.search([("company_id", "=", company.id), ("period", "=", start)]):
            raise UserError(_("The commitments of %s are released already.", start.strftime("%Y-%m")))
        prepaid = company.cloud_cost_prepaid_account_id
        clearing = company.cloud_cost_clearing_account_id
        journal = company.cloud_cost_accrual_journal_id or company.cloud_cost_journal_id
        if not (prepaid and clearing and journal):
            raise UserError(
                _(
                    "Company %s needs a prepaid commitments account, a clearing account and a journal in "
                    "its Cloud Costs settings.",
                    company.name,
                )
            )
        date = month_end(start)
        violated = company._get_violated_lock_dates(date, False, journal)
        if violated:
            raise UserError(
                _(
                    "The accounts of %(company)s are locked up to %(lock)s: the commitments of %(month)s "
                    "cannot be released.",
                    company=company.name,
                    lock=format_date(self.env, violated[-1][0]),
                    month=start.strftime("%Y-%m"),
                )
            )
        batches = self.env["cloud.cost.invoice.match"].sudo()._month_batches(company, start)
        result = self._bridge(company, batches)
        places = company.currency_id.decimal_places
        label = _("Commitments %s", start.strftime("%Y-%m"))

        def item(name, account, units):
            amount = float(Decimal(abs(units)).scaleb(-places))
            return (
                0,
                0,
                {
                    "name": name,
                    "account_id": account.id,
                    "debit": amount if units > 0 else 0.0,
                    "credit": amount if units < 0 else 0.0,
                },
            )

        purchased, released = to_units(result.purchases, places), to_units(result.release, places)
        items = []
        if purchased:
            items += [
                item(_("%s: purchases to prepaid", label), prepaid, purchased),
                item(_("%s: purchases to prepaid", label), clearing, -purchased),
            ]
        if released:
            items += [
                item(_("%s: amortized and unused released", label), clearing, released),
                item(_("%s: amortized and unused released", label), prepaid, -released),
            ]
        move = self.env["account.move"]
        if items:
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
        release = suite.create(
            {
                "name": label,
                "company_id": company.id,
                "period": start,
                "batch_ids": [fields.Command.set(batches.ids)],
                "billed_amount": float(result.billed),
                "purchase_amount": float(result.purchases),
                "amortized_amount": float(result.amortized),
                "unused_amount": float(result.unused),
                "other_amount": float(result.other),
                "effective_amount": float(result.effective),
                "release_amount": float(result.release),
                "move_id": move.id or False,
                "posted_by_id": self.env.uid,
                "posted_on": fields.Datetime.now(),
            }
        )
        return release.id

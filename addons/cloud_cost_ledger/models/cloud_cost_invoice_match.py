from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.cloud_cost.core.periods import month_end, month_start

from ..core.matching import BillFigures, link_groups, match, match_provider_invoice

MATCH_STATES = [
    ("matched", "Matched"),
    ("explained", "Explained difference"),
    ("unexplained", "Unexplained difference"),
    ("missing", "Invoice missing"),
]
LINK_METHODS = [
    ("invoice_id", "Invoice id of the bill rows"),
    ("account_period", "Billing account and period"),
    ("none", "No invoice"),
]
CAUSE_FIELDS = {
    "tax": "tax_amount",
    "credit": "credit_amount",
    "purchase": "purchase_amount",
    "marketplace": "marketplace_amount",
    "restatement": "restatement_amount",
    "currency": "currency_amount",
    "rounding": "rounding_amount",
}
# credits and refunds: credit rows, and negative rows that are neither tax nor a purchase
CREDIT_ROW = SQL(
    "(COALESCE(l.charge_category, '') = 'Credit' OR l.billed_cost < 0 "
    "AND COALESCE(l.charge_category, '') NOT IN ('Tax', 'Purchase'))"
)
# a row is a marketplace charge when someone else than the provider publishes it
MARKETPLACE_ROW = SQL("""(l.provider_extra->>'bill_billing_entity' = 'AWS Marketplace'
    OR lower(l.provider_extra->>'PublisherType') = 'marketplace'
    OR (COALESCE(l.provider_extra->>'PublisherName', '') NOT IN ('', COALESCE(l.provider_name, ''))
        AND lower(l.provider_extra->>'PublisherName') NOT IN ('microsoft', 'amazon web services', 'google')))""")


def _dec(value):
    return Decimal(str(value or 0))


class CloudCostInvoiceMatch(models.Model):
    """Provider invoices (vendor bills) against the import batches they pay, for one billing month."""

    _name = "cloud.cost.invoice.match"
    _description = "Cloud Cost Invoice Match"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # results of the matching: written by the suite only
    _order = "period desc, id"
    _check_company_auto = True

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    period = fields.Date("Billing Month", required=True, readonly=True, index=True)
    source_id = fields.Many2one("cloud.cost.source", readonly=True, check_company=True)
    invoice_ids = fields.Many2many(
        "account.move",
        "cloud_cost_invoice_match_move_rel",
        "match_id",
        "move_id",
        string="Vendor Bills",
        readonly=True,
        check_company=True,
    )
    batch_ids = fields.Many2many(
        "cloud.cost.import.batch",
        "cloud_cost_invoice_match_batch_rel",
        "match_id",
        "batch_id",
        string="Import Batches",
        readonly=True,
    )
    link_method = fields.Selection(LINK_METHODS, readonly=True)
    currency_id = fields.Many2one("res.currency", "Invoice Currency", readonly=True)
    invoiced_amount = fields.Monetary("Invoiced (untaxed)", readonly=True)
    invoice_detail_ids = fields.Many2many(
        "cloud.cost.invoice.detail",
        "cloud_cost_invoice_match_detail_rel",
        "match_id",
        "detail_id",
        string="Provider's Invoice Lines",
        readonly=True,
        help="The provider's own invoice lines (FOCUS 1.4 Invoice Detail, Issued) of these bill rows: when there "
        "are, the differences are taken from them and the vendor bills are checked against them.",
    )
    provider_invoiced_amount = fields.Monetary(
        "Provider's Invoice (untaxed)", readonly=True, help="The Invoice Detail lines besides tax."
    )
    provider_tax_amount = fields.Monetary("Provider's Invoice Tax", readonly=True)
    imported_amount = fields.Monetary("Imported BilledCost", readonly=True)
    difference = fields.Monetary(readonly=True, help="Imported billed cost minus the invoices' untaxed amount.")
    tax_amount = fields.Monetary("Tax", readonly=True)
    credit_amount = fields.Monetary("Credits and Refunds", readonly=True)
    purchase_amount = fields.Monetary("Purchases", readonly=True)
    marketplace_amount = fields.Monetary("Marketplace", readonly=True)
    restatement_amount = fields.Monetary("Restated after the Invoice", readonly=True)
    currency_amount = fields.Monetary("Currency Conversion", readonly=True)
    rounding_amount = fields.Monetary("Rounding", readonly=True)
    unexplained_amount = fields.Monetary("Unexplained", readonly=True)
    state = fields.Selection(MATCH_STATES, required=True, readonly=True, index=True)
    matched_by_id = fields.Many2one("res.users", readonly=True)
    matched_on = fields.Datetime(readonly=True)
    line_count = fields.Integer("Bill Lines", readonly=True)

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            name for name, field in self._fields.items() if field.store and name != "id"
        }

    # ------------------------------------------------------------------ matching
    @staticmethod
    def _bill_month(move):
        day = move.cloud_cost_billing_period or move.invoice_date or move.date
        return month_start(day)

    def _check_accountant(self):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_accountant"):
            raise AccessError(_("Only a cost accountant or controller may match provider invoices."))

    @api.model
    def action_match_month(self, month):
        """Match the vendor bills of a billing month with its import batches, in the current company; the
        month's earlier matches are replaced. Returns the ids of the matches."""
        return self._match_month(month).ids

    @api.model
    def _match_month(self, month):
        self._check_accountant()
        start = month_start(fields.Date.to_date(month))
        company = self.env.company
        self.env["account.move"].check_access("read")
        # the rights were checked above; the matches are the suite's results, written in the current company only
        suite = self._suite().sudo()
        suite.search([("company_id", "=", company.id), ("period", "=", start)]).unlink()
        matches = suite.create(suite.sudo()._match_values(company, start))
        return matches.with_env(self.env)

    def _month_batches(self, company, start):
        return (
            self.env["cloud.cost.import.batch"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "imported"),
                    ("billing_period_start", ">=", start),
                    ("billing_period_start", "<=", month_end(start)),
                ]
            )
        )

    def _vendor_bills(self, company, domain):
        return (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                    ("state", "=", "posted"),
                    *domain,
                ]
            )
        )

    def _match_values(self, company, start):
        batches = self._month_batches(company, start)
        edges, methods = set(), {}
        invoices = self.env["account.move"].sudo()
        if batches:
            self.env["cloud.cost.line"].flush_model()
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT batch_id, invoice_number FROM cloud_cost_line
                    WHERE batch_id = ANY(%s) AND COALESCE(invoice_number, '') != ''""",
                    batches.ids,
                )
            )
            by_number = {}
            for batch_id, number in self.env.cr.fetchall():
                by_number.setdefault(number, set()).add(batch_id)
            if by_number:
                for bill in self._vendor_bills(company, [("ref", "in", list(by_number))]):
                    invoices |= bill
                    for batch_id in by_number[bill.ref]:
                        edges.add((bill.id, batch_id))
                        methods[bill.id] = "invoice_id"
        # the other vendor bills of the month: by billing account and period
        by_account = self._vendor_bills(
            company,
            [
                ("cloud_cost_billing_account", "!=", False),
                ("id", "not in", invoices.ids),
                ("cloud_cost_billing_period", ">=", start),
                ("cloud_cost_billing_period", "<=", month_end(start)),
            ],
        )
        if by_account and batches:
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT batch_id, billing_account FROM cloud_cost_line WHERE batch_id = ANY(%s)",
                    batches.ids,
                )
            )
            accounts = {}
            for batch_id, account in self.env.cr.fetchall():
                accounts.setdefault(account, set()).add(batch_id)
            for bill in by_account:
                for batch_id in accounts.get(bill.cloud_cost_billing_account, ()):
                    edges.add((bill.id, batch_id))
                    methods.setdefault(bill.id, "account_period")
        invoices |= by_account
        values = []
        for invoice_ids, batch_ids in link_groups(edges, invoices.ids, batches.ids):
            values.append(
                self._group_values(
                    company, start, invoices.browse(sorted(invoice_ids)), batches.browse(sorted(batch_ids)), methods
                )
            )
        return values

    def _group_values(self, company, start, bills, batches, methods):
        currency = bills[:1].currency_id or company.currency_id
        if len(bills.currency_id) > 1:
            currency = company.currency_id
        invoiced = None
        if bills:
            invoiced = Decimal(0)
            for bill in bills:
                sign = -1 if bill.move_type == "in_refund" else 1
                amount = bill.amount_untaxed if bill.currency_id == currency else -bill.amount_untaxed_signed
                invoiced += sign * _dec(amount)
        date = max(bills.mapped("invoice_date") or bills.mapped("date")) if bills else month_end(start)
        figures, line_count = self._bill_figures(company, batches, currency, date)
        tolerance = _dec(currency.rounding) * max(1, len(bills) + len(batches))
        details = self.env["cloud.cost.invoice.detail"]._for_batches(company, start, batches, currency)
        provider = details._totals()
        if details:
            result = match_provider_invoice(
                invoiced, figures, provider, tolerance=tolerance, places=currency.decimal_places
            )
        else:
            result = match(invoiced, figures, tolerance=tolerance, places=currency.decimal_places)
        vals = {
            "name": " / ".join(
                filter(
                    None,
                    [
                        ", ".join(bills.mapped(lambda bill: bill.ref or bill.name)) or _("no invoice"),
                        ", ".join(batches.mapped("name")),
                    ],
                )
            ),
            "company_id": company.id,
            "period": start,
            "source_id": batches[:1].source_id.id,
            "invoice_ids": [fields.Command.set(bills.ids)],
            "batch_ids": [fields.Command.set(batches.ids)],
            "link_method": methods.get(bills[:1].id, "none") if bills else "none",
            "currency_id": currency.id,
            "invoiced_amount": float(result.invoiced or 0),
            "imported_amount": float(result.imported),
            "difference": float(result.difference),
            "unexplained_amount": float(result.unexplained),
            "state": result.state,
            "matched_by_id": self.env.uid,
            "matched_on": fields.Datetime.now(),
            "line_count": line_count,
            "invoice_detail_ids": [fields.Command.set(details.ids)],
            "provider_invoiced_amount": float(sum((v for c, v in provider.items() if c != "Tax"), Decimal(0))),
            "provider_tax_amount": float(provider.get("Tax", 0)),
        }
        if bills and not batches:
            vals["state"] = "unexplained"
        for cause, name in CAUSE_FIELDS.items():
            vals[name] = float(result.causes.get(cause, 0))
        return vals

    def _bill_figures(self, company, batches, currency, date):
        """The batches' billed cost and its components in ``currency``: the bill's own amounts when it is
        billed in that currency, otherwise the company-currency amounts of the import converted at ``date``."""
        if not batches:
            return BillFigures(billed=Decimal(0)), 0
        self.env["cloud.cost.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT l.billing_currency,
                      COUNT(*), SUM(l.billed_cost), SUM(l.billed_cost_company),
                      SUM(l.billed_cost) FILTER (WHERE l.charge_category = 'Tax'),
                      SUM(l.billed_cost_company) FILTER (WHERE l.charge_category = 'Tax'),
                      SUM(l.billed_cost) FILTER (WHERE %s),
                      SUM(l.billed_cost_company) FILTER (WHERE %s),
                      SUM(l.billed_cost) FILTER (WHERE l.charge_category = 'Purchase'),
                      SUM(l.billed_cost_company) FILTER (WHERE l.charge_category = 'Purchase'),
                      SUM(l.billed_cost) FILTER (WHERE %s AND NOT %s AND COALESCE(l.charge_category, '') NOT IN
                                                 ('Tax', 'Purchase')),
                      SUM(l.billed_cost_company) FILTER (WHERE %s AND NOT %s AND COALESCE(l.charge_category, '') NOT IN
                                                         ('Tax', 'Purchase'))
                 FROM cloud_cost_line l WHERE l.batch_id = ANY(%s) GROUP BY 1""",
                CREDIT_ROW,
                CREDIT_ROW,
                MARKETPLACE_ROW,
                CREDIT_ROW,
                MARKETPLACE_ROW,
                CREDIT_ROW,
                batches.ids,
            )
        )
        totals = dict.fromkeys(("billed", "tax", "credit", "purchase", "marketplace"), Decimal(0))
        converted_at_date = Decimal(0)
        count = 0
        Currency = self.env["res.currency"].sudo().with_context(active_test=False)
        for row in self.env.cr.fetchall():
            bill_currency, rows, *amounts = row
            count += rows
            own = (bill_currency or company.currency_id.name) == currency.name
            for index, key in enumerate(totals):
                bill_amount, company_amount = _dec(amounts[2 * index]), _dec(amounts[2 * index + 1])
                if own:
                    totals[key] += bill_amount
                else:
                    totals[key] += _dec(
                        company.currency_id._convert(float(company_amount), currency, company, date, round=False)
                    )
            if not own:
                source = Currency.search([("name", "=", bill_currency)], limit=1)
                billed_bill = _dec(amounts[0])
                converted_at_date += _dec(
                    source._convert(float(billed_bill), currency, company, date, round=False)
                    if source
                    else float(billed_bill)
                )
            else:
                converted_at_date += _dec(amounts[0])
        currency_difference = totals["billed"] - converted_at_date
        restatement = Decimal(0)
        for batch in batches:
            previous = batch.previous_batch_id
            if previous and batch.imported_on and batch.imported_on.date() > date:
                restatement += self._billed(batch) - self._billed(previous)
        return BillFigures(restatement=restatement, currency=currency_difference, **totals), count

    def _billed(self, batch):
        self.env.cr.execute("SELECT COALESCE(SUM(billed_cost), 0) FROM cloud_cost_line WHERE batch_id = %s", [batch.id])
        return _dec(self.env.cr.fetchone()[0])

    # ------------------------------------------------------------------ drill-down
    def action_view_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Vendor Bills"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.invoice_ids.ids)],
            "context": {"create": False},
        }

    def action_view_batches(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Batches"),
            "res_model": "cloud.cost.import.batch",
            "view_mode": "list,form",
            "domain": [("id", "in", self.batch_ids.ids)],
            "context": {"create": False},
        }

    def action_open_reconciliation(self):
        """The reconciliation of this match's month."""
        self.ensure_one()
        report = self.env["cloud.cost.reconciliation"].create({"month": self.period, "company_id": self.company_id.id})
        return {
            "type": "ir.actions.act_window",
            "name": _("Reconciliation"),
            "res_model": report._name,
            "res_id": report.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_view_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Bill Lines"),
            "res_model": "cloud.cost.line",
            "view_mode": "list,pivot,form",
            "domain": [("batch_id", "in", self.batch_ids.ids)],
            "context": {"create": False, "pivot_row_groupby": ["charge_category"]},
        }

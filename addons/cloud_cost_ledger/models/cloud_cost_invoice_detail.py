from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.cloud_cost.core.periods import month_end, month_start

from ..core.invoice_detail import (
    ISSUE_STATUSES,
)


class CloudCostInvoiceDetail(models.Model):
    """A line of a provider's invoice as its FOCUS 1.4 Invoice Detail dataset delivers it: the provider's own
    invoice totals, which the invoice match compares the vendor bills and the bill rows with."""

    _name = "cloud.cost.invoice.detail"
    _description = "Provider Invoice Detail (FOCUS 1.4)"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # what the provider's export said: written by the import only
    _order = "billing_period_start desc, invoice_id, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    source_id = fields.Many2one(
        "cloud.cost.source", required=True, readonly=True, index=True, ondelete="cascade", check_company=True
    )
    invoice_id = fields.Char("Invoice ID", readonly=True, index=True, help="FOCUS InvoiceId.")
    invoice_detail_id = fields.Char("Invoice Detail ID", readonly=True)
    invoice_issuer = fields.Char(readonly=True, help="FOCUS InvoiceIssuerName.")
    billing_account = fields.Char(readonly=True, index=True, help="FOCUS BillingAccountId.")
    billing_currency = fields.Char(readonly=True)
    billing_period_start = fields.Date(readonly=True, index=True)
    charge_category = fields.Selection(
        [(c, c) for c in ("Usage", "Purchase", "Tax", "Credit", "Adjustment")], readonly=True
    )
    billed_cost = fields.Float("BilledCost", digits=(38, 10), readonly=True)
    issue_status = fields.Selection(
        [(s, s) for s in ISSUE_STATUSES],
        "Invoice Issue Status",
        readonly=True,
        help="Open: provisional; Issued: a financial obligation; Voided: retracted. "
        "Only Issued invoices count in the match.",
    )
    issue_date = fields.Date("Invoice Issue Date", readonly=True)
    description = fields.Char(readonly=True)
    reference_invoice_id = fields.Char(
        "Reference Invoice ID", readonly=True, help="The invoice a credit or correction adjusts (itself otherwise)."
    )
    last_updated = fields.Datetime(readonly=True)
    source_file = fields.Char(readonly=True)

    @api.model
    def _store(self, source, file_name, lines):
        """Keep the lines of one Invoice Detail file of ``source``: an invoice delivered again replaces its
        earlier lines. Returns the records."""
        suite = self._suite().sudo()
        invoices = sorted({line.invoice_id for line in lines})
        if invoices:
            suite.search([("source_id", "=", source.id), ("invoice_id", "in", invoices)]).unlink()
        return suite.create(
            [
                {
                    "company_id": source.company_id.id,
                    "source_id": source.id,
                    "invoice_id": line.invoice_id,
                    "invoice_detail_id": line.detail_id,
                    "invoice_issuer": line.issuer,
                    "billing_account": line.billing_account,
                    "billing_currency": line.currency,
                    "billing_period_start": month_start(line.period_start),
                    "charge_category": line.category,
                    "billed_cost": float(line.billed_cost),
                    "issue_status": line.status,
                    "issue_date": line.issue_date,
                    "description": line.description,
                    "reference_invoice_id": line.reference_invoice_id,
                    "last_updated": line.last_updated,
                    "source_file": file_name,
                }
                for line in lines
            ]
        )

    @api.model
    def _for_batches(self, company, start, batches, currency):
        """The Issued Invoice Detail lines of a billing month for these batches: by the invoice ids their bill
        rows carry, else by their billing accounts; in ``currency`` only (the match's)."""
        if not batches:
            return self.browse()
        self.env["cloud.cost.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT array_agg(DISTINCT invoice_number) FILTER (WHERE COALESCE(invoice_number, '') != ''),
                      array_agg(DISTINCT billing_account) FILTER (WHERE COALESCE(billing_account, '') != '')
                 FROM cloud_cost_line WHERE batch_id = ANY(%s)""",
                batches.ids,
            )
        )
        numbers, accounts = self.env.cr.fetchone()
        domain = [
            ("company_id", "=", company.id),
            ("issue_status", "=", "Issued"),
            ("billing_period_start", ">=", start),
            ("billing_period_start", "<=", month_end(start)),
        ]
        if numbers:
            domain.append(("invoice_id", "in", numbers))
        elif accounts:
            domain.append(("billing_account", "in", accounts))
        else:
            return self.browse()
        lines = self.sudo().search(domain)
        return lines.filtered(lambda line: line.billing_currency == currency.name)

    def _totals(self):
        totals = {}
        for line in self:
            totals[line.charge_category] = totals.get(line.charge_category, Decimal(0)) + Decimal(str(line.billed_cost))
        return totals

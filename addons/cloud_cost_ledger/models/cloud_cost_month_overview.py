from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.tools import format_amount

from odoo.addons.cloud_cost.core.periods import month_start


class CloudCostMonthOverview(models.TransientModel):
    _name = "cloud.cost.month.overview"
    _inherit = ["cloud.cost.month.overview", "cloud.cost.guarded.mixin"]

    invoice_match_ids = fields.Many2many(
        "cloud.cost.invoice.match", compute="_compute_ledger", string="Provider Invoices"
    )
    accrual_ids = fields.Many2many("cloud.cost.accrual", compute="_compute_ledger", string="Accruals")
    check_invoices_matched = fields.Boolean(
        "Invoices matched",
        compute="_compute_ledger",
        help="Each import batch of the month is matched with its provider invoices, any difference explained, or "
        "its invoice is missing and accrued.",
    )
    check_accruals_posted = fields.Boolean(
        "Accruals posted",
        compute="_compute_ledger",
        help="Each source whose provider invoice is not booked has its posted accrual.",
    )
    check_clearing_net = fields.Boolean(
        "Clearing accounts net out",
        compute="_compute_ledger",
        help="After the vendor bills, the chargeback and the accruals, each pool's clearing account holds its "
        "pools' unallocated remainder.",
    )
    clearing_differences = fields.Html(
        "Clearing by Account",
        compute="_compute_ledger",
        sanitize=False,
        help="Per clearing account: its balance, its pools' unallocated remainder and the difference.",
    )
    accruals_to_post = fields.Integer(compute="_compute_ledger")

    @api.model
    def _guarded_field_names(self):
        # the close's checks and what they list are the suite's figures
        return super()._guarded_field_names() | {
            "invoice_match_ids",
            "accrual_ids",
            "check_invoices_matched",
            "check_accruals_posted",
            "check_clearing_net",
            "accruals_to_post",
            "clearing_differences",
        }

    @api.depends("month", "company_id")
    def _compute_ledger(self):
        for overview in self:
            if not overview.month:
                overview.update(
                    invoice_match_ids=False,
                    accrual_ids=False,
                    check_invoices_matched=False,
                    check_accruals_posted=False,
                    check_clearing_net=False,
                    accruals_to_post=0,
                    clearing_differences=False,
                )
                continue
            start = month_start(overview.month)
            company = overview.company_id
            matches = self.env["cloud.cost.invoice.match"].search(
                [("company_id", "=", company.id), ("period", "=", start)]
            )
            accruals = self.env["cloud.cost.accrual"].search(
                [("company_id", "=", company.id), ("period", "=", start), ("state", "in", ("proposed", "posted"))]
            )
            posted_sources = accruals.filtered(lambda a: a.state == "posted").source_id
            missing = matches.filtered(lambda m: m.state == "missing")
            batches = self.env["cloud.cost.invoice.match"].sudo()._month_batches(company, start)
            covered = matches.batch_ids
            overview.invoice_match_ids = matches
            overview.accrual_ids = accruals
            overview.accruals_to_post = len(accruals.filtered(lambda a: a.state == "proposed"))
            overview.check_invoices_matched = (
                bool(batches)
                and not (batches - covered)
                and all(
                    m.state in ("matched", "explained")
                    or (m.state == "missing" and m.batch_ids.source_id <= posted_sources)
                    for m in matches
                )
            )
            overview.check_accruals_posted = bool(batches) and missing.batch_ids.source_id <= posted_sources
            report = self.env["cloud.cost.reconciliation"].new({"month": start, "company_id": company.id})
            figures = report._figures()
            overview.check_clearing_net = figures["clearing_pools_net_out"]
            overview.clearing_differences = overview._clearing_table(figures["clearing"], company)

    def _clearing_table(self, rows, company):
        if not rows:
            return False
        Account = self.env["account.account"].sudo()
        currency = company.currency_id

        def money(value):
            return escape(format_amount(self.env, value, currency))

        head = Markup("").join(
            Markup("<th>%s</th>") % label
            for label in (_("Clearing account"), _("Pools"), _("Balance"), _("Unallocated remainder"), _("Difference"))
        )
        body = Markup("").join(
            Markup(
                '<tr class="%s"><td>%s</td><td>%s</td><td class="text-end">%s</td><td class="text-end">%s</td>'
                '<td class="text-end">%s</td></tr>'
            )
            % (
                "" if row["nets_out"] else "text-danger",
                Account.browse(row["account_id"]).display_name,
                row["pools"],
                money(row["balance"]),
                money(row["expected"]),
                money(row["difference"]),
            )
            for row in rows
        )
        return Markup(
            '<table class="table table-sm o_cloud_cost_clearing"><thead><tr>%s</tr></thead>' "<tbody>%s</tbody></table>"
        ) % (head, body)

    def action_match_invoices(self):
        self.ensure_one()
        self.env["cloud.cost.invoice.match"].with_company(self.company_id).action_match_month(
            fields.Date.to_string(self.month)
        )
        return True

    def action_propose_accruals(self):
        self.ensure_one()
        self.env["cloud.cost.accrual"].with_company(self.company_id).action_propose_month(
            fields.Date.to_string(self.month)
        )
        return True

    def action_post_accruals(self):
        self.ensure_one()
        start = month_start(self.month)
        self.env["cloud.cost.accrual"].search(
            [("company_id", "=", self.company_id.id), ("period", "=", start), ("state", "=", "proposed")]
        ).action_post()
        return True

    def action_release_commitments(self):
        self.ensure_one()
        self.env["cloud.cost.commitment.release"].with_company(self.company_id).action_post_month(
            fields.Date.to_string(self.month)
        )
        return True

    def action_open_reconciliation(self):
        self.ensure_one()
        report = self.env["cloud.cost.reconciliation"].create(
            {"month": month_start(self.month), "company_id": self.company_id.id}
        )
        return {
            "type": "ir.actions.act_window",
            "name": report._description,
            "res_model": report._name,
            "res_id": report.id,
            "view_mode": "form",
            "target": "current",
        }

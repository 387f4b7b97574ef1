from decimal import Decimal

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.cloud_cost.core.periods import month_end, month_start

from ..core.accruals import ReconciliationRow
from ..core.workbook import reconciliation_xlsx

BRIDGE_FIELDS = (
    "bridge_billed",
    "bridge_purchases",
    "bridge_amortized",
    "bridge_unused",
    "bridge_other",
    "bridge_effective",
)


def _dec(value):
    return Decimal(str(value or 0))


class CloudCostReconciliation(models.TransientModel):
    """Invoice -> imported bill -> allocated -> posted -> accrued, for one month and company."""

    _name = "cloud.cost.reconciliation"
    _description = "Cloud Cost Reconciliation"
    _inherit = ["cloud.cost.guarded.mixin"]

    month = fields.Date(required=True, default=lambda self: month_start(fields.Date.context_today(self)))
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    line_ids = fields.One2many("cloud.cost.reconciliation.line", "reconciliation_id", string="By Source", readonly=True)
    match_ids = fields.Many2many("cloud.cost.invoice.match", compute="_compute_lines", string="Invoice Matches")
    accrual_ids = fields.Many2many("cloud.cost.accrual", compute="_compute_lines", string="Accruals")
    invoiced_amount = fields.Monetary("Invoiced", compute="_compute_lines")
    imported_amount = fields.Monetary("Imported", compute="_compute_lines")
    allocated_amount = fields.Monetary(
        "Allocated", compute="_compute_lines", help="Allocated to business units by the month's open runs."
    )
    posted_amount = fields.Monetary(
        "Posted",
        compute="_compute_lines",
        help="Charged back by the month's posted runs (credited on the clearing side).",
    )
    accrued_amount = fields.Monetary("Accrued", compute="_compute_lines")
    open_amount = fields.Monetary(
        "Open", compute="_compute_lines", help="Imported cost neither invoiced (nor explained) nor accrued."
    )
    clearing_balance = fields.Monetary(
        compute="_compute_lines", help="Balance of the clearing accounts over the month's journal items."
    )
    clearing_expected = fields.Monetary(
        "Unallocated Remainder",
        compute="_compute_lines",
        help="Imported billed cost without tax, less the invoices' explained "
        "differences, less what the posted runs charged back.",
    )
    clearing_nets_out = fields.Boolean(
        "Clearing Accounts Net Out",
        compute="_compute_lines",
        help="The clearing accounts together hold the unallocated remainder.",
    )
    clearing_pools_net_out = fields.Boolean(
        "Each Pool's Clearing Nets Out",
        compute="_compute_lines",
        help="Each clearing account (of its pools, or the company's for cost in no pool) holds its own pools' "
        "unallocated remainder.",
    )
    clearing_line_ids = fields.One2many(
        "cloud.cost.reconciliation.clearing", "reconciliation_id", string="By Clearing Account", readonly=True
    )
    # from BilledCost to EffectiveCost: commitments
    bridge_billed = fields.Monetary("BilledCost", compute="_compute_lines")
    bridge_purchases = fields.Monetary("Less Commitment Purchases", compute="_compute_lines")
    bridge_amortized = fields.Monetary("Plus Amortized Commitment", compute="_compute_lines")
    bridge_unused = fields.Monetary("Plus Unused Commitment", compute="_compute_lines")
    bridge_other = fields.Monetary("Other Differences", compute="_compute_lines")
    bridge_effective = fields.Monetary("EffectiveCost", compute="_compute_lines")
    correction_in_amount = fields.Monetary(
        "Corrections of Earlier Months",
        compute="_compute_lines",
        help="Charged back in this month for closed months whose cost changed.",
    )
    correction_out_amount = fields.Monetary(
        "Corrected Later",
        compute="_compute_lines",
        help="This month's cost changes after its chargeback, charged back in " "later months.",
    )
    correction_ids = fields.Many2many("cloud.cost.correction", compute="_compute_lines", string="Corrections")
    release_ids = fields.Many2many(
        "cloud.cost.commitment.release", compute="_compute_lines", string="Commitment Releases"
    )

    @api.model
    def _guarded_field_names(self):
        # the month and the company are the reader's choice; every figure and link of the report is the suite's
        chosen = {"month", "company_id", "currency_id"}
        return super()._guarded_field_names() | {
            name for name, field in self._fields.items() if not field.automatic and name not in chosen
        }

    @api.depends("month", "company_id")
    def _compute_lines(self):
        for report in self:
            figures = report._figures() if report.month else None
            if not figures:
                report.update(
                    {
                        "release_ids": False,
                        "correction_ids": False,
                        "correction_in_amount": 0,
                        "correction_out_amount": 0,
                        **dict.fromkeys(BRIDGE_FIELDS, 0),
                        "match_ids": False,
                        "accrual_ids": False,
                        "invoiced_amount": 0,
                        "imported_amount": 0,
                        "allocated_amount": 0,
                        "posted_amount": 0,
                        "accrued_amount": 0,
                        "open_amount": 0,
                        "clearing_balance": 0,
                        "clearing_expected": 0,
                        "clearing_nets_out": False,
                        "clearing_pools_net_out": False,
                    }
                )
                continue
            report.update(
                {
                    "release_ids": figures["releases"],
                    "correction_ids": figures["corrections"],
                    "correction_in_amount": float(figures["correction_in"]),
                    "correction_out_amount": float(figures["correction_out"]),
                    **{name: float(figures["bridge"][index][1]) for index, name in enumerate(BRIDGE_FIELDS)},
                    "match_ids": figures["matches"],
                    "accrual_ids": figures["accruals"],
                    **{key: float(value) for key, value in figures["totals"].items()},
                    "clearing_nets_out": figures["clearing_nets_out"],
                    "clearing_pools_net_out": figures["clearing_pools_net_out"],
                }
            )

    def _rows(self):
        """ReconciliationRow per source (and one for the allocation runs), for the command line and the XLSX."""
        figures = self._figures()
        rows = [
            ReconciliationRow(
                vals["name"],
                *(
                    _dec(vals[k])
                    for k in (
                        "invoiced_amount",
                        "imported_amount",
                        "allocated_amount",
                        "posted_amount",
                        "accrued_amount",
                    )
                ),
                vals["state_label"],
                _dec(vals["open_amount"]),
            )
            for vals in figures["lines"]
        ]
        totals = figures["totals"]
        rows.append(
            ReconciliationRow(
                _("Allocation runs"),
                Decimal(0),
                Decimal(0),
                totals["allocated_amount"],
                totals["posted_amount"],
                Decimal(0),
                "",
            )
        )
        return rows, figures

    def _figures(self):
        self.ensure_one()
        company = self.company_id
        start = month_start(self.month)
        end = month_end(start)
        Match = self.env["cloud.cost.invoice.match"]
        matches = Match.search([("company_id", "=", company.id), ("period", "=", start)])
        accruals = self.env["cloud.cost.accrual"].search(
            [("company_id", "=", company.id), ("period", "=", start), ("state", "=", "posted")]
        )
        batches = Match.sudo()._month_batches(company, start)
        labels = dict(Match._fields["state"].selection)
        lines = []
        explained_other = Decimal(0)  # differences of booked invoices besides tax: booked, not on the clearing
        for source in batches.source_id:
            source_batches = batches.filtered(lambda b, source=source: b.source_id == source)
            source_matches = matches.filtered(lambda m, source_batches=source_batches: m.batch_ids & source_batches)
            imported = sum((_dec(b.billed_cost_total) for b in source_batches), Decimal(0))
            booked = source_matches.filtered(lambda m: m.state != "missing")
            invoiced = sum((_dec(bill.amount_untaxed_signed) * -1 for bill in booked.sudo().invoice_ids), Decimal(0))
            tax = self._tax(source_batches)
            source_accruals = accruals.filtered(lambda a, source=source: a.source_id == source)
            accrued = sum((_dec(a.amount) for a in source_accruals), Decimal(0))
            states = set(source_matches.mapped("state"))
            state = next((s for s in ("unexplained", "missing", "explained", "matched") if s in states), "missing")
            if state == "missing" and source_accruals:
                state_label = _("Invoice missing, accrued")
            else:
                state_label = labels.get(state, state)
            # an explained difference besides tax is booked elsewhere (a credit note, the marketplace's invoice)
            for explained in booked.filtered(lambda m: m.state in ("matched", "explained")):
                explained_other += _dec(explained.difference) - _dec(explained.tax_amount)
            lines.append(
                {
                    "name": source.name,
                    "source_id": source.id,
                    "state": state,
                    "state_label": state_label,
                    "invoiced_amount": float(invoiced),
                    "imported_amount": float(imported),
                    "tax_amount": float(tax),
                    "accrued_amount": float(accrued),
                    # not booked: what is not accrued; booked: what no cause explains
                    "open_amount": float(
                        sum((_dec(m.unexplained_amount) for m in booked), Decimal(0))
                        if booked
                        else imported - tax - accrued
                    ),
                    "allocated_amount": 0.0,
                    "posted_amount": 0.0,
                    "batch_ids": [fields.Command.set(source_batches.ids)],
                    "match_ids": [fields.Command.set(source_matches.ids)],
                    "accrual_ids": [fields.Command.set(source_accruals.ids)],
                }
            )
        allocated, posted = self._allocated_posted(company, start, end)
        Correction = self.env["cloud.cost.correction"]
        corrections_in = Correction.search(
            [("company_id", "=", company.id), ("date", ">=", start), ("date", "<=", end)]
        )
        corrections_out = Correction.search([("company_id", "=", company.id), ("period", "=", start)])
        correction_in = sum((_dec(c.amount) for c in corrections_in), Decimal(0))
        posted += correction_in  # charged through this month's clearing accounts
        late_bills = self._late_bills(matches, accruals)
        balance, accounts = self._clearing_balance(company, start, end, late_bills.filtered(lambda b: b.date > end))
        imported_total = sum((_dec(v["imported_amount"]) for v in lines), Decimal(0))
        tax_total = sum((_dec(v["tax_amount"]) for v in lines), Decimal(0))
        releases = self.env["cloud.cost.commitment.release"].search(
            [("company_id", "=", company.id), ("period", "=", start)]
        )
        # commitment fees moved from the clearing to the prepaid account, the amortized cost released back
        released = sum((_dec(r.release_amount) - _dec(r.purchase_amount) for r in releases), Decimal(0))
        expected = imported_total - tax_total - explained_other - posted + released
        rounding = _dec(company.currency_id.rounding) * max(1, len(lines))
        totals = {
            "invoiced_amount": sum((_dec(v["invoiced_amount"]) for v in lines), Decimal(0)),
            "imported_amount": imported_total,
            "allocated_amount": allocated,
            "posted_amount": posted,
            "accrued_amount": sum((_dec(v["accrued_amount"]) for v in lines), Decimal(0)),
            "open_amount": sum((_dec(v["open_amount"]) for v in lines), Decimal(0)),
            "clearing_balance": balance,
            "clearing_expected": expected,
        }
        bridge = self.env["cloud.cost.commitment.release"].sudo()._bridge(company, batches)
        clearing = self._clearing_by_account(
            company,
            start,
            end,
            batches,
            late_bills.filtered(lambda b: b.date > end),
            releases,
            corrections_in,
            explained_other,
        )
        return {
            "clearing": clearing,
            "clearing_pools_net_out": bool(lines) and bool(clearing) and all(row["nets_out"] for row in clearing),
            "corrections": corrections_in | corrections_out,
            "correction_in": correction_in,
            "correction_out": sum((_dec(c.amount) for c in corrections_out), Decimal(0)),
            "lines": lines,
            "matches": matches,
            "releases": releases,
            "bridge": bridge.rows(),
            "accruals": accruals,
            "totals": totals,
            "accounts": accounts,
            "clearing_nets_out": bool(lines) and bool(accounts) and abs(balance - expected) <= rounding,
        }

    @api.model
    def _late_bills(self, matches, accruals):
        """The booked vendor bills of the month's matches whose source was not accrued (booked after the month,
        they count for it)."""
        return (
            matches.filtered(lambda m: m.state != "missing" and not (m.batch_ids.source_id & accruals.source_id))
            .sudo()
            .invoice_ids
        )

    def _tax(self, batches):
        self.env["cloud.cost.line"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(billed_cost_company), 0) FROM cloud_cost_line "
                "WHERE batch_id = ANY(%s) AND charge_category = 'Tax'",
                batches.ids,
            )
        )
        return _dec(self.env.cr.fetchone()[0])

    def _allocated_posted(self, company, start, end):
        runs = (
            self.env["cloud.cost.allocation.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("date_from", "=", start),
                    ("date_to", "=", end),
                    ("is_open", "=", True),
                ]
            )
        )
        allocated = Decimal(0)
        if runs:
            self.env["cloud.cost.allocation.line"].flush_model()
            self.env.cr.execute(
                SQL(
                    "SELECT COALESCE(SUM(amount), 0) FROM cloud_cost_allocation_line WHERE "
                    "run_id = ANY(%s) AND is_final AND receiver_kind = 'analytic'",
                    runs.ids,
                )
            )
            allocated = _dec(self.env.cr.fetchone()[0])
        items = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("move_id.cloud_cost_run_id", "in", runs.filtered(lambda r: r.state == "posted").ids),
                    ("parent_state", "=", "posted"),
                    ("cloud_cost_side", "=", "sender"),
                    ("company_id", "=", company.id),
                ]
            )
        )
        posted = sum((_dec(item.credit) - _dec(item.debit) for item in items), Decimal(0))
        return allocated, posted

    @api.model
    def _clearing_items_domain(self, accounts, company, start, end, late_bills):
        """The posted journal items of ``accounts`` in the month, and those of the vendor bills of the month
        booked after it."""
        return [
            ("account_id", "in", accounts.ids),
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            "|",
            "&",
            ("date", ">=", start),
            ("date", "<=", end),
            ("move_id", "in", late_bills.ids),
        ]

    def _clearing_accounts(self, company):
        pools = self.env["cloud.cost.pool"].sudo().search([("company_id", "=", company.id)])
        return pools.clearing_account_id | company.sudo().cloud_cost_clearing_account_id

    def _clearing_balance(self, company, start, end, late_bills):
        """Balance of the clearing accounts over the month's journal items, with the vendor bills of the month
        booked after it (a provider invoice arrives days after its month; without an accrual it is the month's)."""
        accounts = self._clearing_accounts(company)
        if not accounts:
            return Decimal(0), accounts
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                self._clearing_items_domain(accounts, company, start, end, late_bills),
                [],
                ["balance:sum"],
            )
        )
        return _dec(groups[0][0]), accounts

    def _clearing_by_account(self, company, start, end, batches, late_bills, releases, corrections, explained_other):
        """Per clearing account: its balance over the month (with the month's vendor bills booked after it) and
        the unallocated remainder of the pools it clears: their imported cost without tax, less what the
        chargeback and the corrections credited it, plus what the commitment release moved. Differences the
        invoices explain besides tax (credit notes, invoices apart) are the company's clearing account's."""
        default = company.sudo().cloud_cost_clearing_account_id
        Pool = self.env["cloud.cost.pool"].sudo().with_context(active_test=False)
        pools = Pool.search([("company_id", "=", company.id)])
        expected, names = {}, {}

        def add(account, amount, name=None):
            if not account:
                return
            expected[account] = expected.get(account, Decimal(0)) + amount
            if name:
                names.setdefault(account, [])
                if name not in names[account]:
                    names[account].append(name)

        for pool in pools:
            if pool.clearing_account_id:
                names.setdefault(pool.clearing_account_id, []).append(pool.display_name)
        if batches:
            self.env["cloud.cost.line"].flush_model()
            self.env.cr.execute(
                SQL(
                    """SELECT cost_pool_id, COALESCE(SUM(billed_cost_company), 0) FROM cloud_cost_line
                    WHERE batch_id = ANY(%s) AND COALESCE(charge_category, '') != 'Tax' GROUP BY 1""",
                    batches.ids,
                )
            )
            for pool_id, amount in self.env.cr.fetchall():
                pool = Pool.browse(pool_id) if pool_id else Pool
                add(
                    pool.clearing_account_id or default,
                    _dec(amount),
                    pool.display_name if pool else _("cost in no pool"),
                )
        add(default, -explained_other)
        runs = (
            self.env["cloud.cost.allocation.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("date_from", "=", start),
                    ("date_to", "=", end),
                    ("state", "=", "posted"),
                ]
            )
        )
        Item = self.env["account.move.line"].sudo()
        for account, balance in Item._read_group(
            [
                ("move_id.cloud_cost_run_id", "in", runs.ids),
                ("parent_state", "=", "posted"),
                ("cloud_cost_side", "=", "sender"),
                ("company_id", "=", company.id),
            ],
            ["account_id"],
            ["balance:sum"],
        ):
            add(account, _dec(balance))
        clearing_accounts = self._clearing_accounts(company)
        for account, balance in Item._read_group(
            [("move_id", "in", corrections.move_id.ids), ("account_id", "in", clearing_accounts.ids)],
            ["account_id"],
            ["balance:sum"],
        ):
            add(account, _dec(balance))
        for account, balance in Item._read_group(
            [("move_id", "in", releases.sudo().move_id.ids), ("account_id", "in", clearing_accounts.ids)],
            ["account_id"],
            ["balance:sum"],
        ):
            add(account, _dec(balance))
        accounts = clearing_accounts | self.env["account.account"].sudo().browse([a.id for a in expected])
        balances = dict(
            Item._read_group(
                self._clearing_items_domain(accounts, company, start, end, late_bills),
                ["account_id"],
                ["balance:sum"],
            )
        )
        rounding = _dec(company.currency_id.rounding)
        rows = []
        for account in accounts.sorted("code"):
            balance, remainder = _dec(balances.get(account, 0)), expected.get(account, Decimal(0))
            if not (balance or remainder or account in names):
                continue
            difference = balance - remainder
            rows.append(
                {
                    "account_id": account.id,
                    "pools": ", ".join(names.get(account, [])) or _("company"),
                    "balance": float(balance),
                    "expected": float(remainder),
                    "difference": float(difference),
                    "nets_out": abs(difference) <= rounding,
                }
            )
        return rows

    # ------------------------------------------------------------------ drill-down
    def _month_items_domain(self):
        start = month_start(self.month)
        accounts = self._clearing_accounts(self.company_id) | self.company_id.sudo().cloud_cost_accrued_account_id
        return [
            ("company_id", "=", self.company_id.id),
            ("account_id", "in", accounts.ids),
            ("parent_state", "=", "posted"),
            ("date", ">=", start),
            ("date", "<=", month_end(start)),
        ]

    def action_view_items(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Journal Items %s", self.month.strftime("%Y-%m")),
            "res_model": "account.move.line",
            "view_mode": "list,pivot",
            "domain": self._month_items_domain(),
            "context": {"create": False, "search_default_group_by_account": 1},
        }

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        reports._refresh_lines()
        return reports

    def write(self, vals):
        result = super().write(vals)
        if {"month", "company_id"} & set(vals):
            self._refresh_lines()
        return result

    def _refresh_lines(self):
        Line = self.env["cloud.cost.reconciliation.line"]._suite().sudo()  # the report of the user who opened it
        Clearing = self.env["cloud.cost.reconciliation.clearing"]._suite().sudo()
        for report in self:
            Line.search([("reconciliation_id", "=", report.id)]).unlink()
            Clearing.search([("reconciliation_id", "=", report.id)]).unlink()
            if report.month:
                figures = report._figures()
                Line.create([{**vals, "reconciliation_id": report.id} for vals in figures["lines"]])
                Clearing.create([{**vals, "reconciliation_id": report.id} for vals in figures["clearing"]])

    def _xlsx(self):
        """The reconciliation as an XLSX workbook (bytes)."""
        self.ensure_one()
        rows, figures = self._rows()
        totals = figures["totals"]
        Match = self.env["cloud.cost.invoice.match"]
        causes = (
            "tax_amount",
            "credit_amount",
            "purchase_amount",
            "marketplace_amount",
            "restatement_amount",
            "currency_amount",
            "rounding_amount",
            "unexplained_amount",
        )
        states = dict(Match._fields["state"].selection)
        matches = [
            {
                "Match": match.name,
                "Vendor bills": ", ".join(match.sudo().invoice_ids.mapped("name")),
                "Batches": ", ".join(match.batch_ids.mapped("name")),
                "Currency": match.currency_id.name,
                "Invoiced": match.invoiced_amount,
                "Imported": match.imported_amount,
                "Difference": match.difference,
                **{Match._fields[name].string: match[name] for name in causes},
                "State": states[match.state],
            }
            for match in figures["matches"]
        ]
        clearing = [
            (_("Clearing accounts: balance"), totals["clearing_balance"]),
            (_("Unallocated remainder"), totals["clearing_expected"]),
            (_("Clearing accounts net out"), figures["clearing_nets_out"]),
        ]
        title = _(
            "Reconciliation %(month)s, %(company)s", month=self.month.strftime("%Y-%m"), company=self.company_id.name
        )
        return reconciliation_xlsx(title, rows, matches, figures["bridge"], clearing, self.currency_id.name)

    def action_export_xlsx(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"reconciliation-{self.month:%Y-%m}.xlsx",
                "raw": self._xlsx(),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def action_refresh(self):
        self._refresh_lines()
        return True

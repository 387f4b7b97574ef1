from decimal import Decimal

from odoo import api, fields, models

from odoo.addons.cloud_cost.core.finops import maturity_selection_with_thresholds
from odoo.addons.cloud_cost.core.periods import month_bounds, next_month_start, previous_month_start

from ..core.month_end import AllocationShare

# above this share of unallocated spend, month-end is not ready
UNALLOCATED_TOLERANCE_PERCENT = 10.0


class CloudCostMonthOverview(models.TransientModel):
    """The month at a glance: what it cost, how much of it is allocated, and what month-end still needs."""

    _name = "cloud.cost.month.overview"
    _description = "Cloud Cost Month Overview"

    month = fields.Date(required=True, default=lambda self: previous_month_start(fields.Date.context_today(self)))
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    total_cost = fields.Monetary("Effective Cost", compute="_compute_figures")
    unallocated_cost = fields.Monetary(compute="_compute_figures")
    untagged_cost = fields.Monetary(compute="_compute_figures")
    non_production_cost = fields.Monetary("Non-production Cost", compute="_compute_figures")
    line_count = fields.Integer("Bill Lines", compute="_compute_figures")
    allocated_percent = fields.Float("Allocated (%)", compute="_compute_figures", digits=(16, 1))
    unallocated_percent = fields.Float("Unallocated (%)", compute="_compute_figures", digits=(16, 1))
    maturity = fields.Selection(
        maturity_selection_with_thresholds(),
        "Allocation Maturity",
        compute="_compute_figures",
        help="FinOps Foundation maturity of cost allocation, by share of spend allocated.",
    )
    source_ids = fields.Many2many("cloud.cost.source", compute="_compute_sources", string="Bill Sources")
    sources_missing = fields.Integer("Sources Without Bill", compute="_compute_sources")
    check_bills_imported = fields.Boolean("Every source has its bill", compute="_compute_sources")
    check_unallocated = fields.Boolean(
        "Unallocated within tolerance",
        compute="_compute_figures",
        help=f"At most {UNALLOCATED_TOLERANCE_PERCENT:g}% of the month's spend unallocated.",
    )

    def _month_bounds(self):
        return month_bounds(self.month)

    def _month_line_domain(self):
        start, end = self._month_bounds()
        return [
            ("company_id", "=", self.company_id.id),
            ("batch_id.state", "=", "imported"),
            ("charge_period_start", ">=", fields.Datetime.to_datetime(start)),
            ("charge_period_start", "<", fields.Datetime.to_datetime(next_month_start(end))),
        ]

    @api.depends("month", "company_id")
    def _compute_figures(self):
        for overview in self:
            if not overview.month:
                overview.update(
                    total_cost=0, unallocated_cost=0, untagged_cost=0, non_production_cost=0, line_count=0,
                    allocated_percent=0, unallocated_percent=0, maturity="crawl", check_unallocated=False,
                )  # fmt: skip
                continue
            start, end = overview._month_bounds()
            report = self.env["cloud.cost.report.monthly"]
            domain = [("company_id", "=", overview.company_id.id), ("month", "=", start)]
            groups = report._read_group(
                domain, ["is_unallocated", "is_untagged", "is_non_production"], ["effective_cost:sum", "line_count:sum"]
            )
            total = unallocated = untagged = non_production = Decimal(0)
            lines = 0
            for is_unallocated, is_untagged, is_non_production, cost, count in groups:
                cost = Decimal(str(cost or 0))
                total += cost
                lines += count or 0
                unallocated += cost if is_unallocated else 0
                untagged += cost if is_untagged else 0
                non_production += cost if is_non_production else 0
            share = AllocationShare(total=total, unallocated=unallocated)
            overview.update(
                {
                    "total_cost": float(total),
                    "unallocated_cost": float(unallocated),
                    "untagged_cost": float(untagged),
                    "non_production_cost": float(non_production),
                    "line_count": lines,
                    "allocated_percent": float(share.allocated_percent),
                    "unallocated_percent": float(share.unallocated_percent),
                    "maturity": share.maturity,
                    "check_unallocated": bool(total) and share.unallocated_percent <= UNALLOCATED_TOLERANCE_PERCENT,
                }
            )

    @api.depends("month", "company_id")
    def _compute_sources(self):
        for overview in self:
            sources = self.env["cloud.cost.source"].search([("company_id", "=", overview.company_id.id)])
            missing = 0
            if overview.month:
                start, end = overview._month_bounds()
                covered = self.env["cloud.cost.import.batch"].search(
                    [
                        ("source_id", "in", sources.ids),
                        ("state", "=", "imported"),
                        ("billing_period_start", "<=", start),
                        ("billing_period_end", ">=", end),
                    ]
                )
                missing = len(sources - covered.source_id)
            overview.source_ids = sources
            overview.sources_missing = missing
            overview.check_bills_imported = bool(sources) and not missing

    def _open_lines(self, name, view_mode, extra_domain=(), context=None):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": f"{name} {self.month:%Y-%m}",
            "res_model": "cloud.cost.line",
            "view_mode": view_mode,
            "domain": self._month_line_domain() + list(extra_domain),
            "context": context or {},
        }

    def action_open_pivot(self):
        return self._open_lines(
            "Cost by business unit and pool",
            "pivot,graph,list",
            context={"pivot_row_groupby": ["analytic_account_id"], "pivot_column_groupby": ["cost_pool_id"]},
        )

    def action_open_graph(self):
        return self._open_lines(
            "Cost by business unit",
            "graph,pivot,list",
            context={"graph_groupbys": ["analytic_account_id", "cost_pool_id"], "graph_mode": "bar"},
        )

    def action_open_unallocated(self):
        return self._open_lines("Unallocated lines", "list,form", [("is_unallocated", "=", True)])

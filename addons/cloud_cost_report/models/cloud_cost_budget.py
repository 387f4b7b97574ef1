from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.cloud_cost.core.periods import month_end, month_start

from ..core.forecast import forecast_month
from .daily_costs import read_daily_costs


class CloudCostBudget(models.Model):
    """A month's cloud budget of one business unit, against its actual cost and forecast."""

    _name = "cloud.cost.budget"
    _description = "Cloud Cost Budget"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "month desc, analytic_account_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Business Unit", required=True, index=True, check_company=True
    )
    month = fields.Date(required=True, tracking=True, help="Any day of the month; stored as its first day.")
    amount = fields.Monetary("Budget", required=True, tracking=True)
    owner_id = fields.Many2one(related="analytic_account_id.cloud_cost_owner_id")
    # measured from the cost lines when read; "as of" is today within the month, else its last day
    as_of = fields.Date(compute="_compute_forecast")
    actual = fields.Monetary(compute="_compute_forecast", help="Effective cost of the month so far.")
    run_rate = fields.Monetary("Daily Run Rate", compute="_compute_forecast", help="Average of the last 7 days.")
    forecast = fields.Monetary(compute="_compute_forecast", help="Actual + run rate x days left in the month.")
    forecast_vs_budget = fields.Monetary(compute="_compute_forecast")
    over_budget = fields.Boolean(compute="_compute_forecast", search="_search_over_budget")
    consumed_percent = fields.Float("Consumed (%)", compute="_compute_forecast", digits=(16, 1))

    _sql_constraints = [
        (
            "unit_month_uniq",
            "unique(company_id, analytic_account_id, month)",
            "A business unit has one budget per month.",
        ),
        ("amount_not_negative", "CHECK(amount >= 0)", "A budget cannot be negative."),
    ]

    @api.depends("analytic_account_id", "month")
    def _compute_name(self):
        for budget in self:
            month = budget.month and budget.month.strftime("%Y-%m") or ""
            budget.name = f"{budget.analytic_account_id.name or ''} {month}".strip()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("month"):
                vals["month"] = month_start(fields.Date.to_date(vals["month"]))
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("month"):
            vals["month"] = month_start(fields.Date.to_date(vals["month"]))
        return super().write(vals)

    def _today(self):
        """The day the forecast is measured on: today in the user's time zone."""
        return fields.Date.context_today(self)

    def _as_of(self):
        return min(max(self._today(), self.month), month_end(self.month))

    @api.depends("amount", "month", "analytic_account_id")
    def _compute_forecast(self):
        for budget in self:
            if not (budget.month and budget.analytic_account_id):
                budget.update(
                    as_of=False, actual=0, run_rate=0, forecast=0, forecast_vs_budget=0, over_budget=False,
                    consumed_percent=0,
                )  # fmt: skip
                continue
            as_of = budget._as_of()
            daily = read_daily_costs(
                self.env, budget.company_id, budget.month, as_of, analytic_account_ids=budget.analytic_account_id.ids
            ).get((budget.analytic_account_id.id, None), {})
            result = forecast_month(
                daily,
                budget.month,
                as_of,
                budget=budget.currency_id.round(budget.amount),
                digits=budget.currency_id.decimal_places,
            )
            budget.as_of = as_of
            budget.actual = float(result.actual)
            budget.run_rate = float(result.run_rate)
            budget.forecast = float(result.forecast)
            budget.forecast_vs_budget = float(result.forecast_vs_budget)
            budget.over_budget = result.over_budget
            budget.consumed_percent = float(result.actual / result.budget * 100) if result.budget else 0.0

    def _search_over_budget(self, operator, value):
        if operator not in ("=", "!="):
            raise ValidationError(_("Over budget can only be searched with = or !="))
        wanted = (operator == "=") == bool(value)
        budgets = self.search([])
        return [("id", "in", budgets.filtered(lambda b: b.over_budget == wanted).ids)]

    def action_check_forecast(self):
        """Alert the business unit's cost owner when the forecast passes the budget (once per budget)."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        alerted = self.browse()
        summary = _("Cloud cost forecast over budget")
        for budget in self.filtered("over_budget"):
            if budget.activity_ids.filtered(lambda a: a.summary == summary):
                continue
            budget.activity_schedule(
                activity_type_id=todo.id,
                summary=summary,
                note=_(
                    "%(unit)s: forecast %(forecast)s for %(month)s against a budget of %(budget)s "
                    "(actual %(actual)s as of %(as_of)s, run rate %(rate)s a day).",
                    unit=budget.analytic_account_id.display_name,
                    forecast=budget.forecast,
                    month=budget.month.strftime("%Y-%m"),
                    budget=budget.amount,
                    actual=budget.actual,
                    as_of=budget.as_of,
                    rate=budget.run_rate,
                ),
                user_id=(budget.owner_id or self.env.user).id,
            )
            alerted |= budget
        return alerted

    @api.model
    def _cron_check_forecasts(self):
        today = fields.Date.context_today(self)
        self.search([("month", "=", month_start(today))]).action_check_forecast()

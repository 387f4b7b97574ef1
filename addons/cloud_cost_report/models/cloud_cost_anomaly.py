from datetime import timedelta

import pandas as pd

from odoo import _, api, fields, models

from ..core.anomaly import AnomalySettings, find_anomalies
from .daily_costs import read_daily_costs

ANOMALY_STATES = [
    ("new", "New"),
    ("acknowledged", "Acknowledged"),
    ("explained", "Explained"),
]


class CloudCostAnomaly(models.Model):
    """A day on which a business unit's cost of one service jumped far above its baseline."""

    _name = "cloud.cost.anomaly"
    _description = "Cloud Cost Anomaly"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "day desc, increase desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    day = fields.Date(required=True, index=True, readonly=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Business Unit", index=True, readonly=True, check_company=True
    )
    service_name = fields.Char("Service", readonly=True)
    cost = fields.Monetary(readonly=True, help="Effective cost of that day.")
    baseline = fields.Monetary(readonly=True, help="Median daily cost of the days before.")
    increase = fields.Monetary(readonly=True)
    score = fields.Float(readonly=True, digits=(16, 2), help="Robust standard deviations above the baseline.")
    state = fields.Selection(ANOMALY_STATES, required=True, default="new", tracking=True)
    explanation = fields.Text(tracking=True)

    _sql_constraints = [
        (
            "series_day_uniq",
            "unique(company_id, day, analytic_account_id, service_name)",
            "An anomaly is recorded once per day, business unit and service.",
        ),
    ]

    @api.depends("day", "analytic_account_id", "service_name")
    def _compute_name(self):
        for anomaly in self:
            unit = anomaly.analytic_account_id.name or _("Unallocated")
            anomaly.name = f"{anomaly.day} {unit} / {anomaly.service_name or ''}"

    def action_acknowledge(self):
        self.write({"state": "acknowledged"})

    def action_explain(self):
        self.filtered(lambda a: not a.explanation).explanation = _("Explained")
        self.write({"state": "explained"})

    @api.model
    def detect(self, date_from, date_to, company=None, settings=None):
        """Record the anomalies of the days from date_from to date_to; returns the new ones.

        Each new anomaly is flagged to the business unit's cost owner as an activity.
        """
        company = company or self.env.company
        settings = settings or AnomalySettings()
        history_start = date_from - timedelta(days=settings.window_days + settings.min_history)
        series = read_daily_costs(self.env, company, history_start, date_to, by_service=True)
        rows = [
            {"key": key, "day": day, "cost": cost}
            for key, days in series.items()
            for day, cost in days.items()
        ]  # fmt: skip
        found = [a for a in find_anomalies(pd.DataFrame(rows), settings) if date_from <= a.day <= date_to]
        known = {
            (a.day, a.analytic_account_id.id or None, a.service_name or None)
            for a in self.search([("company_id", "=", company.id), ("day", ">=", date_from), ("day", "<=", date_to)])
        }
        vals_list = [
            {
                "company_id": company.id,
                "day": anomaly.day,
                "analytic_account_id": anomaly.key[0],
                "service_name": anomaly.key[1],
                "cost": float(anomaly.cost),
                "baseline": float(anomaly.baseline),
                "increase": float(anomaly.increase),
                "score": anomaly.score,
            }
            for anomaly in found
            if (anomaly.day, anomaly.key[0], anomaly.key[1]) not in known
        ]
        anomalies = self.create(vals_list)
        todo = self.env.ref("mail.mail_activity_data_todo")
        for anomaly in anomalies:
            owner = anomaly.analytic_account_id.cloud_cost_owner_id or self.env.user
            anomaly.activity_schedule(
                activity_type_id=todo.id,
                summary=_("Cloud cost anomaly: %(service)s", service=anomaly.service_name or "-"),
                note=_(
                    "%(name)s cost %(cost)s against a baseline of %(baseline)s (%(score)s robust deviations).",
                    name=anomaly.name,
                    cost=anomaly.cost,
                    baseline=anomaly.baseline,
                    score=anomaly.score,
                ),
                user_id=owner.id,
            )
        return anomalies

    @api.model
    def _cron_detect(self):
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([]):
            self.with_company(company).detect(today - timedelta(days=3), today, company=company)

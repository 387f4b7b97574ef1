import json
import logging
from datetime import timedelta

import pandas as pd
import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.cloud_cost.core.mapping_rules import RULE_ID

from ..core.opencost import UsageError, fetch_day, parse_daily_csv
from ..core.usage_drivers import MEASURES, drivers_by_receiver

_logger = logging.getLogger(__name__)
USAGE_VALUES = ("minutes", "cpu_core_hours", "cpu_request_avg", "cpu_usage_avg", "ram_byte_hours", "ram_request_avg",
                "ram_usage_avg", "gpu_hours", "pv_byte_hours", "cpu_cost", "ram_cost", "gpu_cost", "pv_cost",
                "network_cost", "total_cost")


class CloudCostUsageSource(models.Model):
    """A Kubernetes cluster whose usage OpenCost or Kubecost reports."""

    _name = "cloud.cost.usage.source"
    _description = "Cluster Usage Source"
    _inherit = ["mail.thread", "cloud.cost.scheduled.mixin"]
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    kind = fields.Selection([("opencost", "OpenCost"), ("kubecost", "Kubecost")], required=True,
                            default="opencost", tracking=True)
    base_url = fields.Char("API URL", tracking=True, help="e.g. http://opencost.opencost:9003 (OpenCost) or "
                           "http://kubecost-cost-analyzer.kubecost:9090 (Kubecost).")
    auth_header = fields.Char("Authorization Header", groups="base.group_system",
                              help="Sent as the Authorization header, e.g. 'Bearer ...'. Readable by administrators "
                              "only.")
    verify_tls = fields.Boolean("Verify TLS", default=True, tracking=True)
    timeout = fields.Float("Timeout (s)", default=60.0)
    attempts = fields.Integer(default=3, help="Calls per day before the day is reported as failed.")
    backoff = fields.Float("Backoff (s)", default=5.0, help="Wait before the second call; doubled each time.")
    aggregate = fields.Selection([("namespace", "Namespace"), ("controller", "Controller"), ("pod", "Pod"),
                                  ("label", "Label")], required=True, default="namespace", tracking=True)
    label_key = fields.Char(help="Label to aggregate by, e.g. team (aggregate=label:team).")
    cluster = fields.Char(help="Cluster name, matched by the mapping rules' account patterns.")
    last_day = fields.Date("Imported Up To", readonly=True)
    last_message = fields.Text(readonly=True)
    usage_ids = fields.One2many("cloud.cost.usage", "source_id", string="Usage")

    _sql_constraints = [("name_company_uniq", "unique(name, company_id)", "A usage source name is unique per company.")]

    # ------------------------------------------------------------------ schedule
    def _cron_values(self):
        self.ensure_one()
        return {"name": _("Cloud costs: cluster usage of %s", self.name), "active": self.active,
                "interval_number": 1, "interval_type": "days"}

    def _cron_import(self):
        """Import the days since the last one imported, up to yesterday."""
        yesterday = fields.Date.context_today(self) - timedelta(days=1)
        for source in self.filtered(lambda s: s.active and s.base_url):  # without an API: fed by CSV files
            start = (source.last_day + timedelta(days=1)) if source.last_day else yesterday
            if start <= yesterday:
                source._import_days(start, yesterday)
                self.env.cr.commit()  # each source's days are kept even if a later source fails

    # ------------------------------------------------------------------ import
    def _aggregate_param(self):
        if self.aggregate == "label":
            if not self.label_key:
                raise UserError(_("Source %s aggregates by label: name the label key.", self.name))
            return f"label:{self.label_key}"
        return self.aggregate

    def _import_days(self, date_from, date_to):
        """Import each day; a failed day stores nothing and is reported. Returns (days imported, failures)."""
        self.ensure_one()
        if not self.base_url:
            raise UserError(_("Source %s has no API URL.", self.name))
        secret = self.sudo().auth_header
        headers = {"Authorization": secret} if secret else {}
        session = requests.Session()
        imported, failures = [], []
        day = date_from
        while day <= date_to:
            try:
                rows = fetch_day(session, self.base_url, self.kind, day, self._aggregate_param(), headers=headers,
                                 verify=self.verify_tls, timeout=self.timeout, attempts=max(self.attempts, 1),
                                 backoff=self.backoff)
                self._store_day(day, rows)
                imported.append(day)
            except UsageError as error:
                failures.append(f"{day}: {error}")
                _logger.warning("cluster usage of %s, %s: %s", self.name, day, error)
            day += timedelta(days=1)
        self._report(imported, failures)
        return imported, failures

    def _import_csv(self, data, file_name):
        """An OpenCost daily CSV export: every day in it replaced, or nothing when the file is refused."""
        self.ensure_one()
        try:
            rows = parse_daily_csv(data, file_name)
        except UsageError as error:
            raise UserError(str(error)) from None
        days = sorted({row.day for row in rows})
        for day in days:
            self._store_day(day, [row for row in rows if row.day == day])
        self._report(days, [])
        return days

    def _report(self, imported, failures):
        parts = []
        if imported:
            parts.append(_("%(count)s day(s) imported, %(first)s to %(last)s.", count=len(imported),
                           first=min(imported), last=max(imported)))
            if not self.last_day or max(imported) > self.last_day:
                self.last_day = max(imported)
        if failures:
            parts.append(_("Not imported (nothing stored for these days):\n%s", "\n".join(failures)))
        self.last_message = "\n".join(parts) or _("Nothing to import.")
        if failures:
            self.message_post(body=self.last_message)

    def _store_day(self, day, rows):
        """Replace the source's usage of ``day`` by ``rows`` (idempotent), classified by the mapping rules."""
        Usage = self.env["cloud.cost.usage"].sudo()
        with self.env.cr.savepoint():
            Usage.search([("source_id", "=", self.id), ("day", "=", day)]).unlink()
            assignments = self._classify(rows)
            Usage.create([{
                "source_id": self.id, "company_id": self.company_id.id, "day": day, "name": row.name,
                "is_idle": row.is_idle, "namespace": row.namespace or (row.name if self.aggregate == "namespace"
                                                                       else False),
                "labels": row.labels or False, "network_bytes": row.network_bytes,
                **{name: row.values.get(name, 0.0) for name in USAGE_VALUES},
                **({} if row.is_idle else assignments[index]),
            } for index, row in enumerate(rows)])

    def _classify(self, rows):
        """Mapping rules on the usage rows: the name is the resource, labels and namespace the tags."""
        if not rows:
            return []
        ruleset = self.env["cloud.cost.mapping.rule"]._ruleset(self.company_id)
        frame = pd.DataFrame({
            "billing_account": [self.cluster or self.name] * len(rows),
            "sub_account": [self.cluster or self.name] * len(rows),
            "service_name": ["Kubernetes"] * len(rows),
            "region": [None] * len(rows),
            "resource": [row.name for row in rows],
            "tags": [json.dumps({**row.labels, "namespace": row.namespace or row.name}, sort_keys=True)
                     for row in rows],
        })
        assigned = ruleset.classify_frame(frame)
        result = []
        for index in range(len(rows)):
            values = {}
            for target in ("analytic_account_id", "environment", "tenant", "service_tier_id"):
                value = assigned[target].iloc[index] if target in assigned else None
                if value is not None and not (isinstance(value, float) and value != value):
                    values[target] = int(value) if target.endswith("_id") else value
            rule = assigned[RULE_ID].iloc[index]
            if rule is not None and not (isinstance(rule, float) and rule != rule):
                values["mapping_rule_id"] = int(rule)
            result.append(values)
        return result

    # ------------------------------------------------------------------ drivers
    @api.model
    def _compute_cluster_drivers(self, company, date_from, date_to):
        """Driver values of the period from the company's cluster usage, for the keys measuring it.

        Replaces earlier cluster-usage values of those keys and period.
        Returns {measure: ({receiver id: value}, idle, unassigned)}.
        """
        usage = self.env["cloud.cost.usage"].sudo().search([
            ("company_id", "=", company.id), ("day", ">=", date_from), ("day", "<=", date_to)])
        drivers, idle, unassigned = drivers_by_receiver(
            (u.analytic_account_id.id or None, u.is_idle, {n: u[n] for n in USAGE_VALUES}, u.network_bytes)
            for u in usage
        )
        keys = self.env["cloud.cost.allocation.key"].sudo().search([
            ("company_id", "in", [False, company.id]), ("driver_source", "=", "cluster_usage"),
            ("measure", "in", list(MEASURES))])
        Value = self.env["cloud.cost.driver.value"].sudo()
        Value.search([("key_id", "in", keys.ids), ("company_id", "=", company.id), ("date_from", "=", date_from),
                      ("date_to", "=", date_to), ("origin", "=", "cluster_usage")]).unlink()
        sources = ", ".join(sorted(set(usage.source_id.mapped("name"))))
        Value.create([{
            "key_id": key.id, "company_id": company.id, "date_from": date_from, "date_to": date_to,
            "analytic_account_id": receiver, "value": value, "origin": "cluster_usage",
            "origin_ref": f"{sources}: {date_from} to {date_to}",
        } for key in keys for receiver, value in sorted(drivers.get(key.measure, {}).items()) if value > 0])
        return {measure: (drivers.get(measure, {}), idle.get(measure, 0.0), unassigned.get(measure, 0.0))
                for measure in MEASURES}

    def action_import_yesterday(self):
        yesterday = fields.Date.context_today(self) - timedelta(days=1)
        for source in self:
            source._import_days(yesterday, yesterday)
        return True

import json
import logging
from datetime import datetime, timedelta, timezone

import pandas as pd

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.cloud_cost.core import outbound
from odoo.addons.cloud_cost.core.bulk_copy import copy_frame
from odoo.addons.cloud_cost.core.mapping_rules import RULE_ID
from odoo.addons.cloud_cost.models.cloud_cost_company_checked_mixin import check_allowed_companies
from odoo.addons.cloud_cost.models.cloud_cost_source import server_policy

from ..core.opencost import UNALLOCATED, VALUES, UsageError, fetch_day, parse_daily_csv

_logger = logging.getLogger(__name__)
CLASSIFIED = ("analytic_account_id", "environment", "tenant", "service_tier_id", "mapping_rule_id")
CATCH_UP_DAYS = 31  # the scheduled import goes back at most this far for days not imported yet


def _yesterday():
    """The last day over: days are UTC days, as the allocation API's windows are."""
    return datetime.now(timezone.utc).date() - timedelta(days=1)


def _missing(value):
    return value is None or (isinstance(value, float) and value != value)


class CloudCostUsageSource(models.Model):
    """A Kubernetes cluster whose usage OpenCost or Kubecost reports."""

    _name = "cloud.cost.usage.source"
    _description = "Cluster Usage Source"
    _inherit = ["mail.thread", "cloud.cost.scheduled.mixin", "cloud.cost.guarded.mixin"]
    _check_company_auto = True
    _cron_fields = ("active", "name", "base_url")

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    kind = fields.Selection(
        [("opencost", "OpenCost"), ("kubecost", "Kubecost")], required=True, default="opencost", tracking=True
    )
    base_url = fields.Char(
        "API URL",
        tracking=True,
        help="e.g. http://opencost.opencost:9003 (OpenCost) or "
        "http://kubecost-cost-analyzer.kubecost:9090 (Kubecost). Empty: the source is fed by "
        "OpenCost's daily CSV export only.",
    )
    auth_header = fields.Char(
        "Authorization Header",
        groups="base.group_system",
        copy=False,
        help="Sent as the Authorization header, e.g. 'Bearer ...'. Readable by administrators " "only.",
    )
    verify_tls = fields.Boolean(
        "Verify TLS",
        default=True,
        tracking=True,
        help="Check the API's certificate. Turn off only for a cluster-internal endpoint "
        "with a self-signed certificate.",
    )
    timeout = fields.Float("Timeout (s)", default=60.0)
    attempts = fields.Integer(default=3, help="Calls per day before the day is reported as failed.")
    backoff = fields.Float("Backoff (s)", default=5.0, help="Wait before the second call; doubled each time.")
    aggregate = fields.Selection(
        [("namespace", "Namespace"), ("controller", "Controller"), ("pod", "Pod"), ("label", "Label")],
        required=True,
        default="namespace",
        tracking=True,
    )
    label_key = fields.Char(tracking=True, help="Label to aggregate by, e.g. team (aggregate=label:team).")
    cluster = fields.Char(tracking=True, help="Cluster name, matched by the mapping rules' account patterns.")
    last_day = fields.Date(
        "Imported Up To",
        readonly=True,
        copy=False,
        help="Every day up to this one is imported; the scheduled action goes on from the next.",
    )
    last_message = fields.Text(readonly=True, copy=False)
    last_failed = fields.Boolean("Last Import Failed", readonly=True, copy=False)
    usage_ids = fields.One2many("cloud.cost.usage", "source_id", string="Usage")
    usage_count = fields.Integer(compute="_compute_usage_count")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A usage source name is unique per company."),
        ("attempts_positive", "CHECK(attempts >= 1)", "A source calls its API at least once per day."),
    ]

    @api.constrains("aggregate", "label_key")
    def _check_label_key(self):
        for source in self:
            if source.aggregate == "label" and not (source.label_key or "").strip():
                raise ValidationError(_("Source %s aggregates by label: name the label key.", source.name))

    @api.model
    def _guarded_field_names(self):
        # how far the days are imported, and how the last import went, is the import's own record
        return super()._guarded_field_names() | {"last_day", "last_message", "last_failed"}

    # ------------------------------------------------------------------ credentials and targets
    @api.model
    def _check_target(self, url):
        """At save time: refuse an API URL the server would not call (core.outbound)."""
        if url:
            try:
                outbound.check_url(url, server_policy(), unresolved_ok=True)
            except outbound.TargetRefused as error:
                raise ValidationError(_("API URL: %s", error)) from None

    def _refuse_credential_target(self, names):
        labels = ", ".join(sorted(self._fields[name].string for name in names))
        raise AccessError(
            _(
                "%(model)s: only administrators change %(fields)s of a source that sends an Authorization header; "
                "nothing was changed.",
                model=self._description,
                fields=labels,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record in records:
            record._check_target(record.base_url)
        return records

    def write(self, vals):
        """The API URL (and TLS verification) of a source with a stored header: administrators only.
        A new API URL clears the stored header, unless the same write gives one for the new URL."""
        guarded = {"base_url", "verify_tls"} & set(vals)
        to_clear = self.browse()
        if guarded:
            for record in self:
                stored = record.sudo().auth_header
                changed = {name for name in guarded if (record[name] or False) != (vals[name] or False)}
                if not changed or not stored:
                    continue
                if not self.env.is_system():
                    record._refuse_credential_target(changed)
                if "base_url" in changed and "auth_header" not in vals:
                    to_clear |= record
        if "base_url" in vals:
            self._check_target(vals["base_url"])
        result = super().write(vals)
        if to_clear:
            super(CloudCostUsageSource, to_clear.sudo()).write({"auth_header": False})
            for record in to_clear:
                record.sudo()._suite().message_post(
                    body=_(
                        "The API URL changed: the stored Authorization header was cleared. An administrator enters "
                        "it again for the new URL."
                    )
                )
        return result

    def _compute_usage_count(self):
        counts = dict(
            self.env["cloud.cost.usage"]._read_group([("source_id", "in", self.ids)], ["source_id"], ["__count"])
        )
        for source in self:
            source.usage_count = counts.get(source, 0)

    # ------------------------------------------------------------------ schedule
    def _cron_values(self):
        self.ensure_one()
        return {
            "name": _("Cloud costs: cluster usage of %s", self.name),
            "active": self.active and bool(self.base_url),
            "interval_number": 1,
            "interval_type": "days",
        }

    def _cron_import(self):
        """Import the days since the last one imported (a failed day is tried again), up to yesterday.

        Each source has a scheduled action of its own, so that one cluster's failures never hold up another's.
        """
        yesterday = _yesterday()
        for source in self.filtered(lambda s: s.active and s.base_url):  # without an API: fed by CSV files
            start = (source.last_day + timedelta(days=1)) if source.last_day else yesterday
            start = max(start, yesterday - timedelta(days=CATCH_UP_DAYS - 1))
            if start <= yesterday:
                source._import_days(start, yesterday)

    # ------------------------------------------------------------------ import
    def _aggregate_param(self):
        if self.aggregate == "label":
            return f"label:{self.label_key.strip()}"
        return self.aggregate

    def _import_days(self, date_from, date_to):
        """Import each day; a failed day stores nothing and is reported. Returns (days imported, failures)."""
        self.ensure_one()
        if not self.base_url:
            raise UserError(_("Source %s has no API URL: it is fed by OpenCost's daily CSV export.", self.name))
        if date_to < date_from:
            raise UserError(_("The period ends (%(end)s) before it starts (%(start)s).", end=date_to, start=date_from))
        secret = self.sudo().auth_header
        headers = {"Authorization": secret} if secret else {}
        imported, failed, failures = [], [], []
        try:  # again before any call: the name may resolve elsewhere since the source was saved
            policy = server_policy()
            outbound.check_url(self.base_url, policy)
        except outbound.TargetRefused as error:
            failures.append(
                _("%(first)s to %(last)s: %(reason)s (not called)", first=date_from, last=date_to, reason=error)
            )
            _logger.warning("cluster usage of %s: %s", self.name, error)
            self._report(imported, failed, failures)
            return imported, failures
        day = date_from
        # each connection is checked once made, before the header is sent on it
        with outbound.checked_session(policy) as session:
            while day <= date_to:
                try:
                    rows = fetch_day(
                        session,
                        self.base_url,
                        self.kind,
                        day,
                        self._aggregate_param(),
                        headers=headers,
                        verify=self.verify_tls,
                        timeout=self.timeout,
                        attempts=self.attempts,
                        backoff=self.backoff,
                    )
                    self._store_day(day, rows)
                    imported.append(day)
                except UsageError as error:
                    failed.append(day)
                    failures.append(f"{day}: {error}")
                    _logger.warning("cluster usage of %s, %s: %s", self.name, day, error)
                day += timedelta(days=1)
        self._report(imported, failed, failures)
        return imported, failures

    def _import_csv(self, data, file_name):
        """An OpenCost daily CSV export: every day in it replaced, or nothing when the file is refused."""
        self.ensure_one()
        try:
            rows = parse_daily_csv(data, file_name, self.aggregate)
        except UsageError as error:
            raise UserError(str(error)) from None
        days = sorted({row.day for row in rows})
        for day in days:
            self._store_day(day, [row for row in rows if row.day == day])
        self._report(days, [], [])
        return days

    def _report(self, imported, failed, failures):
        """Keep the outcome on the source: the message, and how far every day is imported."""
        parts = []
        if imported:
            parts.append(
                _(
                    "%(count)s day(s) imported, %(first)s to %(last)s.",
                    count=len(imported),
                    first=min(imported),
                    last=max(imported),
                )
            )
        if failures:
            parts.append(
                _(
                    "Not imported (nothing stored for these days, tried again by the next scheduled " "import):\n%s",
                    "\n".join(failures),
                )
            )
        last = self.last_day or None
        for day in sorted(set(imported) | set(failed)):
            if day in failed:
                break
            if last is None or day == last + timedelta(days=1):
                last = day
            elif day > last:
                break  # a day before it was never imported
        values = {"last_message": "\n".join(parts) or _("Nothing to import."), "last_failed": bool(failures)}
        if last != self.last_day:
            values["last_day"] = last
        suite = self.sudo()._suite()
        suite.write(values)
        if failures:
            suite.message_post(body=self.last_message)

    def _store_day(self, day, rows):
        """Replace the source's usage of ``day`` by ``rows`` (idempotent), classified by the mapping rules."""
        Usage = self.env["cloud.cost.usage"]
        Usage.flush_model()
        cr = self.env.cr
        with cr.savepoint():
            cr.execute("DELETE FROM cloud_cost_usage WHERE source_id = %s AND day = %s", [self.id, day])
            if rows:
                copy_frame(cr, "cloud_cost_usage", self._usage_frame(day, rows))
        Usage.invalidate_model()

    def _usage_frame(self, day, rows):
        """The rows as text columns for COPY: numbers as exact decimal text, labels as JSON."""
        now = fields.Datetime.to_string(fields.Datetime.now())
        assignments = self._classify([(row.name, row.namespace, row.labels) for row in rows])
        records = []
        for row, assigned in zip(rows, assignments, strict=True):
            namespace = row.namespace or (row.name if self.aggregate == "namespace" and not row.is_idle else "")
            record = {
                "source_id": self.id,
                "company_id": self.company_id.id,
                "day": day.isoformat(),
                "name": row.name,
                "is_idle": row.is_idle,
                "namespace": namespace or None,
                "labels": json.dumps(row.labels, sort_keys=True) if row.labels else None,
                "network_bytes": str(row.value("network_transfer_bytes") + row.value("network_receive_bytes")),
                "create_uid": self.env.uid,
                "write_uid": self.env.uid,
                "create_date": now,
                "write_date": now,
                **{name: str(row.value(name)) for name in VALUES},
            }
            for target in CLASSIFIED:
                value = None if row.is_idle else assigned.get(target)
                record[target] = value if target in ("environment", "tenant") or value is None else str(value)
            records.append(record)
        frame = pd.DataFrame.from_records(records)
        for column in ("source_id", "company_id", "create_uid", "write_uid"):
            frame[column] = frame[column].astype("int64")
        frame["is_idle"] = frame["is_idle"].astype(bool)
        return frame

    def _classify(self, items):
        """Mapping rules on (name, namespace, labels): the namespace and labels are the rule's tags, the
        aggregate's name its resource, the cluster its account. Returns one dict of targets per item."""
        if not items:
            return []
        ruleset = self.env["cloud.cost.mapping.rule"]._ruleset(self.company_id)
        tags = []
        for name, namespace, labels in items:
            row_tags = dict(labels or {})
            if self.aggregate == "label" and name != UNALLOCATED:
                row_tags.setdefault(self.label_key.strip(), name)
            if namespace or self.aggregate == "namespace":
                row_tags["namespace"] = namespace or name
            tags.append(json.dumps(row_tags, sort_keys=True))
        account = self.cluster or self.name
        frame = pd.DataFrame(
            {
                "billing_account": [account] * len(items),
                "sub_account": [account] * len(items),
                "service_name": ["Kubernetes"] * len(items),
                "region": [None] * len(items),
                "resource": [name for name, _namespace, _labels in items],
                "tags": tags,
            }
        )
        assigned = ruleset.classify_frame(frame)
        result = []
        for index in range(len(items)):
            values = {}
            for target in CLASSIFIED:
                column = RULE_ID if target == "mapping_rule_id" else target
                value = assigned[column].iloc[index] if column in assigned else None
                if not _missing(value):
                    values[target] = value if target in ("environment", "tenant") else int(value)
            result.append(values)
        return result

    def _reclassify(self, date_from, date_to):
        """Apply the mapping rules again to the usage rows of the period (after a rule was written)."""
        Usage = self.env["cloud.cost.usage"]
        Usage.flush_model()
        cr = self.env.cr
        count = 0
        for source in self:
            cr.execute(
                """SELECT id, name, namespace, labels FROM cloud_cost_usage
                           WHERE source_id = %s AND day BETWEEN %s AND %s AND NOT is_idle ORDER BY id""",
                [source.id, date_from, date_to],
            )
            rows = cr.fetchall()
            if not rows:
                continue
            assignments = source._classify([(name, namespace, labels) for _id, name, namespace, labels in rows])
            values = [
                (row[0], *(assigned.get(target) for target in CLASSIFIED))
                for row, assigned in zip(rows, assignments, strict=True)
            ]
            cr.execute(
                """UPDATE cloud_cost_usage u
                      SET analytic_account_id = v.analytic_account_id, environment = v.environment,
                          tenant = v.tenant, service_tier_id = v.service_tier_id,
                          mapping_rule_id = v.mapping_rule_id
                     FROM (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS x(id int, analytic_account_id int,
                           environment varchar, tenant varchar, service_tier_id int, mapping_rule_id int)) v
                    WHERE u.id = v.id""",
                [json.dumps([dict(zip(("id", *CLASSIFIED), value, strict=True)) for value in values])],
            )
            count += len(rows)
        Usage.invalidate_model()
        return count

    # ------------------------------------------------------------------ buttons
    def action_import_yesterday(self):
        yesterday = _yesterday()
        for source in self:
            source._import_days(yesterday, yesterday)
        return True

    # ------------------------------------------------------------------ drivers
    @api.model
    def _compute_cluster_drivers(self, company, date_from, date_to):
        """Driver values of the period for the company's keys measuring cluster usage: {key: {measure: totals}}."""
        check_allowed_companies(self.env, company)
        keys = (
            self.env["cloud.cost.allocation.key"]
            .sudo()
            .search([("company_id", "in", [False, company.id]), ("driver_source", "=", "cluster_usage")])
        )
        return keys._compute_cluster_values(company, date_from, date_to)

    def action_view_usage(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost_kubernetes.cloud_cost_usage_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = {"default_source_id": self.id}
        return action

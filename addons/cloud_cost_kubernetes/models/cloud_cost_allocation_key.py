from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.cloud_cost.models.cloud_cost_company_checked_mixin import check_allowed_companies

from ..core.opencost import VALUES
from ..core.usage_drivers import MEASURES, PLACES, drivers_by_receiver

ODOO_MEASURES = ("active_users", "posted_move_lines", "journal_items", "attachment_gb")
GB = Decimal(10**9)


class CloudCostAllocationKey(models.Model):
    _inherit = "cloud.cost.allocation.key"

    # the driver sources this addon computes; uninstalled, its keys are keys of entered values again
    driver_source = fields.Selection(
        selection_add=[
            ("cluster_usage", "Cluster usage (OpenCost / Kubecost)"),
            ("odoo_data", "Odoo data"),
            ("manual",),
        ],
        ondelete={"cluster_usage": "set default", "odoo_data": "set default"},
    )
    measure = fields.Selection(
        selection_add=[
            ("compute_cost", "Compute cost blend (CPU + memory + GPU cost)"),
            ("journal_items", "Posted journal items per journal"),
        ],
        ondelete={"compute_cost": "set default", "journal_items": "set default"},
    )
    usage_source_ids = fields.Many2many(
        "cloud.cost.usage.source",
        string="Clusters",
        check_company=True,
        help="Cluster usage sources this key measures. Empty: every cluster of the company.",
    )
    idle_receiver_id = fields.Many2one(
        "account.analytic.account",
        "Idle Receiver",
        check_company=True,
        tracking=True,
        help="Cluster usage: the business unit (or the analytic account of a pool) that receives the idle "
        "capacity's share, so that a policy shows idle apart or passes it on in a later step. Empty: idle is "
        "no receiver's, and splitting a pool by this key shares idle out over the units in proportion.",
    )

    @api.constrains("driver_source", "measure")
    def _check_cluster_measure(self):
        for key in self:
            if key.driver_source == "cluster_usage" and key.measure not in MEASURES:
                raise ValidationError(
                    _(
                        "Allocation key %(key)s reads cluster usage: its measure must be one of CPU core-hours, memory "
                        "GiB-hours, persistent volume GiB-hours, GPU hours, network GB or a cost blend.",
                        key=key.display_name,
                    )
                )
            if key.driver_source == "odoo_data" and key.measure not in ODOO_MEASURES:
                raise ValidationError(
                    _(
                        "Allocation key %(key)s reads Odoo data: its measure must be active users, posted journal "
                        "items (per business unit or per journal) or attachment storage.",
                        key=key.display_name,
                    )
                )

    # ------------------------------------------------------------------ writing values
    def _replace_values(self, company, date_from, date_to, origin, values, origin_ref, notes=None):
        """Replace this key's values of ``origin`` within the period by ``values`` ({analytic id: Decimal})."""
        self.ensure_one()
        # written as the suite (accountants do not edit computed values), for the user's companies only:
        # a shared key is every company's, its values are each company's own
        check_allowed_companies(self.env, company)
        Value = self.env["cloud.cost.driver.value"].sudo()
        Value.search(
            [
                ("key_id", "=", self.id),
                ("company_id", "=", company.id),
                ("origin", "=", origin),
                ("date_from", ">=", date_from),
                ("date_to", "<=", date_to),
            ]
        ).unlink()
        return Value.create(
            [
                {
                    "key_id": self.id,
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "analytic_account_id": receiver,
                    "value": float(value),
                    "origin": origin,
                    "origin_ref": origin_ref,
                    "note": (notes or {}).get(receiver),
                }
                for receiver, value in sorted(values.items())
                if value > 0
            ]
        )

    # ------------------------------------------------------------------ cluster usage
    def _usage_rows(self, company, date_from, date_to, sources):
        """(business unit or None, is idle, {value: Decimal}) of the period's usage rows."""
        self.env["cloud.cost.usage"].flush_model()
        query = f"""SELECT analytic_account_id, is_idle, {", ".join(f"{name}::text" for name in VALUES)}
                      FROM cloud_cost_usage
                     WHERE company_id = %s AND day BETWEEN %s AND %s AND source_id IN %s"""
        self.env.cr.execute(query, [company.id, date_from, date_to, tuple(sources.ids) or (0,)])
        for receiver, is_idle, *numbers in self.env.cr.fetchall():
            yield receiver, is_idle, {name: Decimal(text) for name, text in zip(VALUES, numbers, strict=True) if text}

    def _compute_cluster_values(self, company, date_from, date_to):
        """Write the period's driver values of these cluster-usage keys; returns {key: DriverTotals}.

        Earlier cluster-usage values of a key within the period are replaced. Idle goes to the key's idle
        receiver when it has one; usage no mapping rule gave a business unit stays unassigned (reported).
        """
        all_sources = (
            self.env["cloud.cost.usage.source"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
        )
        results, computed = {}, {}
        for key in self.filtered(lambda k: k.driver_source == "cluster_usage"):
            if key.measure not in MEASURES:
                raise UserError(
                    _(
                        "Allocation key %(key)s reads cluster usage but measures %(measure)s.",
                        key=key.display_name,
                        measure=key.measure,
                    )
                )
            sources = key.sudo().usage_source_ids.filtered(lambda s: s.company_id == company) or all_sources
            if sources not in computed:
                computed[sources] = drivers_by_receiver(key._usage_rows(company, date_from, date_to, sources))
            totals = computed[sources][key.measure]
            values = dict(totals.positive())
            notes = {}
            if key.idle_receiver_id and totals.idle > 0:
                receiver = key.idle_receiver_id.id
                values[receiver] = values.get(receiver, Decimal(0)) + totals.idle
                notes[receiver] = _("idle capacity")
            names = ", ".join(sorted(sources.mapped("name"))) or _("no cluster")
            key._replace_values(
                company, date_from, date_to, "cluster_usage", values, f"{names}: {date_from} to {date_to}", notes
            )
            results[key] = totals
        return results

    # ------------------------------------------------------------------ Odoo data
    def _units(self, company):
        return (
            self.env["account.analytic.account"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", [False, company.id])])
        )

    def _serving_units(self, company):
        """{served company id: business unit id} of the company's business units serving a company."""
        served = defaultdict(list)
        for unit in self._units(company).filtered("cloud_cost_served_company_id"):
            served[unit.cloud_cost_served_company_id.id].append(unit)
        for served_company, units in served.items():
            if len(units) > 1:
                raise UserError(
                    _(
                        "Company %(company)s is served by several business units (%(units)s): a driver from Odoo data "
                        "cannot tell which one its users and documents are.",
                        company=self.env["res.company"].browse(served_company).name,
                        units=", ".join(unit.display_name for unit in units),
                    )
                )
        return {served_company: units[0].id for served_company, units in served.items()}

    def _odoo_data_values(self, company, date_from, date_to):
        """{analytic account id: Decimal} of this key's Odoo-data measure for the period (see readme/USAGE.md)."""
        self.ensure_one()
        self.env.flush_all()  # counted in SQL below
        cr = self.env.cr
        end = date_to + timedelta(days=1)
        units = set(self._units(company).ids)
        if self.measure == "active_users":
            serving = self._serving_units(company)
            cr.execute(
                """SELECT company_id, cloud_cost_analytic_account_id FROM res_users
                           WHERE active AND NOT share AND create_date < %s""",
                [end],
            )
            values = defaultdict(Decimal)
            for user_company, own_unit in cr.fetchall():
                unit = own_unit if own_unit in units else serving.get(user_company)
                if unit:
                    values[unit] += 1
            return dict(values)
        if self.measure == "posted_move_lines":
            cr.execute(
                """SELECT account::int, SUM(share)::text FROM (
                       SELECT unnest(string_to_array(d.accounts, ',')) AS account, d.percent::numeric / 100 AS share
                         FROM account_move_line l, jsonb_each_text(l.analytic_distribution) AS d(accounts, percent)
                        WHERE l.parent_state = 'posted' AND l.company_id = %s AND l.date BETWEEN %s AND %s
                          AND l.analytic_distribution IS NOT NULL) items
                    GROUP BY 1""",
                [company.id, date_from, date_to],
            )
            return {unit: Decimal(share).quantize(PLACES) for unit, share in cr.fetchall() if unit in units}
        if self.measure == "journal_items":
            serving = self._serving_units(company)
            cr.execute(
                """SELECT j.cloud_cost_analytic_account_id, l.company_id, count(*)
                     FROM account_move_line l JOIN account_journal j ON j.id = l.journal_id
                    WHERE l.parent_state = 'posted' AND l.date BETWEEN %s AND %s
                      AND (l.display_type IS NULL OR l.display_type NOT IN ('line_section', 'line_note'))
                 GROUP BY 1, 2""",
                [date_from, date_to],
            )
            values = defaultdict(Decimal)
            for journal_unit, line_company, count in cr.fetchall():
                if journal_unit in units:
                    values[journal_unit] += count
                elif journal_unit is None and line_company in serving:
                    values[serving[line_company]] += count
            return dict(values)
        if self.measure == "attachment_gb":
            serving = self._serving_units(company)
            cr.execute(
                """SELECT company_id, SUM(file_size) FROM ir_attachment
                           WHERE company_id IN %s AND type = 'binary' AND create_date < %s GROUP BY 1""",
                [tuple(serving) or (0,), end],
            )
            return {serving[served]: Decimal(size) / GB for served, size in cr.fetchall() if size}
        raise UserError(
            _(
                "Allocation key %(key)s measures %(measure)s, which Odoo data does not give.",
                key=self.display_name,
                measure=self.measure,
            )
        )

    def _compute_odoo_drivers(self, company, date_from, date_to):
        """Write the period's driver values of these Odoo-data keys (earlier ones of that origin replaced)."""
        results = {}
        for key in self.filtered(lambda k: k.measure in ODOO_MEASURES):
            values = key._odoo_data_values(company, date_from, date_to)
            key._replace_values(
                company, date_from, date_to, "odoo_data", values, f"{key.measure} of {date_from} to {date_to}"
            )
            results[key] = values
        return results

    # ------------------------------------------------------------------ both, as a user runs them
    @api.model
    def _driver_keys(self, company):
        return self.search(
            [("company_id", "in", [False, company.id]), ("driver_source", "in", ("cluster_usage", "odoo_data"))]
        )

    def _compute_drivers(self, company, date_from, date_to, reapply_rules=True):
        """Compute the period's values of these keys (cluster usage and Odoo data); returns lines of text.

        With ``reapply_rules`` the mapping rules are applied again to the period's cluster usage first, so
        that a rule written for a namespace counts at once.
        """
        check_allowed_companies(self.env, company)
        lines = []
        cluster_keys = self.filtered(lambda k: k.driver_source == "cluster_usage")
        if cluster_keys and reapply_rules:
            sources = (
                self.env["cloud.cost.usage.source"]
                .sudo()
                .with_context(active_test=False)
                .search([("company_id", "=", company.id)])
            )
            sources._reclassify(date_from, date_to)
        for key, totals in cluster_keys._compute_cluster_values(company, date_from, date_to).items():
            receivers = totals.positive()
            if key.idle_receiver_id:
                idle = _(
                    "idle %(value)s to %(receiver)s", value=totals.idle, receiver=key.idle_receiver_id.display_name
                )
            else:
                idle = _("idle %(value)s shared out", value=totals.idle)
            lines.append(
                _(
                    "%(key)s: %(count)s business unit(s), %(total)s %(unit)s; %(idle)s; %(unassigned)s without "
                    "a business unit (no mapping rule)",
                    key=key.display_name,
                    count=len(receivers),
                    total=sum(receivers.values(), Decimal(0)),
                    unit=key.unit,
                    idle=idle,
                    unassigned=totals.unassigned,
                )
            )
        for key, values in (
            self.filtered(lambda k: k.driver_source == "odoo_data")
            ._compute_odoo_drivers(company, date_from, date_to)
            .items()
        ):
            lines.append(
                _(
                    "%(key)s: %(count)s business unit(s), %(total)s %(unit)s",
                    key=key.display_name,
                    count=len(values),
                    total=sum(values.values(), Decimal(0)),
                    unit=key.unit,
                )
            )
        return lines

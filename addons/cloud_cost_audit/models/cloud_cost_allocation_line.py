from decimal import Decimal

from odoo import _, fields, models
from odoo.tools import SQL, LazyTranslate

from ..core.trace import driver_shares, rule_items, step_rule
from .cloud_cost_allocation_run import LINE_COLUMNS

_lt = LazyTranslate(__name__)


class CloudCostAllocationLine(models.Model):
    _name = "cloud.cost.allocation.line"
    _inherit = ["cloud.cost.allocation.line", "cloud.cost.audit.sealed.mixin"]
    _sealed_what = _lt("allocation lines")
    _sealed_fields = ("run_id", "company_id", *LINE_COLUMNS)

    trace_html = fields.Html(
        "Trace",
        compute="_compute_trace_html",
        sanitize=False,
        help="The step's rule and the driver values as the run froze them, and the bill files behind the line.",
    )

    def _trace_receiver(self):
        if self.receiver_pool_id:
            return ("p", self.receiver_pool_id.id)
        return ("a", self.analytic_account_id.id) if self.analytic_account_id else None

    def _trace_cost_domain(self):
        return self.action_view_cost_lines()["domain"]

    def _trace(self):
        """The line's trace as plain data: the frozen rule of its step, the driver values it was split
        by (with shares), and the cost lines behind it with their bill files."""
        self.ensure_one()
        run = self.run_id.sudo()
        snapshot = run.snapshot or {}
        drivers, total = [], None
        if self.driver_key_id:
            values = (snapshot.get("drivers") or {}).get(str(self.driver_key_id.id)) or []
            drivers, total = driver_shares(values, self._trace_receiver())
            for row in drivers:
                row["name"] = run._snapshot_name(row["kind"], row["id"])
                row["value_text"] = format(row["value"].normalize(), "f")
                row["share_text"] = f"{row['share'] * 100:.6f} %"
        RunCost = self.env["cloud.cost.allocation.run.cost"]
        query = RunCost._search(self._trace_cost_domain())
        self.env.cr.execute(
            SQL(
                """SELECT l.batch_id, l.source_file, COUNT(*), SUM(c.amount)::text, MIN(l.source_row), MAX(l.source_row)
                 FROM cloud_cost_allocation_run_cost c JOIN cloud_cost_line l ON l.id = c.cost_line_id
                WHERE c.id IN %s GROUP BY 1, 2 ORDER BY 1, 2""",
                query.subselect(),
            )
        )
        File = self.env["cloud.cost.import.file"].sudo()
        Batch = self.env["cloud.cost.import.batch"].sudo()
        files = []
        unit = Decimal(1).scaleb(-run.company_id.currency_id.decimal_places)  # the currency's smallest unit
        for batch_id, name, count, amount, first, last in self.env.cr.fetchall():
            file = File.search([("batch_id", "=", batch_id), ("name", "=", name)], limit=1)
            files.append(
                {
                    "batch": Batch.browse(batch_id).display_name,
                    "file": name or _("(no file)"),
                    "rows": count,
                    "amount": Decimal(amount).quantize(unit),
                    "first_row": first,
                    "last_row": last,
                    "sha256": file.sha256 or "",
                }
            )
        rule = step_rule(snapshot, self.step_id.id, self.step_sequence)
        methods = dict(self.env["cloud.cost.allocation.step"]._fields["method"]._description_selection(self.env))
        items = [
            (label, methods.get(text, text) if label == "Method" else text)
            for label, text in rule_items(rule, run._snapshot_name)
        ]
        return {
            "rule": rule,
            "rule_items": items,
            "drivers": drivers,
            "driver_total": format(total.normalize(), "f") if total is not None else "",
            "files": files,
        }

    def _compute_trace_html(self):
        for line in self:
            if not line.id:
                line.trace_html = False
                continue
            line.trace_html = self.env["ir.qweb"]._render(
                "cloud_cost_audit.cloud_cost_allocation_line_trace", {"line": line, "trace": line._trace()}
            )

    def action_view_driver_values(self):
        """The driver value records of the line's key and period, as they are now (the trace shows them
        as the run froze them)."""
        self.ensure_one()
        run = self.run_id
        return {
            "type": "ir.actions.act_window",
            "name": _("%(key)s for %(period)s", key=self.driver_key_id.display_name, period=run.period),
            "res_model": "cloud.cost.driver.value",
            "view_mode": "list,form",
            "domain": [
                ("key_id", "=", self.driver_key_id.id),
                ("company_id", "=", run.company_id.id),
                ("date_from", ">=", run.date_from),
                ("date_to", "<=", run.date_to),
            ],
            "context": {"create": False},
        }

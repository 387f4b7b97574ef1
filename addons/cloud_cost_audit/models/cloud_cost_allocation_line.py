from datetime import datetime, time, timedelta
from decimal import Decimal

from odoo import _, fields, models
from odoo.osv import expression
from odoo.osv.expression import TRUE_LEAF
from odoo.tools import SQL, LazyTranslate

from odoo.addons.cloud_cost.core.planner import id_array
from odoo.addons.cloud_cost_allocation.models.cloud_cost_allocation_line import RECEIVER_FIELDS, cost_view_conditions
from odoo.addons.cloud_cost_allocation.models.cloud_cost_allocation_policy import amount_column

from ..core.trace import (
    combine_file_groups,
    cost_lines_shared,
    driver_shares,
    file_group_order,
    rule_items,
    step_rule,
    whole_units,
)
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

    def _trace_cost_domain(self, receivers=None):
        """The run cost view domain of the cost lines behind these lines (one line, or lines of one step,
        sender pool and method traced together: the union of theirs). ``receivers``: the lines' receivers
        {(kind, id)}, when the caller has read them."""
        first = self.browse(self._ids[:1])  # not prefetching the other lines with it
        if len(self) == 1 or cost_lines_shared(first.sender_pool_id.id, first.line_type, first.method):
            return first.action_view_cost_lines()["domain"]
        units = self._trace_whole_units(receivers)
        if units:
            conditions, _shared = cost_view_conditions(first.run_id.id, [], "direct", "direct", [True])
            return [*conditions, ("analytic_account_id", "in", units)]
        # the lines whose business unit and dimensions are set alike name their cost lines alike
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT %s, array_agg(id), array_agg(DISTINCT analytic_account_id)
                     FROM cloud_cost_allocation_line WHERE id = ANY(%s) GROUP BY %s""",
                SQL(", ").join(SQL("COALESCE(%s::text, '') <> ''", SQL.identifier(name)) for name in RECEIVER_FIELDS),
                id_array(self._ids),
                SQL(", ").join(SQL(str(number)) for number in range(1, len(RECEIVER_FIELDS) + 1)),
            )
        )
        pools = first._sender_pool_ids()
        parts = []
        for *values, line_ids, units in self.env.cr.fetchall():
            conditions, shared = cost_view_conditions(first.run_id.id, pools, first.line_type, first.method, values)
            if "analytic_account_id" in shared:  # read by the business unit's index
                conditions.append(("analytic_account_id", "in", units))
            parts.append(conditions + first._trace_shared_values(shared, line_ids))
        return expression.OR(parts)

    def _trace_whole_units(self, receivers=None):
        """The business units of these direct cost lines when they are every direct line of their run going
        to those units, else None. The cost lines behind them are then all of those units' direct costs:
        the run made one direct line per business unit and dimensions of its cost lines."""
        first = self.browse(self._ids[:1])
        if first.line_type != "direct" or first.sender_pool_id:
            return None
        if receivers is None:
            receivers = {line._trace_receiver() for line in self}
        units = sorted(ident for kind, ident in receivers - {None} if kind == "a")
        if not units or len(units) != len(receivers):  # a line without a business unit, or to a pool
            return None
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT COUNT(*) FROM cloud_cost_allocation_line
                    WHERE run_id = %s AND line_type = 'direct' AND sender_pool_id IS NULL
                      AND analytic_account_id = ANY(%s)""",
                first.run_id.id,
                id_array(units),
            )
        )
        return units if whole_units(len(self._ids), self.env.cr.fetchone()[0]) else None

    def _trace_shared_values(self, names, line_ids):
        """The condition that a cost line's fields ``names`` hold the values of one of ``line_ids``."""
        if not names:
            return []
        matching = SQL(
            """(SELECT cost.id FROM cloud_cost_line cost
                 WHERE cost.batch_id = ANY(%s)
                   AND EXISTS (SELECT FROM cloud_cost_allocation_line line WHERE line.id = ANY(%s) AND %s))""",
            self.run_id.sudo().taken_batch_ids.batch_id.ids or [0],
            id_array(line_ids),
            SQL(" AND ").join(
                SQL("%s = %s", SQL.identifier("cost", name), SQL.identifier("line", name)) for name in names
            ),
        )
        return [("cost_line_id", "in", matching)]

    def _trace_amount_column(self):
        """The cost line column the run took, as it recorded it for its batches."""
        run = self.run_id.sudo()
        return amount_column(run.taken_batch_ids[:1].amount_basis or run.policy_id.amount_basis)

    def _trace_cost_source(self, domain):
        """(SQL "FROM ... WHERE ..." of the cost lines of ``domain``, a domain of the run's cost view, the
        cost line aliased "cloud_cost_line"; SQL of a cost line's amount as the run took it).

        The run's cost view names the lines of its batches; its conditions are put on the cost lines
        themselves (their batch, charge window, pool, business unit, dimensions) so that PostgreSQL reads
        them by their indexes rather than the run's every line. A condition the cost lines do not carry
        keeps the view."""
        translated = _cost_line_domain(domain, self.run_id, self.env["cloud.cost.line"]._fields)
        if translated is not None:
            query = (
                self.env["cloud.cost.line"]
                .with_context(active_test=False)
                ._search(self._trace_taken_domain() + translated)
            )
            source = SQL("%s WHERE %s", query.from_clause, query.where_clause)
            return source, SQL("COALESCE(%s, 0)", SQL.identifier("cloud_cost_line", self._trace_amount_column()))
        query = self.env["cloud.cost.allocation.run.cost"]._search(domain)
        source = SQL(
            "cloud_cost_allocation_run_cost c JOIN cloud_cost_line ON cloud_cost_line.id = c.cost_line_id "
            "WHERE c.id IN %s",
            query.subselect(),
        )
        return source, SQL("c.amount")

    def _trace_taken_domain(self):
        """The cost lines of the run's batches (within its charge period, if any), as a cloud.cost.line
        domain."""
        taken = self.run_id.sudo().taken_batch_ids
        window = taken.filtered("charge_date_from")[:1]
        domain = [("batch_id", "in", taken.batch_id.ids or [0])]
        if window:
            domain += [
                ("charge_period_start", ">=", datetime.combine(window.charge_date_from, time.min)),
                ("charge_period_start", "<", datetime.combine(window.charge_date_to + timedelta(days=1), time.min)),
            ]
        return domain

    def _trace_cost_pools(self, domain):
        """The pools whose cost lines (all of the run's, nothing else) ``domain`` names, or None when its cost
        lines are chosen otherwise too (a business unit, dimensions)."""
        translated = _cost_line_domain(domain, self.run_id, self.env["cloud.cost.line"]._fields)
        leaves = [leaf for leaf in translated or [None] if leaf != TRUE_LEAF]
        if len(leaves) != 1 or not isinstance(leaves[0], tuple) or leaves[0][0] != "cost_pool_id":
            return None
        _name, operator, value = leaves[0]
        if operator == "=" and isinstance(value, int) and value:
            return (value,)
        if operator == "in" and all(isinstance(ident, int) and ident for ident in value):
            return tuple(value)
        return None

    def _trace_pool_costs(self):
        """{pool: its cost lines in the run, per bill file}, read in one pass, as ``_trace_costs`` gives them."""
        query = (
            self.env["cloud.cost.line"]
            .with_context(active_test=False)
            ._search([*self._trace_taken_domain(), ("cost_pool_id", "!=", False)])
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT cloud_cost_line.cost_pool_id, cloud_cost_line.batch_id, cloud_cost_line.source_file,
                          COUNT(*), SUM(COALESCE(%s, 0))::text, COALESCE(SUM(cloud_cost_line.effective_cost), 0)::text,
                          MIN(cloud_cost_line.source_row), MAX(cloud_cost_line.source_row)
                     FROM %s WHERE %s GROUP BY 1, 2, 3""",
                SQL.identifier("cloud_cost_line", self._trace_amount_column()),
                query.from_clause,
                query.where_clause,
            )
        )
        by_pool = {}
        for pool, *group in self.env.cr.fetchall():
            by_pool.setdefault(pool, []).append(tuple(group))
        return by_pool

    def _trace_costs(self, domain, shared=None):
        """The cost lines of ``domain`` per bill file: [(batch, file, rows, amount taken, EffectiveCost,
        first row, last row)] in the order of batch and file. When several lines are traced together
        (``shared``, a dict kept across them), lines that take whole pools share one pass over the run's
        lines; one line alone reads only its own."""
        pools = self._trace_cost_pools(domain) if shared is not None else None
        if pools is not None:
            key = ("pool costs", self.run_id.id)
            if key not in shared:
                shared[key] = self._trace_pool_costs()
            return combine_file_groups(shared[key].get(pool, []) for pool in pools)
        source, amount = self._trace_cost_source(domain)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT cloud_cost_line.batch_id, cloud_cost_line.source_file, COUNT(*), SUM(%s)::text,
                          COALESCE(SUM(cloud_cost_line.effective_cost), 0)::text,
                          MIN(cloud_cost_line.source_row), MAX(cloud_cost_line.source_row)
                     FROM %s GROUP BY 1, 2""",
                amount,
                source,
            )
        )
        return sorted(self.env.cr.fetchall(), key=file_group_order)

    def _trace(self, memo=None, receivers=None):
        """The trace of one line, or of lines of one step, sender pool, method and allocation key traced
        together, as plain data: the frozen rule of their step, the driver values they were split by (with
        shares, their receivers flagged), and the cost lines behind them with their bill files (their count
        and sums too), and the cost view domain of those cost lines.

        ``memo``: a dict kept across the lines of one trace, for what lines share (their drivers, their
        cost lines); ``receivers``: the lines' receivers {(kind, id)}, when the caller has read them."""
        first = self.browse(self._ids[:1])  # not prefetching the other lines with it
        first.ensure_one()
        shared = memo
        memo = {} if memo is None else memo
        run = first.run_id.sudo()
        if ("snapshot", run.id) not in memo:  # a copy of the whole snapshot each time it is read
            memo["snapshot", run.id] = run.snapshot or {}
        snapshot = memo["snapshot", run.id]
        drivers, total = [], None
        if first.driver_key_id:
            key = ("drivers", run.id, first.driver_key_id.id)
            if key not in memo:
                values = (snapshot.get("drivers") or {}).get(str(first.driver_key_id.id)) or []
                rows, key_total = driver_shares(values, None)
                for kind, model in (("a", "account.analytic.account"), ("p", "cloud.cost.pool")):  # named at once
                    self.env[model].sudo().browse([row["id"] for row in rows if row["kind"] == kind]).mapped(
                        "display_name"
                    )
                for row in rows:
                    row["name"] = run._snapshot_name(row["kind"], row["id"])
                    row["value_text"] = format(row["value"].normalize(), "f")
                    row["share_text"] = f"{row['share'] * 100:.6f} %"
                memo[key] = rows, key_total
            rows, total = memo[key]
            if receivers is None:
                receivers = {line._trace_receiver() for line in self}
            drivers = [dict(row, is_receiver=(row["kind"], row["id"]) in receivers) for row in rows]
        domain = self._trace_cost_domain(receivers)
        costs_key = ("costs", run.id, repr(domain))
        if costs_key not in memo:
            memo[costs_key] = first._trace_costs(domain, shared)
        File = self.env["cloud.cost.import.file"].sudo()
        Batch = self.env["cloud.cost.import.batch"].sudo()
        files = []
        unit = Decimal(1).scaleb(-run.company_id.currency_id.decimal_places)  # the currency's smallest unit
        for batch_id, name, count, amount, effective, first_row, last_row in memo[costs_key]:
            file_key = ("file", batch_id, name)
            if file_key not in memo:
                file = File.search([("batch_id", "=", batch_id), ("name", "=", name)], limit=1)
                memo[file_key] = (Batch.browse(batch_id).display_name, file.sha256 or "")
            batch_name, sha256 = memo[file_key]
            files.append(
                {
                    "batch": batch_name,
                    "file": name or _("(no file)"),
                    "rows": count,
                    "amount": Decimal(amount).quantize(unit),
                    "exact_amount": Decimal(amount),
                    "effective_cost": Decimal(effective),
                    "first_row": first_row,
                    "last_row": last_row,
                    "sha256": sha256,
                }
            )
        rule = step_rule(snapshot, first.step_id.id, first.step_sequence)
        if "methods" not in memo:
            memo["methods"] = dict(
                self.env["cloud.cost.allocation.step"]._fields["method"]._description_selection(self.env)
            )
        items = [
            (label, memo["methods"].get(text, text) if label == "Method" else text)
            for label, text in rule_items(rule, run._snapshot_name)
        ]
        return {
            "rule": rule,
            "rule_items": items,
            "drivers": drivers,
            "driver_total": format(total.normalize(), "f") if total is not None else "",
            "files": files,
            "domain": domain,
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


def _cost_line_domain(domain, run, cost_line_fields):
    """A domain of the run's cost view as a domain of cloud.cost.line, or None when one of its conditions is
    on something the cost lines do not carry (their amount as the run took it)."""
    own = {"cost_pool_id": "cost_pool_id", "analytic_account_id": "analytic_account_id", "cost_line_id": "id"}
    translated = []
    for leaf in domain:
        if isinstance(leaf, str):  # '&', '|', '!'
            translated.append(leaf)
            continue
        name, operator, value = leaf
        if name == "run_id":
            if operator != "=" or value != run.id:
                return None
            translated.append(TRUE_LEAF)
            continue
        name = own.get(name, name.removeprefix("cost_line_id.") if name.startswith("cost_line_id.") else None)
        if name is None or name.split(".", 1)[0] not in cost_line_fields:
            return None
        translated.append((name, operator, value))
    return translated

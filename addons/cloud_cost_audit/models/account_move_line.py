from decimal import Decimal

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.cloud_cost.core.planner import query_settings
from odoo.addons.cloud_cost_posting.models.cloud_cost_allocation_line import MOVE_LINE_RELATION

from .cloud_cost_allocation_run import JOURNAL_COLUMNS

# an item summing more allocation lines than this (a clearing credit) is read by merging, not line by line
MANY_LINES = 10_000


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        sealed_fields = ({"move_id", *JOURNAL_COLUMNS}) & set(vals)
        if sealed_fields:
            Move = self.env["account.move"]
            for line in self.filtered(
                lambda line: line.parent_state == "posted"
                and line.move_id.cloud_cost_run_id.state in ("posted", "reversed")
            ):
                if any(Move._field_will_change(line, vals, name) for name in sealed_fields):
                    raise UserError(
                        _(
                            "%(item)s is a journal item of allocation run %(run)s, sealed by its content hash: its "
                            "accounts, partner, amounts, currency and analytic distribution cannot change. Reverse the "
                            "run instead.",
                            item=line.display_name,
                            run=line.move_id.cloud_cost_run_id.display_name,
                        )
                    )
        return super().write(vals)

    def _cloud_cost_trace(self, rows_per_line=20):
        """The trace of a chargeback journal item as plain data, for the command line and the screens:
        the item, the allocation lines it sums (step, sender pool, method, driver and its shares, as the
        run froze them) and, per allocation line, the bill rows behind it (file, SHA-256, row number,
        EffectiveCost) with their count and exact sum; at most ``rows_per_line`` rows are listed per line
        (None: all), in the order they were imported; the count and sums always cover every row.

        Lines of one step, sender pool, method and allocation key are traced together, as one entry: an
        item that sums a whole run (a clearing item) holds hundreds of thousands of lines but only as many
        entries as the run has steps and pools. Their bill rows are those of all the entry's lines, each
        once; a single line is an entry of its own, as it was."""
        self.ensure_one()
        item = self.sudo()
        digits = item.company_id.currency_id.decimal_places
        files = {}
        traced = []
        memo = {}  # what the item's lines share: driver shares, cost lines, bill files
        Line = self.env["cloud.cost.allocation.line"].sudo()
        for first_id, line_ids, amount, unit_ids, pool_ids in item._cloud_cost_trace_groups(digits):
            lines = Line.browse(sorted(line_ids))
            first = Line.browse(first_id)  # read alone, not prefetching the other lines
            receivers = {("a", unit) if unit else None for unit in unit_ids or []} | {
                ("p", pool) for pool in pool_ids or []
            }
            trace = lines._trace(memo, receivers)
            count = sum(file["rows"] for file in trace["files"])
            taken = sum((file["exact_amount"] for file in trace["files"]), Decimal(0))
            effective = sum((file["effective_cost"] for file in trace["files"]), Decimal(0))
            rows_key = ("rows", repr(trace["domain"]))
            if rows_key not in memo:
                source, amount_sql = first._trace_cost_source(trace["domain"])
                limit = SQL("LIMIT %s", rows_per_line) if rows_per_line is not None else SQL()
                self.env.cr.execute(
                    SQL(
                        """SELECT cloud_cost_line.batch_id, cloud_cost_line.source_file, cloud_cost_line.source_row,
                                  cloud_cost_line.effective_cost::text, cloud_cost_line.billing_currency,
                                  (%s)::text, cloud_cost_line.id
                             FROM %s
                         ORDER BY cloud_cost_line.id %s""",  # import order: the first rows found by the key's index
                        amount_sql,
                        source,
                        limit,
                    )
                )
                memo[rows_key] = self.env.cr.fetchall()
            rows = []
            for batch_id, name, number, cost, currency, row_amount, line_id in memo[rows_key]:
                if (batch_id, name) not in files:
                    file = (
                        self.env["cloud.cost.import.file"]
                        .sudo()
                        .search([("batch_id", "=", batch_id), ("name", "=", name), ("kind", "=", "data")], limit=1)
                    )
                    files[batch_id, name] = file.sha256 or ""
                rows.append(
                    {
                        "cost_line_id": line_id,
                        "file": name or "",
                        "sha256": files[batch_id, name],
                        "row": number,
                        "effective_cost": Decimal(cost or 0),
                        "currency": currency or "",
                        "amount": Decimal(row_amount),
                    }
                )
            amount = Decimal(amount)
            traced.append(
                {
                    "line": first,
                    "lines": lines,
                    "line_count": len(line_ids),
                    "receiver_count": len(receivers - {None}),
                    "amount": amount,
                    "trace": trace,
                    "rows": rows,
                    "row_count": count,
                    "rows_amount": taken,
                    "rows_effective_cost": effective,
                    # the part of those rows the lines carry: 1 for direct cost, the drivers' shares for a pool's
                    "part": (amount / taken) if taken else None,
                }
            )
        # a cost line that sums bill rows: the rows it stands for, found again in their bill file (each file
        # fetched once for the whole item)
        summed = (
            self.env["cloud.cost.line"]
            .sudo()
            .browse(sorted({row["cost_line_id"] for entry in traced for row in entry["rows"]}))
            ._trace_summed_rows()
        )
        for entry in traced:
            for row in entry["rows"]:
                row["bill_rows"] = summed.get(row["cost_line_id"])
            entry["summed"] = _summed_check([row["bill_rows"] for row in entry["rows"] if row["bill_rows"]])
        unit = Decimal(1).scaleb(-digits)  # the currency's smallest unit
        return {
            "item": item,
            "run": item.move_id.cloud_cost_run_id,
            "amount": Decimal(str(item.debit - item.credit)).quantize(unit),
            "digits": digits,
            "line_count": sum(entry["line_count"] for entry in traced),
            "lines_amount": sum((entry["amount"] for entry in traced), Decimal(0)),
            "lines": traced,
        }

    def _cloud_cost_trace_groups(self, digits):
        """The item's allocation lines by step, sender pool, method and allocation key, in step order:
        [(first line id, line ids, their amount in the currency's ``digits`` (exact text), the business units
        and the pools they go to)], read in one query."""
        self.env.flush_all()
        cr = self.env.cr
        relation = SQL.identifier(MOVE_LINE_RELATION)
        cr.execute(SQL("SELECT COUNT(*) FROM %s WHERE move_line_id = %s", relation, self.id))
        # PostgreSQL's estimate of an item's links lags behind a posting: it would look the lines up one by one
        many = {"enable_nestloop": "off", "work_mem": "64MB"} if cr.fetchone()[0] > MANY_LINES else {}
        with query_settings(cr, **many):
            cr.execute(
                SQL(
                    """SELECT MIN(l.id), array_agg(l.id), SUM(ROUND(COALESCE(l.amount, 0), %s))::text,
                              array_agg(DISTINCT l.analytic_account_id) FILTER (WHERE l.receiver_pool_id IS NULL),
                              array_agg(DISTINCT l.receiver_pool_id) FILTER (WHERE l.receiver_pool_id IS NOT NULL)
                         FROM %s r JOIN cloud_cost_allocation_line l ON l.id = r.allocation_line_id
                        WHERE r.move_line_id = %s
                     GROUP BY l.step_sequence, l.step_id, l.sender_pool_id, l.method, l.line_type, l.driver_key_id
                     ORDER BY l.step_sequence, MIN(l.id)""",
                    digits,
                    relation,
                    self.id,
                )
            )
            return cr.fetchall()


def _summed_check(found):
    """What the bill rows of the summed cost lines listed sum to, against those cost lines: None when none."""
    if not found:
        return None
    rows = sum((entry["count"] for entry in found), 0)
    effective = sum((entry["effective_cost"] for entry in found), Decimal(0))
    lines = sum((entry["line_effective_cost"] for entry in found), Decimal(0))
    return {
        "cost_lines": len(found),
        "rows": rows,
        "effective_cost": effective,
        "line_effective_cost": lines,
        "matches": all(entry["matches"] for entry in found) and effective == lines,
    }

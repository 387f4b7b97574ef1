from collections import defaultdict
from decimal import Decimal

from odoo import _, models

from ..core.aggregation import AggregationError
from ..core.bill_rows import Grouping, aggregated_records, check_group, group_of, read_group_rows
from .cloud_cost_import_file import SummedRowsRefused


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    def _summed_bill_rows(self):
        """{cost line id: its bill rows found again} for the lines among these that sum bill rows.

        Each bill file is fetched once from where the import read it, its checksum compared with the one
        recorded at import (a file that changed since is refused, SummedRowsRefused), and read by DuckDB
        here: the rows of each line's group, by the group's key as the aggregated file the import kept
        gives it. Per line: {"file", "sha256", "etag", "version_id", "rows": [{"row", "effective_cost",
        "billed_cost", "values"}], "count", "effective_cost", "billed_cost", "group": what the aggregation
        summed, "line_effective_cost", "line_billed_cost", "matches"}, amounts exact Decimals.
        """
        lines = self.sudo().filtered(
            lambda line: line.batch_id.aggregation_grouping and line.source_file and line.source_row
        )
        if not lines:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, effective_cost::text, billed_cost::text FROM cloud_cost_line " "WHERE id = ANY(%s)", [lines.ids]
        )
        exact = {
            ident: (Decimal(effective or 0), Decimal(billed or 0))
            for ident, effective, billed in self.env.cr.fetchall()
        }
        File = self.env["cloud.cost.import.file"].sudo()
        by_aggregated = defaultdict(list)
        for line in lines:
            by_aggregated[line.batch_id, line.source_file].append(line)
        by_original = defaultdict(list)
        for (batch, name), group_lines in by_aggregated.items():
            grouping = self._summed_grouping(batch)
            kept = File.search([("batch_id", "=", batch.id), ("name", "=", name), ("kind", "=", "data")], limit=1)
            if not kept.attachment_id:
                raise SummedRowsRefused(
                    _(
                        "%(file)s: the aggregated file of batch %(batch)s is not kept: the rows "
                        "of its cost lines cannot be found again.",
                        file=name,
                        batch=batch.display_name,
                    )
                )
            records = aggregated_records(kept.attachment_id.raw, {line.source_row for line in group_lines})
            for line in group_lines:
                record = records.get(line.source_row)
                if record is None:
                    raise SummedRowsRefused(_("%(file)s has no row %(row)s.", file=name, row=line.source_row))
                try:
                    group = group_of(record, grouping)
                except AggregationError as error:
                    raise SummedRowsRefused(
                        _("%(file)s, row %(row)s: %(error)s", file=name, row=line.source_row, error=error.message)
                    ) from None
                by_original[batch, group["file"]].append((line, group))
        found = {}
        for (batch, name), items in sorted(by_original.items(), key=lambda item: (item[0][0].id, item[0][1])):
            original = File.search([("batch_id", "=", batch.id), ("name", "=", name), ("kind", "=", "summed")], limit=1)
            if not original:
                raise SummedRowsRefused(
                    _(
                        "%(file)s: batch %(batch)s recorded no checksum of this bill file: its "
                        "rows cannot be found again.",
                        file=name,
                        batch=batch.display_name,
                    )
                )
            grouping = self._summed_grouping(batch)
            with original._fetch_summed_copy() as (path, fetched):
                try:
                    per_group = read_group_rows(path, grouping, [group["values"] for _line, group in items])
                except AggregationError as error:
                    raise SummedRowsRefused(_("%(file)s: %(error)s", file=name, error=error.message)) from None
            for (line, group), rows in zip(items, per_group, strict=True):
                check = check_group(group, rows)
                effective, billed = exact[line.id]
                found[line.id] = {
                    "file": name,
                    **fetched,
                    "rows": rows,
                    "count": check["count"],
                    "effective_cost": check["effective_cost"],
                    "billed_cost": check["billed_cost"],
                    "group": group,
                    "line_effective_cost": effective,
                    "line_billed_cost": billed,
                    # the rows found are the rows summed, and the cost line holds their sum, exactly
                    "matches": check["matches"]
                    and (check["effective_cost"], check["billed_cost"]) == (effective, billed),
                }
        return found

    def _summed_grouping(self, batch):
        try:
            return Grouping.from_json(batch.aggregation_grouping)
        except AggregationError as error:
            raise SummedRowsRefused(
                _("Batch %(batch)s: %(error)s", batch=batch.display_name, error=error.message)
            ) from None

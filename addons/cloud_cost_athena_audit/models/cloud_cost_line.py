import json

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    batch_aggregation = fields.Selection(related="batch_id.aggregation", string="Summed In")
    summed_rows_content = fields.Text(
        "Bill Rows Summed",
        compute="_compute_summed_rows_content",
        help="The bill rows this line sums, found again in the bill file (fetched and its checksum compared "
        "with the one recorded at import), and their sum against the line's EffectiveCost.",
    )

    def _trace_summed_rows(self):
        found = super()._trace_summed_rows()
        if not self.ids:
            return found
        self.env.flush_all()
        # only the lines of summed batches: a run may take a million lines, of bills read row by row
        self.env.cr.execute(
            SQL(
                """SELECT l.id FROM cloud_cost_line l JOIN cloud_cost_import_batch b ON b.id = l.batch_id
                WHERE l.id = ANY(%s) AND b.aggregation_grouping IS NOT NULL""",
                list(self.ids),
            )
        )
        summed = self.browse([row[0] for row in self.env.cr.fetchall()])
        return {**found, **summed._summed_bill_rows()}

    def _compute_summed_rows_content(self):
        summed = self.filtered(lambda line: line.id and line.batch_id.aggregation_grouping)
        (self - summed).summed_rows_content = False
        if not summed:
            return
        try:
            found = summed._trace_summed_rows()
        except UserError as error:  # the bill file changed or is gone: said on the form, not raised at reading
            summed.summed_rows_content = error.args[0]
            return
        for line in summed:
            entry = found.get(line.id)
            if not entry:
                line.summed_rows_content = False
                continue
            checksum = f"ETag {entry['etag']}" if entry.get("etag") else f"SHA-256 {entry['sha256']}"
            head = [f"{entry['file']} ({checksum}, as fetched SHA-256 {entry['sha256']})"]
            body = [
                f"row {row['row']}: EffectiveCost {_exact(row['effective_cost'])}  "
                + json.dumps(row["values"], ensure_ascii=False, sort_keys=True)
                for row in entry["rows"]
            ]
            check = "=" if entry["matches"] else "!="
            tail = [
                f"{entry['count']} bill row(s), EffectiveCost {_exact(entry['effective_cost'])} {check} the "
                f"line's {_exact(entry['line_effective_cost'])}" + (" (exact)" if entry["matches"] else " (MISMATCH)")
            ]
            line.summed_rows_content = "\n".join(head + body + tail)


def _exact(value):
    return format(value.normalize(), "f") if value else "0"

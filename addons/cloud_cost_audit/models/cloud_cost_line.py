import json

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..core.source_rows import read_rows
from .cloud_cost_allocation_run import COST_LINE_SEALED_FIELDS
from .cloud_cost_audit_sealed_mixin import changing_fields


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    source_row_content = fields.Text(
        "Bill Row",
        compute="_compute_source_row_content",
        help="The row of the original bill file this line was read from, as it is there.",
    )

    def _sealed_runs_taking(self):
        """{cost line id: sealed runs} of these lines taken by sealed runs."""
        return (
            self.env["cloud.cost.allocation.run"]
            .sudo()
            ._sealed_runs_using((("cloud_cost_allocation_run_cost", "cost_line_id"),), self.ids)
        )

    def write(self, vals):
        names = COST_LINE_SEALED_FIELDS & set(vals)
        if names and self.ids:
            used = self._sealed_runs_taking()
            for line in self.browse(list(used)):
                changing = sorted(changing_fields(line, vals, names))
                if changing:
                    raise UserError(
                        _(
                            "Cost line %(line)s was taken by sealed allocation run %(run)s: its %(fields)s cannot "
                            "change. Reset the run to draft (approved) or reverse it (posted) first.",
                            line=line.display_name,
                            run=used[line.id][0].display_name,
                            fields=", ".join(line._fields[name].string for name in changing),
                        )
                    )
        return super().write(vals)

    def unlink(self):
        used = self._sealed_runs_taking()
        if used:
            line = self.browse(next(iter(used)))
            raise UserError(
                _(
                    "Cost line %(line)s was taken by sealed allocation run %(run)s: it cannot be deleted.",
                    line=line.display_name,
                    run=used[line.id][0].display_name,
                )
            )
        return super().unlink()

    def _source_import_file(self):
        self.ensure_one()
        return (
            self.env["cloud.cost.import.file"]
            .sudo()
            .search(
                [("batch_id", "=", self.batch_id.id), ("name", "=", self.source_file), ("kind", "=", "data")], limit=1
            )
        )

    def _source_rows(self):
        """{cost line: {column: raw value}}, reading each original file once."""
        found = {}
        by_file = {}
        for line in self.filtered(lambda line: line.source_file and line.source_row):
            key = (line.batch_id.id, line.source_file)
            by_file[key] = by_file.get(key, self.browse()) | line
        for (_batch, name), lines in by_file.items():
            file = lines[0]._source_import_file()
            if not file.attachment_id:
                continue
            with file.attachment_id._cloud_cost_open() as stream:
                rows = read_rows(stream, name, set(lines.mapped("source_row")))
            for line in lines:
                if line.source_row in rows:
                    found[line] = rows[line.source_row]
        return found

    def _trace_summed_rows(self):
        """{cost line id: its bill rows} of the lines among these that stand for several bill rows summed
        before import, found again in their checksummed bill file: {"file", "sha256", "etag", "version_id",
        "rows": [{"row", "effective_cost", "values"}], "count", "effective_cost", "line_effective_cost",
        "matches"}. None here: the addon that sums bill rows tells them."""
        return {}

    def _compute_source_row_content(self):
        rows = self._source_rows()
        for line in self:
            row = rows.get(line)
            line.source_row_content = json.dumps(row, indent=1, ensure_ascii=False, default=str) if row else False

    def action_download_source_file(self):
        self.ensure_one()
        file = self._source_import_file()
        if not file.attachment_id:
            raise UserError(_("The bill file of this line is not kept (%s).", self.source_file or _("no file")))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{file.attachment_id.id}?download=true",
            "target": "self",
        }

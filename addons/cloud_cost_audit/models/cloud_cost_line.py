import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..core.source_rows import read_rows
from .cloud_cost_allocation_run import SEALED_STATES


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    source_row_content = fields.Text("Bill Row", compute="_compute_source_row_content",
                                     help="The row of the original bill file this line was read from, as it is there.")

    def write(self, vals):
        provenance = {"batch_id", "source_file", "source_row", "company_id"} & set(vals)
        if provenance:
            used = self.env["cloud.cost.allocation.run"].sudo()._sealed_runs_using(
                (("cloud_cost_allocation_run_cost", "cost_line_id"),), self.ids)
            if used:
                line = self.browse(next(iter(used)))
                raise UserError(_(
                    "Cost line %(line)s was taken by sealed allocation run %(run)s: its bill file, row and batch "
                    "cannot change.", line=line.display_name, run=used[line.id][0].display_name))
        return super().write(vals)

    @api.model
    def _frozen_line_ids(self, batch_ids):
        self.env.cr.execute(
            """SELECT DISTINCT c.cost_line_id FROM cloud_cost_allocation_run_cost c
                 JOIN cloud_cost_allocation_run r ON r.id = c.run_id
                 JOIN cloud_cost_line l ON l.id = c.cost_line_id
                WHERE l.batch_id = ANY(%s) AND r.state = ANY(%s)""",
            [list(batch_ids), list(SEALED_STATES)])
        return super()._frozen_line_ids(batch_ids) | {row[0] for row in self.env.cr.fetchall()}

    def _source_import_file(self):
        self.ensure_one()
        return self.env["cloud.cost.import.file"].sudo().search(
            [("batch_id", "=", self.batch_id.id), ("name", "=", self.source_file), ("kind", "=", "data")], limit=1)

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
            rows = read_rows(file.attachment_id.raw, name, set(lines.mapped("source_row")))
            for line in lines:
                if line.source_row in rows:
                    found[line] = rows[line.source_row]
        return found

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
        return {"type": "ir.actions.act_url", "url": f"/web/content/{file.attachment_id.id}?download=true",
                "target": "self"}

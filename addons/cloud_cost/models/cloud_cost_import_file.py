from odoo import fields, models

FILE_KINDS = [("data", "Bill data"), ("manifest", "Export manifest")]


class CloudCostImportFile(models.Model):
    """One source file of an import batch: the attachment, its SHA-256 and its row count."""

    _name = "cloud.cost.import.file"
    _description = "Cloud Cost Import File"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # written by the import that read the files
    _order = "batch_id, kind desc, name, id"

    batch_id = fields.Many2one("cloud.cost.import.batch", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    source_id = fields.Many2one(related="batch_id.source_id", store=True, index=True)
    name = fields.Char(required=True, help="The file's key in its folder or bucket, as cost lines name it.")
    kind = fields.Selection(FILE_KINDS, required=True, default="data")
    sha256 = fields.Char("SHA-256", required=True, index=True, size=64)
    size = fields.Integer(help="Size in bytes.")
    row_count = fields.Integer(help="Cost lines of this batch read from this file.")
    attachment_id = fields.Many2one("ir.attachment", ondelete="restrict", readonly=True)

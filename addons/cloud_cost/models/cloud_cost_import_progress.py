from datetime import timedelta

from odoo import api, fields, models

STALE_AFTER = timedelta(hours=1)  # an import tells how far it got every few seconds: past this, it is gone


class CloudCostImportProgress(models.Model):
    """How far a running bill import got: one record per import while it runs, written by the import through
    a cursor of its own and committed at once, so that other sessions see it move; removed when it ends."""

    _name = "cloud.cost.import.progress"
    _description = "Cloud Bill Import in Progress"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # written by the running import only
    _order = "updated_on desc, id desc"

    source_id = fields.Many2one("cloud.cost.source", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one("res.users", "Started By", readonly=True)
    file_name = fields.Char("Current File", readonly=True)
    files_done = fields.Integer("Files Read", readonly=True)
    files_total = fields.Integer("Files", readonly=True)
    rows_read = fields.Integer(readonly=True, help="Bill rows parsed so far.")
    rows_stored = fields.Integer(
        readonly=True, help="Cost lines copied into the database so far (not committed " "until the import ends)."
    )
    progress = fields.Float(readonly=True, digits=(5, 1), help="Share of the files' bytes read, in percent.")
    started_on = fields.Datetime(readonly=True)
    updated_on = fields.Datetime(readonly=True)

    @api.model
    def _forget_stale(self, source_id):
        """Records of imports of the source that stopped telling how far they got (their process died)."""
        self.search([("source_id", "=", source_id), ("updated_on", "<", fields.Datetime.now() - STALE_AFTER)]).unlink()

import base64

from odoo import _, fields, models


class CloudCostUsageImportWizard(models.TransientModel):
    """OpenCost's daily CSV export into a cluster usage source: every day in the file replaced, or nothing."""

    _name = "cloud.cost.usage.import.wizard"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Import Cluster Usage File"

    source_id = fields.Many2one(
        "cloud.cost.usage.source",
        required=True,
        ondelete="cascade",
        default=lambda self: self.env.context.get("active_id")
        if self.env.context.get("active_model") == "cloud.cost.usage.source"
        else False,
    )
    file = fields.Binary(required=True)
    file_name = fields.Char()

    def _acting_companies(self):
        return super()._acting_companies() | self.sudo().source_id.company_id

    def action_import(self):
        self.ensure_one()
        self._check_allowed_company()
        days = self.source_id._import_csv(base64.b64decode(self.file), self.file_name or _("usage file"))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.source_id.last_message if days else _("The file holds no day."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

from odoo import api, models


class CloudCostImportFile(models.Model):
    _inherit = "cloud.cost.import.file"

    @api.model
    def _sealed_origin_columns(self):
        return (*super()._sealed_origin_columns(), "location", "etag", "version_id")

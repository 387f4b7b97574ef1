from odoo import api, models


class CloudCostImportFile(models.Model):
    _inherit = "cloud.cost.import.file"

    @api.model
    def _sealed_origin_columns(self):
        """Columns of a bill file read where it lies and never kept that a run's seal covers besides its
        record (where it was read, what names its bytes there); addons that record such files add theirs."""
        return ()

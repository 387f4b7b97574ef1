from odoo import models


class CloudCostAllocationKey(models.Model):
    _inherit = "cloud.cost.allocation.key"

    def unlink(self):
        # after the deletion and its checks (a sealed run's records are refused first)
        model, ids = self._name, self.ids
        result = super().unlink()
        self.env["cloud.cost.allocation.line"]._forget(model, ids)
        return result

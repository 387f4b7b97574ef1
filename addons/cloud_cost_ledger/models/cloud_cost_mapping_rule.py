from odoo import api, models


class CloudCostMappingRule(models.Model):
    _inherit = "cloud.cost.mapping.rule"

    @api.model
    def _apply_to_batches(self, batches, chunk_rows=200_000):
        total = super()._apply_to_batches(batches, chunk_rows=chunk_rows)
        self.env["cloud.cost.pool"].sudo()._assign_unused_commitment(batches.ids)
        return total

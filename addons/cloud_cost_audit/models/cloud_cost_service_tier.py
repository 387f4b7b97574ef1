from odoo import api, fields, models


class CloudCostServiceTier(models.Model):
    _inherit = "cloud.cost.service.tier"

    company_id = fields.Many2one(tracking=True)
    premium_controls = fields.Text(tracking=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_sealed_runs(self):
        self.env["cloud.cost.allocation.run"]._check_not_used_by_sealed_runs(
            self, (("cloud_cost_allocation_line", "service_tier_id"),)
        )

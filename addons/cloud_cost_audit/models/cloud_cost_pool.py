from odoo import api, fields, models

POOL_REFERENCES = (
    ("cloud_cost_allocation_line", "sender_pool_id"),
    ("cloud_cost_allocation_line", "receiver_pool_id"),
    ("cloud_cost_allocation_run_sender", "pool_id"),
    ("cloud_cost_allocation_run_cost", "cost_pool_id"),
)


class CloudCostPool(models.Model):
    _inherit = "cloud.cost.pool"

    company_id = fields.Many2one(tracking=True)
    analytic_account_id = fields.Many2one(tracking=True)
    description = fields.Text(tracking=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_sealed_runs(self):
        self.env["cloud.cost.allocation.run"]._check_not_used_by_sealed_runs(self, POOL_REFERENCES)

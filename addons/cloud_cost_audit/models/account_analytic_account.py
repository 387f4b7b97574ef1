from odoo import api, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_sealed_cloud_cost_runs(self):
        self.env["cloud.cost.allocation.run"]._check_not_used_by_sealed_runs(
            self,
            (
                ("cloud_cost_allocation_line", "analytic_account_id"),
                ("cloud_cost_allocation_run_cost", "analytic_account_id"),
            ),
        )

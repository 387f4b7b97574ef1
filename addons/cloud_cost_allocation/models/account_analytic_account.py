from odoo import fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    cloud_cost_service_tier_id = fields.Many2one(
        "cloud.cost.service.tier",
        "Service Tier",
        help="The service tier this business unit asked for: its rate card prices (and premiums) apply "
        "in value-based tier steps.",
    )

    def unlink(self):
        # after the deletion and its checks (a sealed run's records are refused first)
        model, ids = self._name, self.ids
        result = super().unlink()
        self.env["cloud.cost.allocation.line"]._forget(model, ids)
        return result

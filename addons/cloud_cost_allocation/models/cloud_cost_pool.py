from odoo import fields, models


class CloudCostPool(models.Model):
    _inherit = "cloud.cost.pool"

    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        "Pool Analytic Account",
        check_company=True,
        help="The pool's own analytic account. Driver values recorded for it weigh the pool as a "
        "receiver of earlier steps (step-down, reciprocal groups).",
    )

    def unlink(self):
        # after the deletion and its checks (a sealed run's records are refused first)
        model, ids = self._name, self.ids
        result = super().unlink()
        self.env["cloud.cost.allocation.line"]._forget(model, ids)
        return result

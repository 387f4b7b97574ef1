from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite


class AccountMove(models.Model):
    _inherit = "account.move"

    cloud_cost_run_id = fields.Many2one(
        "cloud.cost.allocation.run",
        "Allocation Run",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )

    def _cloud_cost_refuse(self):
        raise AccessError(
            _(
                "Chargeback entries belong to their allocation run: they are created, linked and "
                "reversed by the run's own actions only."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_suite(self.env) and any(vals.get("cloud_cost_run_id") for vals in vals_list):
            self._cloud_cost_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if "cloud_cost_run_id" in vals and not is_suite(self.env):
            self._cloud_cost_refuse()
        return super().write(vals)

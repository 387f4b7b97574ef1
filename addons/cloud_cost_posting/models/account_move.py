from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    cloud_cost_run_id = fields.Many2one(
        "cloud.cost.allocation.run", "Allocation Run", index="btree_not_null", readonly=True, copy=False,
        ondelete="restrict",
    )

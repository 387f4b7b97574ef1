from odoo import _, fields, models
from odoo.exceptions import UserError

from .cloud_cost_allocation_run import SEALED_STATES


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    company_id = fields.Many2one(tracking=True)
    description = fields.Text(tracking=True)
    user_key_id = fields.Many2one(tracking=True)
    transaction_key_id = fields.Many2one(tracking=True)
    auto_recompute = fields.Boolean(tracking=True)

    def write(self, vals):
        if "code" in vals:
            # the code names the policy's runs ("MONTH 2026-10"): a sealed run's name is part of its seal
            for policy in self.filtered(lambda policy: policy.code != vals["code"]):
                run = (
                    self.env["cloud.cost.allocation.run"]
                    .sudo()
                    .search([("policy_id", "=", policy.id), ("state", "in", SEALED_STATES)], limit=1)
                )
                if run:
                    raise UserError(
                        _(
                            "Policy %(policy)s names sealed allocation run %(run)s: its code cannot change.",
                            policy=policy.display_name,
                            run=run.display_name,
                        )
                    )
        return super().write(vals)

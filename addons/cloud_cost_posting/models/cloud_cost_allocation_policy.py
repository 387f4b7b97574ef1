from odoo import fields, models


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    posting_grouping = fields.Selection(
        [("run", "One entry per run"), ("receiver", "One entry per receiver")],
        required=True, default="run", tracking=True,
    )
    environment_plan_id = fields.Many2one(
        "account.analytic.plan", "Environment Plan", tracking=True,
        help="Also distribute on this analytic plan: the plan's account named like the line's environment "
        "(prod, staging, ...). Empty: the business unit only.",
    )

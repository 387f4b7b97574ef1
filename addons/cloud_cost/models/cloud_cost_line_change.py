from odoo import fields, models


class CloudCostLineChange(models.Model):
    """One reclassification of a cost line by hand: which field, from what to what, who and when.

    Written by the cost line itself when an accountant changes its business unit, pool, environment, tenant or
    tier; never edited or deleted."""

    _name = "cloud.cost.line.change"
    _description = "Cost Line Reclassification"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "id desc"
    _rec_name = "field_name"

    line_id = fields.Many2one("cloud.cost.line", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    field_name = fields.Selection(
        [
            ("analytic_account_id", "Business Unit"),
            ("environment", "Environment"),
            ("tenant", "Tenant"),
            ("service_tier_id", "Service Tier"),
            ("cost_pool_id", "Cost Pool"),
        ],
        "Field",
        required=True,
        readonly=True,
    )
    old_value = fields.Char("From", readonly=True)
    new_value = fields.Char("To", readonly=True)
    user_id = fields.Many2one("res.users", "Changed By", related="create_uid", store=True)
    date = fields.Datetime("Changed On", related="create_date", store=True)

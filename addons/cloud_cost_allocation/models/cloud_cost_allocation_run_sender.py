from odoo import _, fields, models


class CloudCostAllocationRunSender(models.Model):
    """A sender pool of a run: what it held and where it went (SAP: sender credited 100%)."""

    _name = "cloud.cost.allocation.run.sender"
    _description = "Allocation Run Sender"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "run_id, pool_id"

    run_id = fields.Many2one("cloud.cost.allocation.run", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    pool_id = fields.Many2one("cloud.cost.pool", required=True)
    own_amount = fields.Monetary("Own Cost", help="The pool's own cost lines.")
    received_amount = fields.Monetary("Received", help="Allocated to the pool by earlier steps or its group.")
    credited_amount = fields.Monetary("Credited", help="Sent on to receivers.")
    kept_amount = fields.Monetary("Kept (Idle)", help="Left in the pool and kept visible as idle.")
    credited_percent = fields.Float("Credited %", digits=(6, 2))
    balanced = fields.Boolean(help="Own + received = credited + kept, to the cent.")
    upstream_pool_ids = fields.Many2many(
        "cloud.cost.pool",
        "cloud_cost_allocation_sender_upstream_rel",
        "sender_id",
        "pool_id",
        string="Cost From",
        help="Pools whose cost reached this pool before it was allocated.",
    )

    def action_view_cost_lines(self):
        self.ensure_one()
        pools = self.pool_id | self.upstream_pool_ids
        return self.env["cloud.cost.allocation.run.cost"]._open(
            [("run_id", "=", self.run_id.id), ("cost_pool_id", "in", pools.ids)],
            _("Cost lines behind %s", self.pool_id.display_name),
        )

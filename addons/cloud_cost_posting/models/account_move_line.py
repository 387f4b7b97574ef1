from odoo import _, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    cloud_cost_run_id = fields.Many2one(related="move_id.cloud_cost_run_id", string="Allocation Run")
    cloud_cost_sender_pool_id = fields.Many2one("cloud.cost.pool", "Sender Pool", readonly=True, copy=False)
    cloud_cost_receiver_id = fields.Many2one(
        "account.analytic.account", "Receiving Business Unit", readonly=True, copy=False
    )
    cloud_cost_environment = fields.Char("Environment", readonly=True, copy=False)
    cloud_cost_side = fields.Selection(
        [("receiver", "Receiver"), ("sender", "Sender"), ("intercompany", "Intercompany")], "Chargeback Side",
        readonly=True, copy=False
    )

    def _cloud_cost_allocation_domain(self):
        self.ensure_one()
        domain = [("run_id", "=", self.cloud_cost_run_id.id), ("is_final", "=", True),
                  ("receiver_kind", "=", "analytic")]
        if self.cloud_cost_receiver_id:
            domain.append(("analytic_account_id", "=", self.cloud_cost_receiver_id.id))
        if self.cloud_cost_side == "receiver":
            domain.append(("environment", "=", self.cloud_cost_environment or False))
        elif self.cloud_cost_side == "sender":
            domain.append(("sender_pool_id", "=", self.cloud_cost_sender_pool_id.id or False))
        elif self.cloud_cost_side == "intercompany":
            domain.append(("analytic_account_id", "in", self.move_id.line_ids.cloud_cost_receiver_id.ids))
        return domain

    def action_view_cloud_cost_allocation_lines(self):
        """The allocation lines behind this journal item."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost_allocation.cloud_cost_allocation_line_action")
        action.update({
            "name": _("Allocation Lines of %s", self.display_name),
            "domain": self._cloud_cost_allocation_domain(),
            "context": {},
            "view_mode": "list,pivot,graph,form",
            "views": [(False, "list"), (False, "pivot"), (False, "graph"), (False, "form")],
        })
        return action

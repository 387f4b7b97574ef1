from odoo import _, fields, models

MOVE_LINE_RELATION = "cloud_cost_allocation_line_account_move_line_rel"


class CloudCostAllocationLine(models.Model):
    _inherit = "cloud.cost.allocation.line"

    move_line_ids = fields.Many2many(
        "account.move.line",
        MOVE_LINE_RELATION,
        "allocation_line_id",
        "move_line_id",
        string="Journal Items",
        readonly=True,
        copy=False,
        help="The chargeback journal items (and their reversals) summing this line.",
    )

    def action_view_move_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_account_moves_all_a")
        action.update(
            {
                "name": _("Journal Items of %s", self.display_name),
                "domain": [("id", "in", self.move_line_ids.ids)],
                "context": {"create": False},
            }
        )
        return action

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite

from .cloud_cost_allocation_line import MOVE_LINE_RELATION

CHARGEBACK_FIELDS = ("cloud_cost_sender_pool_id", "cloud_cost_receiver_id", "cloud_cost_environment", "cloud_cost_side")


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    cloud_cost_run_id = fields.Many2one(related="move_id.cloud_cost_run_id", string="Allocation Run")
    cloud_cost_sender_pool_id = fields.Many2one("cloud.cost.pool", "Sender Pool", readonly=True, copy=False)
    cloud_cost_receiver_id = fields.Many2one(
        "account.analytic.account", "Receiving Business Unit", readonly=True, copy=False
    )
    cloud_cost_environment = fields.Char("Environment", readonly=True, copy=False)
    cloud_cost_side = fields.Selection(
        [("receiver", "Receiver"), ("sender", "Sender"), ("intercompany", "Intercompany")],
        "Chargeback Side",
        readonly=True,
        copy=False,
    )
    cloud_cost_allocation_line_ids = fields.Many2many(
        "cloud.cost.allocation.line",
        MOVE_LINE_RELATION,
        "move_line_id",
        "allocation_line_id",
        string="Allocation Lines",
        readonly=True,
        copy=False,
        help="The allocation lines this chargeback journal item sums.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_suite(self.env) and any(vals.get(name) for vals in vals_list for name in self._cloud_cost_fields()):
            self._cloud_cost_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if not is_suite(self.env) and set(self._cloud_cost_fields()) & set(vals):
            self._cloud_cost_refuse()
        return super().write(vals)

    @api.model
    def _cloud_cost_fields(self):
        return (*CHARGEBACK_FIELDS, "cloud_cost_allocation_line_ids")

    def _cloud_cost_refuse(self):
        raise AccessError(
            _(
                "The chargeback fields of journal items (sender pool, receiving business unit, "
                "environment, side, allocation lines) are set by allocation runs only."
            )
        )

    def _copy_data_extend_business_fields(self, values):
        # a reversal keeps the chargeback side and the allocation lines of the item it reverses
        res = super()._copy_data_extend_business_fields(values)
        for name in CHARGEBACK_FIELDS:
            values[name] = self[name].id if self._fields[name].type == "many2one" else self[name]
        values["cloud_cost_allocation_line_ids"] = [fields.Command.set(self.cloud_cost_allocation_line_ids.ids)]
        return res

    def _cloud_cost_allocation_domain(self):
        self.ensure_one()
        return [("move_line_ids", "in", self.ids)]

    def action_view_cloud_cost_allocation_lines(self):
        """The allocation lines behind this journal item."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cloud_cost_allocation.cloud_cost_allocation_line_action"
        )
        action.update(
            {
                "name": _("Allocation Lines of %s", self.display_name),
                "domain": self._cloud_cost_allocation_domain(),
                "context": {},
                "view_mode": "list,pivot,graph,form",
                "views": [(False, "list"), (False, "pivot"), (False, "graph"), (False, "form")],
            }
        )
        return action

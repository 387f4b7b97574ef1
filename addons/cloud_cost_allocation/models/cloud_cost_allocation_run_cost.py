from odoo import fields, models


class CloudCostAllocationRunCost(models.Model):
    """A cost line a run took, with its pool, business unit and amount as they were then.

    Filled by one INSERT ... SELECT per run: a million cost lines are a million rows,
    not a million relations per allocation line. An allocation line's cost lines are
    the run's rows of its sender pool (and the pools upstream of it).
    """

    _name = "cloud.cost.allocation.run.cost"
    _description = "Cost Line Taken by an Allocation Run"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "run_id, cost_line_id"
    _log_access = False
    _rec_name = "cost_line_id"

    run_id = fields.Many2one("cloud.cost.allocation.run", required=True, index=True, ondelete="cascade",
                             readonly=True)
    cost_line_id = fields.Many2one("cloud.cost.line", required=True, index=True, ondelete="restrict",
                                   readonly=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool", readonly=True)
    analytic_account_id = fields.Many2one("account.analytic.account", "Business Unit", readonly=True)
    amount = fields.Float(digits=(38, 12), readonly=True, help="The line's amount when the run took it.")
    company_id = fields.Many2one(related="run_id.company_id")
    service_name = fields.Char(related="cost_line_id.service_name")
    provider_name = fields.Char(related="cost_line_id.provider_name")
    charge_description = fields.Char(related="cost_line_id.charge_description")
    source_file = fields.Char(related="cost_line_id.source_file")
    source_row = fields.Integer(related="cost_line_id.source_row")
    batch_id = fields.Many2one(related="cost_line_id.batch_id")

    def _open(self, domain, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False},
        }

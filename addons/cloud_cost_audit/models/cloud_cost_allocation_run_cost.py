from odoo import _, models
from odoo.tools import LazyTranslate

from .cloud_cost_allocation_run import COST_COLUMNS

_lt = LazyTranslate(__name__)


class CloudCostAllocationRunCost(models.Model):
    _name = "cloud.cost.allocation.run.cost"
    _inherit = ["cloud.cost.allocation.run.cost", "cloud.cost.audit.sealed.mixin"]
    _sealed_what = _lt("cost-line links")
    _sealed_fields = ("run_id", "company_id", *COST_COLUMNS)

    def action_open_bill_row(self):
        """The cost line, with the bill row it was read from."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Bill row %(row)s of %(file)s", row=self.source_row, file=self.source_file),
            "res_model": "cloud.cost.line",
            "res_id": self.cost_line_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"create": False},
        }

    def action_download_source_file(self):
        self.ensure_one()
        return self.cost_line_id.action_download_source_file()

from odoo import _, models
from odoo.exceptions import UserError

SEALED_STATES = ("posted", "reversed")


class CloudCostAllocationLine(models.Model):
    _inherit = "cloud.cost.allocation.line"

    def _check_not_sealed(self):
        sealed = self.run_id.filtered(lambda run: run.state in SEALED_STATES)
        if sealed:
            raise UserError(_("Run %s is posted: its allocation lines are part of the books and cannot change.",
                              sealed[0].display_name))

    def write(self, vals):
        self._check_not_sealed()
        return super().write(vals)

    def unlink(self):
        self._check_not_sealed()
        return super().unlink()

from odoo import _, models
from odoo.exceptions import UserError

from .cloud_cost_allocation_run import JOURNAL_COLUMNS


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        sealed_fields = ({"move_id", *JOURNAL_COLUMNS}) & set(vals)
        if sealed_fields:
            Move = self.env["account.move"]
            for line in self.filtered(lambda line: line.parent_state == "posted" and
                                      line.move_id.cloud_cost_run_id.state in ("posted", "reversed")):
                if any(Move._field_will_change(line, vals, name) for name in sealed_fields):
                    raise UserError(_(
                        "%(item)s is a journal item of allocation run %(run)s, sealed by its content hash: its "
                        "accounts, partner, amounts, currency and analytic distribution cannot change. Reverse the "
                        "run instead.", item=line.display_name, run=line.move_id.cloud_cost_run_id.display_name))
        return super().write(vals)

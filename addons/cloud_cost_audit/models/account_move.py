from odoo import _, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    def _check_draftable(self):
        sealed = self.filtered(lambda move: move.cloud_cost_run_id.state in ("posted", "reversed"))
        if sealed:
            raise UserError(_(
                "%(move)s is a chargeback entry of allocation run %(run)s, sealed by its content hash: reverse "
                "the run instead of resetting its entry to draft.",
                move=sealed[0].display_name, run=sealed[0].cloud_cost_run_id.display_name))
        return super()._check_draftable()

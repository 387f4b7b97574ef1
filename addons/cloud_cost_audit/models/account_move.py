from odoo import _, models
from odoo.exceptions import UserError

from .cloud_cost_allocation_run import MOVE_COLUMNS


class AccountMove(models.Model):
    _inherit = "account.move"

    def _sealed_chargeback_moves(self):
        return self.filtered(lambda move: move.cloud_cost_run_id.state in ("posted", "reversed"))

    def _check_draftable(self):
        sealed = self._sealed_chargeback_moves()
        if sealed:
            raise UserError(
                _(
                    "%(move)s is a chargeback entry of allocation run %(run)s, sealed by its content hash: reverse "
                    "the run instead of resetting its entry to draft.",
                    move=sealed[0].display_name,
                    run=sealed[0].cloud_cost_run_id.display_name,
                )
            )
        return super()._check_draftable()

    def write(self, vals):
        names = set(MOVE_COLUMNS) & set(vals)
        if names:
            for move in self._sealed_chargeback_moves().filtered(lambda move: move.state == "posted"):
                if any(self._field_will_change(move, vals, name) for name in names):
                    raise UserError(
                        _(
                            "%(move)s is a chargeback entry of allocation run %(run)s, sealed by its content hash: its "
                            "number, date, state, journal and company cannot change. Reverse the run instead.",
                            move=move.display_name,
                            run=move.cloud_cost_run_id.display_name,
                        )
                    )
        return super().write(vals)

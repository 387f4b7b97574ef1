import base64

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..core.driver_csv import AMBIGUOUS, DriverFileError, parse_driver_csv


class CloudCostDriverImportWizard(models.TransientModel):
    """Driver values from a CSV file (key, receiver, period, value), all or nothing."""

    _name = "cloud.cost.driver.import.wizard"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Import Driver Values"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    file = fields.Binary(required=True)
    file_name = fields.Char()

    def _lookups(self):
        keys, receivers = {}, {}
        for key in self.env["cloud.cost.allocation.key"].search([("company_id", "in", [False, self.company_id.id])]):
            keys[key.code.lower()] = key.id
            keys.setdefault(key.name.lower(), key.id)
        for unit in self.env["account.analytic.account"].search([("company_id", "in", [False, self.company_id.id])]):
            for name in filter(None, (unit.code, unit.name)):
                known = receivers.get(name.lower())
                receivers[name.lower()] = unit.id if known in (None, unit.id) else AMBIGUOUS
        return keys, receivers

    def action_import(self):
        """Replace the entered and imported values of each key, business unit and month in the file."""
        self.ensure_one()
        self._check_allowed_company()
        try:
            rows = parse_driver_csv(base64.b64decode(self.file), self.file_name or _("driver file"), *self._lookups())
        except DriverFileError as error:
            raise UserError(str(error)) from None
        Value = self.env["cloud.cost.driver.value"]
        for key, receiver, start, end, _value, _row in rows:
            Value.search(
                [
                    ("key_id", "=", key),
                    ("analytic_account_id", "=", receiver),
                    ("date_from", "=", start),
                    ("date_to", "=", end),
                    ("company_id", "=", self.company_id.id),
                    ("origin", "in", ("import", "manual")),
                ]
            ).unlink()
        Value.create(
            [
                {
                    "key_id": key,
                    "analytic_account_id": receiver,
                    "date_from": start,
                    "date_to": end,
                    "value": float(value),
                    "company_id": self.company_id.id,
                    "origin": "import",
                    "origin_ref": f"{self.file_name or ''}, row {row}",
                }
                for key, receiver, start, end, value, row in rows
            ]
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s driver values imported.", len(rows)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

from odoo import api, fields, models


class CloudCostCodedMixin(models.AbstractModel):
    """Name, short code, order and archiving shared by the suite's master data; shown as "[CODE] Name"."""

    _name = "cloud.cost.coded.mixin"
    _description = "Cloud Cost Coded Record"
    _order = "sequence, code, id"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for record in self:
            record.display_name = f"[{record.code}] {record.name}" if record.code else record.name

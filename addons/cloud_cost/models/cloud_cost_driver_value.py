from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# how a value came to be; an addon that computes values adds its own (selection_add)
DRIVER_ORIGINS = [
    ("manual", "Entered"),
    ("import", "Imported file"),
]


class CloudCostDriverValue(models.Model):
    """The value of one allocation key for one receiver over one period."""

    _name = "cloud.cost.driver.value"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Allocation Key Value"
    _order = "date_from desc, key_id, analytic_account_id"
    _check_company_auto = True

    key_id = fields.Many2one(
        "cloud.cost.allocation.key", string="Allocation Key", required=True, index=True, check_company=True
    )
    unit = fields.Char(related="key_id.unit")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    date_from = fields.Date(required=True, index=True)
    date_to = fields.Date(required=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Receiver", required=True, index=True, check_company=True
    )
    value = fields.Float(digits=(38, 6), required=True)
    origin = fields.Selection(DRIVER_ORIGINS, required=True, default="manual")
    origin_ref = fields.Char(help="Where the value came from: source, file and row, or the query behind it.")
    note = fields.Char()

    _sql_constraints = [
        ("period_order", "CHECK(date_to >= date_from)", "A driver period must not end before it starts."),
    ]

    @api.constrains("value")
    def _check_value(self):
        for record in self:
            if record.value < 0:
                raise ValidationError(
                    _(
                        "Allocation key %(key)s for %(receiver)s: a driver value cannot be negative (%(value)s).",
                        key=record.key_id.display_name,
                        receiver=record.analytic_account_id.display_name,
                        value=record.value,
                    )
                )

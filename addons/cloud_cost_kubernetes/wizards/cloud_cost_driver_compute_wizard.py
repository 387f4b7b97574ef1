from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.cloud_cost.core.periods import month_bounds, previous_month_start


def _last_month(today):
    return month_bounds(previous_month_start(today))


class CloudCostDriverComputeWizard(models.TransientModel):
    """Driver values of a period from cluster usage and from Odoo's own data."""

    _name = "cloud.cost.driver.compute.wizard"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Compute Driver Values"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date(required=True, default=lambda self: _last_month(fields.Date.context_today(self))[0])
    date_to = fields.Date(required=True, default=lambda self: _last_month(fields.Date.context_today(self))[1])
    key_ids = fields.Many2many(
        "cloud.cost.allocation.key",
        string="Allocation Keys",
        check_company=True,
        domain="[('driver_source', 'in', ('cluster_usage', 'odoo_data')), ('company_id', 'in', (False, company_id))]",
        help="Empty: every key of the company measuring cluster usage or Odoo data.",
    )
    reapply_rules = fields.Boolean(
        "Apply Mapping Rules Again",
        default=True,
        help="Classify the period's cluster usage with the current mapping rules before counting it.",
    )
    result = fields.Text(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(_("The period ends before it starts."))

    def _acting_companies(self):
        return super()._acting_companies() | self.sudo().key_ids.company_id

    def action_compute(self):
        self.ensure_one()
        self._check_allowed_company()
        Key = self.env["cloud.cost.allocation.key"]
        keys = self.key_ids or Key._driver_keys(self.company_id)
        if not keys:
            raise UserError(_("No allocation key of %s measures cluster usage or Odoo data.", self.company_id.name))
        lines = keys._compute_drivers(self.company_id, self.date_from, self.date_to, self.reapply_rules)
        self.result = "\n".join(lines)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Compute Driver Values"),
        }

from odoo import fields, models

from ..core.finops import DEFAULT_PRODUCTION_ENVIRONMENTS, production_names


class ResCompany(models.Model):
    _inherit = "res.company"

    # one home for the company's production environments: the reports and the allocation runs' KPIs read it
    cloud_cost_production_environments = fields.Char(
        "Production Environments",
        required=True,
        default=DEFAULT_PRODUCTION_ENVIRONMENTS,
        help="Comma-separated environment names counted as production (case is ignored); cost lines of every "
        "other set environment are non-production in the reports and in the allocation runs' KPIs.",
    )

    def _cloud_cost_production_names(self):
        """The company's production environment names, lower case."""
        self.ensure_one()
        return production_names(self.cloud_cost_production_environments)

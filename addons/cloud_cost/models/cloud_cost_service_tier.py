from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CloudCostServiceTier(models.Model):
    """A service tier / resilience class with its targets and its premium."""

    _name = "cloud.cost.service.tier"
    _description = "Service Tier"
    _inherit = ["cloud.cost.coded.mixin", "mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    company_id = fields.Many2one("res.company", index=True, help="Empty: shared by all companies.")
    availability_target = fields.Float(
        "Availability Target (%)", digits=(5, 3), tracking=True, help="e.g. 99.9 for three nines."
    )
    rpo_minutes = fields.Integer("RPO (minutes)", tracking=True, help="Recovery point objective.")
    rto_minutes = fields.Integer("RTO (minutes)", tracking=True, help="Recovery time objective.")
    backup_retention_days = fields.Integer(tracking=True)
    premium_controls = fields.Text(help="Controls this tier adds: dedicated database, cross-zone HA, ...")
    uplift_percent = fields.Float(
        "Premium Uplift (%)", digits=(6, 2), tracking=True, help="Charged on top of the base allocation."
    )
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "A service tier code must be unique per company."),
    ]

    @api.constrains("availability_target", "rpo_minutes", "rto_minutes", "backup_retention_days", "uplift_percent")
    def _check_targets(self):
        for tier in self:
            if not 0 <= tier.availability_target <= 100:
                raise ValidationError(_("Tier %s: the availability target must be between 0 and 100%%.", tier.name))
            if min(tier.rpo_minutes, tier.rto_minutes, tier.backup_retention_days) < 0:
                raise ValidationError(_("Tier %s: RPO, RTO and backup retention cannot be negative.", tier.name))
            if tier.uplift_percent < 0:
                raise ValidationError(_("Tier %s: the premium uplift cannot be negative.", tier.name))

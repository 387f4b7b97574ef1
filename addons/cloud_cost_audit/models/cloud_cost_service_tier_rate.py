from odoo import _, models


class CloudCostServiceTierRate(models.Model):
    _name = "cloud.cost.service.tier.rate"
    _inherit = ["cloud.cost.service.tier.rate", "cloud.cost.audit.tracked.child.mixin"]
    _audit_tracked_fields = ("key_id", "price_per_unit")

    def _audit_parent(self):
        return self.tier_id

    def _audit_label(self):
        return _("rate per %s", self.key_id.display_name or "")

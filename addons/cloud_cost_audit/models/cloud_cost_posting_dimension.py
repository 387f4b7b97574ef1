from odoo import _, models


class CloudCostPostingDimension(models.Model):
    _name = "cloud.cost.posting.dimension"
    _inherit = ["cloud.cost.posting.dimension", "cloud.cost.audit.tracked.child.mixin"]
    _audit_tracked_fields = ("plan_id", "dimension")

    def _audit_parent(self):
        return self.policy_id

    def _audit_label(self):
        labels = dict(self._fields["dimension"]._description_selection(self.env))
        return _(
            "analytic plan %(plan)s by %(dimension)s",
            plan=self.sudo().plan_id.display_name or "",
            dimension=labels.get(self.dimension, ""),
        )

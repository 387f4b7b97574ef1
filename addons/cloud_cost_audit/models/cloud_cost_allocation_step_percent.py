from odoo import _, models


class CloudCostAllocationStepPercent(models.Model):
    _name = "cloud.cost.allocation.step.percent"
    _inherit = ["cloud.cost.allocation.step.percent", "cloud.cost.audit.tracked.child.mixin"]
    _audit_tracked_fields = ("analytic_account_id", "pool_id", "percent")

    def _audit_parent(self):
        return self.step_id.policy_id

    def _audit_label(self):
        receiver = self.analytic_account_id or self.pool_id
        return _("%(step)s: %(receiver)s %%", step=self.step_id._label(), receiver=receiver.display_name or "")

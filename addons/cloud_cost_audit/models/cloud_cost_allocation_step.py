from odoo import _, fields, models

STEP_REFERENCES = (("cloud_cost_allocation_line", "step_id"),)


class CloudCostAllocationStep(models.Model):
    _name = "cloud.cost.allocation.step"
    _inherit = ["cloud.cost.allocation.step", "cloud.cost.audit.tracked.child.mixin"]
    _audit_tracked_fields = (
        "sequence",
        "name",
        "sender_pool_id",
        "method",
        "key_id",
        "cost_category",
        "receiver_analytic_ids",
        "receiver_pool_ids",
        "excluded_analytic_ids",
        "excluded_pool_ids",
        "remainder_target",
        "remainder_analytic_id",
        "remainder_pool_id",
        "base_price",
        "reciprocal_group",
    )

    active = fields.Boolean(
        default=True,
        help="A step removed from its policy after a sealed run used it is archived, not deleted: the run's "
        "lines keep naming it.",
    )

    def _audit_parent(self):
        return self.policy_id

    def _audit_label(self):
        return self._label()

    def unlink(self):
        used = self.env["cloud.cost.allocation.run"].sudo()._sealed_runs_using(STEP_REFERENCES, self.ids)
        kept = self.browse(list(used))
        if kept:
            kept._audit_log_by_parent(_("Removed (archived, sealed runs name it): %s"))
            kept.write({"active": False})
        return super(CloudCostAllocationStep, self - kept).unlink()

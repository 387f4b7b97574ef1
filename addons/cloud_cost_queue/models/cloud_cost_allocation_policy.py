from odoo import _, models


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    def _allocate(self, date_from, date_to):
        job = self.env["cloud.cost.job"]._from_context()
        if job:
            job._report(10, _("reading the period's cost lines and driver values"))
        result, inputs = super()._allocate(date_from, date_to)
        if job:
            job._report(50, _("allocated %s line(s): writing them", len(result.lines)))
        return result, inputs

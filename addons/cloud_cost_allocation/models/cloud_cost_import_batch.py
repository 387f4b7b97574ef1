from odoo import api, models


class CloudCostImportBatch(models.Model):
    _inherit = "cloud.cost.import.batch"

    @api.model_create_multi
    def create(self, vals_list):
        batches = super().create(vals_list)
        batches.filtered(lambda b: b.state == "imported")._flag_allocation_runs()
        return batches

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self._flag_allocation_runs()
        return result

    def _flag_allocation_runs(self):
        """A new or superseded bill changes the inputs of the runs of its period."""
        Run = self.env["cloud.cost.allocation.run"].sudo()._suite()
        for batch in self:
            runs = Run.search(
                [
                    ("company_id", "=", batch.company_id.id),
                    ("state", "in", Run._input_sensitive_states()),
                    ("date_from", "<=", batch.billing_period_end),
                    ("date_to", ">=", batch.billing_period_start),
                ]
            )
            runs.filtered(lambda r: not r.inputs_changed).write({"inputs_changed": True})

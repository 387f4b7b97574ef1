from odoo import api, fields, models


class CloudCostScheduledMixin(models.AbstractModel):
    """A source with a scheduled action of its own, kept in step with the source.

    The model gives ``_cron_values()`` (name, interval, active) and ``_cron_import()``.
    """

    _name = "cloud.cost.scheduled.mixin"
    _description = "Cloud Cost Source with a Scheduled Action"
    _cron_fields = ("active", "name")  # fields whose change updates the scheduled action

    cron_id = fields.Many2one("ir.cron", "Scheduled Action", readonly=True, copy=False, ondelete="set null")

    def _cron_values(self):
        raise NotImplementedError

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._sync_cron()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(self._cron_fields) & set(vals):
            self._sync_cron()
        return result

    def unlink(self):
        crons = self.sudo().cron_id
        result = super().unlink()
        crons.unlink()
        return result

    def _sync_cron(self):  # pylint: disable=missing-return
        Cron = self.env["ir.cron"].sudo().with_context(active_test=False)
        model_id = self.env["ir.model"]._get_id(self._name)
        for record in self:
            values = record._cron_values()
            if record.cron_id:
                Cron.browse(record.cron_id.id).write(values)
            elif values["active"]:
                cron = Cron.create(
                    {
                        **values,
                        "model_id": model_id,
                        "state": "code",
                        "code": f"model.browse({record.id})._cron_import()",
                    }
                )
                super(CloudCostScheduledMixin, record).write({"cron_id": cron.id})

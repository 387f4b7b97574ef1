from odoo import api, models
from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)


def changing_fields(record, vals, names):
    """The ``names`` among ``vals`` whose value would change on ``record`` (a value written again unchanged
    is no change)."""
    changing = set()
    for name in names:
        if name not in vals:
            continue
        field = record._fields[name]
        new = field.convert_to_record(field.convert_to_cache(vals[name], record), record)
        if record[name] != new:
            changing.add(name)
    return changing


class CloudCostAuditSealedMixin(models.AbstractModel):
    """Records of an allocation run that its content hash covers: created, deleted or changed in the
    ``_sealed_fields`` only while the run is not sealed."""

    _name = "cloud.cost.audit.sealed.mixin"
    _description = "Part of a Sealed Allocation Run"
    _sealed_what = _lt("results")
    _sealed_fields = ("run_id",)

    def _sealed_runs_check(self, vals_list=()):
        runs = self.run_id | self.env["cloud.cost.allocation.run"].browse(
            {vals["run_id"] for vals in vals_list if vals.get("run_id")}
        )
        runs._check_not_sealed(str(self._sealed_what))

    @api.model_create_multi
    def create(self, vals_list):
        self._sealed_runs_check(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if set(self._sealed_fields) & set(vals):
            self._sealed_runs_check([vals])
        return super().write(vals)

    def unlink(self):
        self._sealed_runs_check()
        return super().unlink()

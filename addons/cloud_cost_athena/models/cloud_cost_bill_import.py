from odoo import _, api, models

from odoo.addons.cloud_cost.core.bill_formats import BillFormatError
from odoo.addons.cloud_cost.core.bill_stores import StoreError
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused, describe_error

from ..core.aggregation import AggregationError


class CloudCostBillImport(models.AbstractModel):
    _inherit = "cloud.cost.bill.import"

    @api.model
    def _import_units(self, source, units, notes=(), fmt=None):
        """Sources that sum bill rows first import one FOCUS file of sums per unit (billing period)."""
        if not source.aggregation:
            return super()._import_units(source, units, notes=notes, fmt=fmt)
        # an export summed and imported already is not queried again
        units, unchanged = self._split_imported_manifests(source, units)
        rules = self.env["cloud.cost.mapping.rule"]._company_rules(source.company_id)
        rule_specs = [rule._rule_spec() for rule in rules]
        values = []
        for unit in units:
            try:
                values.append(source._aggregate_unit(unit, rule_specs))
            except (AggregationError, StoreError, BillFormatError) as error:
                raise ImportRefused(describe_error(error)) from error
        result = super()._import_units(source, [summed for summed, _values in values], notes=notes, fmt="focus")
        result.unchanged[:0] = unchanged
        for summed, batch_values in values:
            names = {obj.name for obj in summed.files}
            for batch in result.batches:
                if names & set(batch.file_ids.mapped("name")):
                    batch.write(batch_values)
        for batch in result.batches:
            result.notes.append(_("%(period)s: %(lines)s cost line(s) sum %(rows)s bill row(s) (%(engine)s)",
                                  period=batch.billing_period_start, lines=batch.row_count,
                                  rows=batch.aggregated_row_count, engine=batch.aggregation))
        return result

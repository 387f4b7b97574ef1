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
        result = super()._import_units(source, [summed for summed, _values, _files in values], notes=notes, fmt="focus")
        result.unchanged[:0] = unchanged
        for summed, batch_values, originals in values:
            names = {obj.name for obj in summed.files}
            for batch in result.batches:
                if names & set(batch.file_ids.mapped("name")):
                    batch.write(batch_values)
                    self._record_summed_files(batch, originals)
        for batch in result.batches:
            result.notes.append(
                _(
                    "%(period)s: %(lines)s cost line(s) sum %(rows)s bill row(s) (%(engine)s)",
                    period=batch.billing_period_start,
                    lines=batch.row_count,
                    rows=batch.aggregated_row_count,
                    engine=batch.aggregation,
                )
            )
        return result

    def _record_summed_files(self, batch, originals):
        """The bill files the query summed, each with what names its bytes: SHA-256 and size when read on
        this server, or the S3 ETag, size and version when Athena read it in S3."""
        # created as the batch was, by the import (import files are the suite's records)
        batch.env["cloud.cost.import.file"].sudo().create(
            [
                {
                    "batch_id": batch.id,
                    "name": name,
                    "kind": "summed",
                    "sha256": facts.get("sha256") or False,
                    "size": facts.get("size") or 0,
                    "etag": facts.get("etag") or False,
                    "version_id": facts.get("version_id") or False,
                    "location": facts.get("location") or False,
                    "row_count": facts.get("row_count") or 0,
                }
                for name, facts in sorted(originals.items())
            ]
        )

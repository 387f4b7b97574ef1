from odoo import api, models

from odoo.addons.cloud_cost.core.bill_stores import StoreError


class CloudCostBillImport(models.AbstractModel):
    _inherit = "cloud.cost.bill.import"

    @api.model
    def _import_file(self, run, obj, stream, fmt):
        """A blob of an export run holds the rows its manifest counts: else the import is refused whole."""
        super()._import_file(run, obj, stream, fmt)
        expected = getattr(obj, "expected_rows", None)
        if expected is None:
            return
        rows = sum(count for (name, _batch), count in run.file_rows.items() if name == obj.name)
        if rows != expected:
            raise StoreError(
                f"{obj.name}: {rows} row(s) read, the export run's manifest says {expected}: "
                "the blob changed since the run wrote it",
                file=obj.name,
            )

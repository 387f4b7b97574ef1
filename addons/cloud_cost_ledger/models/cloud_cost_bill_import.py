from odoo import _, models

from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused

from ..core.invoice_detail import InvoiceDetailError, is_invoice_detail, read_invoice_detail, sniff_columns


class CloudCostBillImport(models.AbstractModel):
    _inherit = "cloud.cost.bill.import"

    def _import_file(self, run, obj, stream, fmt):
        # an export may deliver its FOCUS 1.4 Invoice Detail dataset beside the cost rows: read it apart
        if not is_invoice_detail(sniff_columns(stream)):
            return super()._import_file(run, obj, stream, fmt)
        try:
            lines = read_invoice_detail(stream, file_name=obj.name)
        except InvoiceDetailError as error:
            raise ImportRefused(str(error)) from error
        self.env["cloud.cost.invoice.detail"]._store(run.source, obj.name, lines)
        run.__dict__.setdefault("invoice_detail_files", {})[obj.name] = len(lines)
        return None

    def _import_unit(self, run, unit, fmt, result):
        res = super()._import_unit(run, unit, fmt, result)
        read = run.__dict__.get("invoice_detail_files", {})
        if read:
            # not an empty bill: the provider's invoice lines
            result.notes[:] = [note for note in result.notes if not any(note.startswith(f"{name}:") for name in read)]
            for name, count in read.items():
                note = _(
                    "%(file)s: %(count)s Invoice Detail lines (FOCUS 1.4) of the provider's invoices",
                    file=name,
                    count=count,
                )
                if note not in result.notes:
                    result.notes.append(note)
        return res

    def _finish(self, run):
        result = super()._finish(run)
        self.env["cloud.cost.pool"].sudo()._assign_unused_commitment([batch.id for batch in run.batches.values()])
        return result

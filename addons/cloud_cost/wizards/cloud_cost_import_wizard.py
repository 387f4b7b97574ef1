import io

from odoo import _, api, fields, models

from ..core.bill_stores import GivenFile, MemoryStore
from ..models.cloud_cost_bill_import import ImportRefused


class CloudCostImportWizard(models.TransientModel):
    """Upload bill files (and their manifest, if any) into a cost source."""

    _name = "cloud.cost.import.wizard"
    _inherit = ["cloud.cost.company.checked.mixin"]
    _description = "Upload Cloud Bills"
    _check_company_auto = True

    source_id = fields.Many2one(
        "cloud.cost.source", required=True, check_company=True, domain="[('company_id', '=', company_id)]"
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Files",
        help="FOCUS, AWS CUR, Azure or Google Cloud export files: CSV, gzip CSV, Parquet or JSON lines. "
        "Add the export's manifest to import exactly the files it lists.",
    )
    result_message = fields.Text(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "source_id" in fields_list and not values.get("source_id"):
            context = self.env.context
            if context.get("active_model") == "cloud.cost.source" and context.get("active_id"):
                values["source_id"] = context["active_id"]
        return values

    def _acting_companies(self):
        return super()._acting_companies() | self.sudo().source_id.company_id

    def _uploads(self):
        """The files uploaded into this wizard by its user (the form uploads them with res_model set to the
        wizard's model and no record yet): the only attachments it removes. Attachments of other documents
        that a caller passes in are read, with the caller's rights, and left as they are."""
        return self.attachment_ids.filtered(
            lambda attachment: attachment.res_model == self._name
            and attachment.res_id in (0, self.id)
            and not attachment.res_field
            and attachment.create_uid == self.env.user
        )

    @api.model
    def _given_file(self, attachment):
        """An uploaded file (read with the caller's rights) as the import opens it: from Odoo's filestore, or
        from the database where attachments are kept there."""
        store_fname, size = attachment.store_fname, attachment.file_size
        if store_fname:
            path = attachment._full_path(store_fname)
            return GivenFile(size=size, opener=lambda: open(path, "rb"))  # noqa: SIM115 (closed by the import)
        data = attachment.raw or b""
        return GivenFile(size=len(data), opener=lambda: io.BytesIO(data))

    def action_import(self):
        """Import the files; bad input raises (nothing written) with file, row and column named."""
        self.ensure_one()
        self._check_allowed_company()
        # read where the server keeps the uploads, a piece at a time: an upload is never held whole
        files = {attachment.name: self._given_file(attachment) for attachment in self.attachment_ids}
        if not files:
            raise ImportRefused(_("Add at least one file to import."))
        result = self.source_id._import_store(MemoryStore(files, label=_("uploaded files")))
        self.source_id._record_import("done" if result.batches else "unchanged", result.summary())
        # the uploads served their purpose (the batches keep their own copies); removed with the user's
        # own rights, which cover the attachments the user uploaded
        self._uploads().unlink()
        if not result.batches:
            self.result_message = result.summary()
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
            }
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_import_batch_action")
        batch_ids = [batch.id for batch in result.batches]
        if len(batch_ids) == 1:
            action.update({"res_id": batch_ids[0], "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", batch_ids)]
        return action

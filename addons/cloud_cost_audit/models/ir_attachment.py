import base64
import hashlib
import io

from odoo import _, models
from odoo.exceptions import AccessError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite

from .cloud_cost_allocation_run import SEALED_STATES

BATCH_MODEL = "cloud.cost.import.batch"


class IrAttachment(models.Model):
    """The bill files of a batch whose cost lines a sealed run took are that run's evidence: only the
    suite's own code writes or deletes them (verification hashes their bytes again)."""

    _inherit = "ir.attachment"

    def _sealed_bill_files(self):
        """{attachment: sealed run} of these attachments kept as bill files of a batch a sealed run took."""
        candidates = self.sudo().filtered(lambda attachment: attachment.res_model == BATCH_MODEL)
        if not candidates:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT f.attachment_id, taken.run_id
                 FROM cloud_cost_import_file f
                 JOIN LATERAL (
                      SELECT t.run_id FROM cloud_cost_allocation_run_batch t
                        JOIN cloud_cost_allocation_run r ON r.id = t.run_id AND r.state = ANY(%s)
                       WHERE t.batch_id = f.batch_id AND t.line_count > 0 LIMIT 1) taken ON TRUE
                WHERE f.attachment_id = ANY(%s)""",
            [list(SEALED_STATES), candidates.ids],
        )
        Run = self.env["cloud.cost.allocation.run"].sudo()
        return {self.browse(attachment_id): Run.browse(run_id) for attachment_id, run_id in self.env.cr.fetchall()}

    def _check_sealed_bill_files(self, action):
        if is_suite(self.env):
            return
        sealed = self._sealed_bill_files()
        if sealed:
            attachment, run = next(iter(sealed.items()))
            raise AccessError(
                _(
                    "%(file)s is a bill file of allocation run %(run)s, sealed by its content hash: it cannot be "
                    "%(action)s.",
                    file=attachment.sudo().name,
                    run=run.display_name,
                    action=action,
                )
            )

    def _same_bytes(self, vals):
        """True when ``vals`` only store the same bytes again (moving attachments between the database and
        the filestore writes every attachment's content unchanged)."""
        if not set(vals) <= {"raw", "datas", "mimetype"} or not ({"raw", "datas"} & set(vals)):
            return False
        data = vals["raw"] if "raw" in vals else base64.b64decode(vals["datas"] or b"")
        if isinstance(data, str):
            data = data.encode()
        checksum = hashlib.sha1(data or b"").hexdigest()
        return all(
            attachment.checksum == checksum and (attachment.mimetype == vals.get("mimetype", attachment.mimetype))
            for attachment in self.sudo()
        )

    def _cloud_cost_open(self):
        """The attachment's bytes as a binary stream that can seek, read where they are kept (a bill file may be
        larger than the memory of a worker)."""
        self.ensure_one()
        record = self.sudo()
        if record.store_fname:
            try:
                return open(record._full_path(record.store_fname), "rb")  # noqa: SIM115 (closed by the caller)
            except OSError:
                pass  # gone from the filestore: as empty as ir.attachment reads it then
        return io.BytesIO(record.db_datas or b"")

    def write(self, vals):
        if set(vals) - {"access_token"} and not self._same_bytes(vals):
            self._check_sealed_bill_files(_("changed"))
        return super().write(vals)

    def unlink(self):
        self._check_sealed_bill_files(_("deleted"))
        return super().unlink()

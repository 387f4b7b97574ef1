from odoo import _, models


class CloudCostBillImport(models.AbstractModel):
    _inherit = "cloud.cost.bill.import"

    def _import_progress(self, progress):
        """An import run by a job tells the job too (through the job's own cursor); a user who asked the job to
        stop is heard here, between two chunks: nothing of the import is written."""
        res = super()._import_progress(progress)
        job = self.env["cloud.cost.job"]._from_context()
        if job:
            job._report(
                5 + 90 * progress.fraction,
                _(
                    "%(file)s (file %(number)s of %(files)s): %(read)s row(s) read, %(stored)s stored",
                    file=progress.file or "-",
                    number=min(progress.files_done + 1, progress.files_total),
                    files=progress.files_total,
                    read=f"{progress.rows_read:,}",
                    stored=f"{progress.rows_stored:,}",
                ),
            )
        return res

from odoo import _, api, fields, models

from odoo.addons.cloud_cost.core import bill_formats
from odoo.addons.cloud_cost.core.bill_stores import StoreError, plan_imports
from odoo.addons.cloud_cost.models.cloud_cost_bill_import import ImportRefused, describe_error

from ..core.import_units import unit_key


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    job_ids = fields.One2many("cloud.cost.job", "source_id", string="Background Imports")
    job_running = fields.Boolean(compute="_compute_job_running")

    @api.depends("job_ids")
    def _compute_job_running(self):
        for source in self:
            source.job_running = any(job.state in ("queued", "running") for job in source.job_ids)

    def _import_identity(self, key=None):
        return f"cloud_cost_import:{self.id}" + (f":{key}" if key else "")

    # ------------------------------------------------------------------ starting
    def action_import_background(self):
        """Look for new bills in the background, then import each billing period in a job of its own."""
        self.ensure_one()
        job = self._enqueue_import_plan()
        message = (
            _("Looking for new bills in the background: follow the imports under Background Imports.")
            if job
            else _("An import of %s is already waiting or running.", self.name)
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info" if job else "warning",
                "title": self.name,
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _enqueue_import_plan(self):
        self.ensure_one()
        return self.env["cloud.cost.job"]._enqueue(
            {
                "name": _("%s: find new bills", self.name),
                "kind": "plan",
                "source_id": self.id,
                "company_id": self.company_id.id,
            },
            self._import_identity(),
            _("Cloud costs: find new bills of %s", self.name),
        )

    def _cron_import(self):
        """Scheduled imports go through the job queue, like the button."""
        for source in self.filtered("active"):
            source._enqueue_import_plan()

    # ------------------------------------------------------------------ jobs
    def _planned_units(self, bounded=False):
        """(units, notes) of the source's store, manifests already imported left out.

        ``bounded``: at most the server's bound of files per run (cloud_cost_max_files_per_run), the
        others named in the notes and left for the next run.
        """
        self.ensure_one()
        try:
            store = self._store()
            units, notes = plan_imports(store, bill_formats.parse_manifest, sniff=self._sniff_bill)
            fresh, _imported = self.env["cloud.cost.bill.import"]._split_imported_manifests(self, units)
            if bounded:
                fresh, bound_notes = self._bounded_units(fresh)
                notes = list(notes) + bound_notes
        except (StoreError, bill_formats.BillFormatError) as error:
            raise ImportRefused(describe_error(error)) from error
        return fresh, notes

    def _job_plan(self, job):
        """Queue one import job per billing period (or file) that may hold new bills, within the bound of
        files per run: what lies beyond it is queued by the next run."""
        units, notes = self._planned_units(bounded=True)
        queued, skipped = [], []
        for unit in units:
            key = unit_key(unit)
            started = self.env["cloud.cost.job"]._enqueue(
                {
                    "name": _("%(name)s: import %(period)s", name=self.name, period=key),
                    "kind": "import",
                    "source_id": self.id,
                    "company_id": self.company_id.id,
                    "period": key,
                },
                self._import_identity(key),
                _("Cloud costs: import %(period)s of %(name)s", period=key, name=self.name),
            )
            (queued if started else skipped).append(key)
        lines = [_("%(count)s import(s) queued: %(periods)s", count=len(queued), periods=", ".join(queued) or "-")]
        lines += [_("already waiting or running: %s", key) for key in skipped]
        return "\n".join(lines + list(notes))

    def _job_import(self, job):
        """Import the bills of one billing period (or one file); the import tells the job how far it got
        (rows read and stored, the file being read) as it goes."""
        units, notes = self._planned_units()
        unit = next((u for u in units if unit_key(u) == job.period), None)
        if unit is None:
            message = _("%s: nothing new to import.", job.period)
            job._after_commit(lambda source: source._record_import("unchanged", message), self)
            return message
        job._report(5, _("reading %s file(s)", len(unit.files)))
        # a record in the context, not a flag: no RPC client can put one there
        importer = self.env["cloud.cost.bill.import"].with_context(cloud_cost_job=job)
        result = importer._import_units(self, [unit], notes=notes)
        job._report(95, _("%s row(s) stored, totals checked", result.rows))
        state, summary = ("done" if result.batches else "unchanged"), result.summary()
        job._after_commit(lambda source: source._record_import(state, summary), self)
        return summary

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .cloud_cost_job import JOB_STATES


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    job_ids = fields.One2many("cloud.cost.job", "run_id", string="Background Jobs")
    job_id = fields.Many2one("cloud.cost.job", compute="_compute_job", string="Last Background Job")
    job_state = fields.Selection(JOB_STATES, compute="_compute_job", string="Background State")
    job_progress = fields.Float(compute="_compute_job", string="Progress")
    job_message = fields.Char(compute="_compute_job", string="Progress Message")

    @api.depends("job_ids.state", "job_ids.progress", "job_ids.progress_message")
    def _compute_job(self):
        for run in self:
            job = run.job_ids[:1]  # newest first
            run.job_id = job
            run.job_state = job.state
            run.job_progress = job.progress
            run.job_message = job.progress_message

    def _compute_identity(self):
        return f"cloud_cost_allocation_run:{self.id}"

    def action_compute_background(self):
        """Compute (or recompute) the run in the background; its form shows the progress."""
        self._check_state(("draft", "computed"), _("computed"))
        self.check_access("write")
        for run in self:
            job = self.env["cloud.cost.job"]._enqueue(
                {
                    "name": _("%s: compute", run.display_name),
                    "kind": "allocation",
                    "run_id": run.id,
                    "company_id": run.company_id.id,
                },
                run._compute_identity(),
                _("Cloud costs: compute allocation run %s", run.display_name),
            )
            if not job:
                raise UserError(_("Run %s is already being computed in the background.", run.display_name))
        return True

    def action_cancel_background(self):
        self.job_ids.filtered(lambda job: job.state in ("queued", "running")).action_cancel()
        return True

    def _job_compute(self, job):
        self.ensure_one()
        # the run may have moved on (approved, cancelled) while the job waited
        self._check_state(("draft", "computed"), _("computed"))
        self.with_context(cloud_cost_job=job)._compute_and_store()
        return _(
            "Computed: %(lines)s cost lines, %(percent)s %% allocated.",
            lines=self.cost_line_count,
            percent=self.allocated_percent,
        )

    def _store_cost_batches(self, batches):
        job = self.env["cloud.cost.job"]._from_context()
        if job:
            job._report(75, _("recording the cost lines taken"))
        total = super()._store_cost_batches(batches)
        if job:
            job._report(90, _("checks and KPIs"))
        return total

"""One background import or allocation run: what it is for, how far it got, how it ended.

The work itself runs in a queue job (OCA queue_job). Its progress is written here through
a cursor of its own, committed at once, so that other users see it move while the job's
transaction is still open; the job's own transaction never writes this row (under
PostgreSQL's repeatable read it could not, once the progress cursor has). Whether the job
is queued, running, done or failed is the queue job's state.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import CANCELLED, DONE, ENQUEUED, FAILED, PENDING, STARTED, WAIT_DEPENDENCIES

from ..core.transient import transient_cause

_logger = logging.getLogger(__name__)

JOB_KINDS = [
    ("plan", "Find new bills"),
    ("import", "Import bills"),
    ("allocation", "Compute allocation run"),
]
JOB_STATES = [
    ("queued", "Queued"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
ACTIVE_QUEUE_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)
QUEUE_TO_STATE = {
    WAIT_DEPENDENCIES: "queued",
    PENDING: "queued",
    ENQUEUED: "queued",
    STARTED: "running",
    DONE: "done",
    FAILED: "failed",
    CANCELLED: "cancelled",
}
CHANNEL = "root.cloud_cost"
MAX_RETRIES = 4  # transient errors: tried again after 1, 5 and 15 minutes (see the job function's pattern)


class JobCancelled(Exception):
    """A user asked a running job to stop: its transaction is rolled back."""


class CloudCostJob(models.Model):
    _name = "cloud.cost.job"
    _description = "Cloud Cost Background Job"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # started, reported and ended by the suite; users cancel through action_cancel
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    kind = fields.Selection(JOB_KINDS, required=True, readonly=True)
    source_id = fields.Many2one(
        "cloud.cost.source", index="btree_not_null", ondelete="cascade", readonly=True, check_company=True
    )
    period = fields.Char(readonly=True, help="Billing period (or file) this import stands for.")
    run_id = fields.Many2one(
        "cloud.cost.allocation.run", index="btree_not_null", ondelete="cascade", readonly=True, check_company=True
    )
    identity_key = fields.Char(readonly=True, index=True)
    queue_job_id = fields.Many2one("queue.job", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", "Started By", readonly=True, default=lambda self: self.env.user)
    # written by the job through a cursor of its own (see the module's docstring)
    progress = fields.Float(readonly=True, digits=(5, 1))
    progress_message = fields.Char(readonly=True)
    cancel_requested_by_id = fields.Many2one("res.users", "Cancel Requested By", readonly=True)
    cancelled = fields.Boolean(readonly=True, help="Stopped at a user's request; nothing was written.")
    failure = fields.Text(readonly=True, help="Why the job failed for good.")
    # from the queue job
    state = fields.Selection(JOB_STATES, compute="_compute_state", compute_sudo=True)
    attempts = fields.Integer(related="queue_job_id.retry")
    max_retries = fields.Integer(related="queue_job_id.max_retries")
    next_attempt = fields.Datetime(related="queue_job_id.eta", string="Next Attempt")
    result = fields.Text(related="queue_job_id.result")
    last_error = fields.Char(related="queue_job_id.exc_message", string="Last Error")
    date_started = fields.Datetime(related="queue_job_id.date_started")
    date_done = fields.Datetime(related="queue_job_id.date_done")

    @api.depends("queue_job_id.state", "cancelled", "failure")
    def _compute_state(self):
        for job in self:
            queue_state = job.queue_job_id.state
            if job.cancelled:
                job.state = "cancelled"
            elif queue_state:
                job.state = QUEUE_TO_STATE[queue_state]
            else:  # the queue job was vacuumed long after it ended
                job.state = "failed" if job.failure else "done"

    # ------------------------------------------------------------------ starting
    @api.model
    def _active_queue_job(self, identity_key):
        """The queue job with this identity that is waiting or running, if any."""
        return (
            self.env["queue.job"]
            .sudo()
            .search([("identity_key", "=", identity_key), ("state", "in", ACTIVE_QUEUE_STATES)], limit=1)
        )

    @api.model
    def _enqueue(self, values, identity_key, description):
        """Create the job record and its queue job; None when one with this identity is waiting or running.

        queue_job's identity key only stops a second job while the first waits; a started one
        is checked here too, and the job takes an advisory lock on its identity when it runs.
        """
        if self._active_queue_job(identity_key):
            return None
        job = self.sudo()._suite().create({**values, "identity_key": identity_key, "user_id": self.env.uid})
        delayed = (
            job.with_user(self.env.user)
            .with_delay(channel=CHANNEL, identity_key=identity_key, max_retries=MAX_RETRIES, description=description)
            ._perform()
        )
        job.queue_job_id = delayed.db_record()
        return job.with_env(self.env)

    @api.model
    def _from_context(self):
        """The job a computation runs for (progress reports), if any."""
        # a record, not an id: no RPC client can put one in a context
        job = self.env.context.get("cloud_cost_job")
        return job if isinstance(job, models.BaseModel) and job._name == self._name else None

    # ------------------------------------------------------------------ running
    def _perform(self):
        """The queue job: do the work in a savepoint; stop cleanly when cancelled."""
        self.ensure_one()
        self._lock_identity()
        try:
            with self.env.cr.savepoint():
                self._report(0, _("Started"))
                message = self._handlers()[self.kind]()
        except JobCancelled as stop:
            self._write_apart(cancelled=True, progress_message=str(stop))
            return str(stop)
        except Exception as error:
            cause = transient_cause(error)
            if cause is not None:
                raise RetryableJobError(_("%(error)s (will try again)", error=_describe(error))) from error
            raise
        self._report(100, message, check_cancel=False)  # done: too late to cancel
        return message

    def _handlers(self):
        return {
            "plan": lambda: self.source_id._job_plan(self),
            "import": lambda: self.source_id._job_import(self),
            "allocation": lambda: self.run_id._job_compute(self),
        }

    def _lock_identity(self):
        """One job per identity at a time, whatever queue_job let through: the second one waits its turn."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [self.identity_key])
        if not self.env.cr.fetchone()[0]:
            raise RetryableJobError(_("%s: another job for the same is running.", self.name), seconds=60)

    def _report(self, percent, message, check_cancel=True):
        """Progress, committed at once; raises JobCancelled when a user asked to stop.

        Called from within a bill import too, while the job's own cursor copies cost lines: it reads nothing
        through that cursor."""
        self.ensure_one()
        requested_by = self._write_apart(progress=min(max(percent, 0), 100), progress_message=message)
        if requested_by and check_cancel:
            with self.env.registry.cursor() as cr:
                cr.execute(
                    "SELECT p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = %s",
                    [requested_by],
                )
                name = (cr.fetchone() or ["?"])[0]
            raise JobCancelled(_("Cancelled at %(user)s's request: nothing was written.", user=name))

    def _write_apart(self, **values):
        """Write this row through a cursor of its own, committed at once; returns who asked to cancel."""
        columns = ", ".join(f"{name} = %({name})s" for name in values)
        with self.env.registry.cursor() as cr:
            cr.execute(
                f"""UPDATE cloud_cost_job SET {columns}, write_date = now() AT TIME ZONE 'UTC'
                     WHERE id = %(id)s RETURNING cancel_requested_by_id""",  # noqa: S608 - our column names
                {**values, "id": self.id},
            )
            row = cr.fetchone()
        self.invalidate_recordset(list(values) + ["cancel_requested_by_id"])
        return row[0] if row else None

    def _after_commit(self, callback, record):
        """Call ``callback(record)`` in a transaction of its own once the job's has committed.

        Rows the job's transaction never writes (the source) stay free for the failure hook,
        which runs while that transaction is still open.
        """
        registry, uid, model, ids = self.env.registry, self.env.uid, record._name, record.ids

        def run():
            with registry.cursor() as cr:
                callback(api.Environment(cr, uid, {})[model].browse(ids))

        self.env.cr.postcommit.add(run)

    def _on_failed(self, **values):
        """queue_job's failure hook (no more retries): keep the reason and tell the source or run."""
        message = values.get("exc_message") or _("unknown error")
        self.sudo()._suite().write({"failure": message, "progress_message": _("Failed: %s", message)})
        if self.source_id:
            self.source_id._record_import("failed", message)
        if self.run_id:
            self.run_id.sudo().message_post(body=_("Background computation failed: %s", message))

    # ------------------------------------------------------------------ user actions
    def action_cancel(self):
        """Waiting jobs are cancelled at once; a running one stops at its next step and writes nothing."""
        for job in self:
            job._check_can_act()
            queue_job = job.queue_job_id.sudo()
            if queue_job.state in (WAIT_DEPENDENCIES, PENDING, ENQUEUED):
                queue_job.button_cancelled()
                job.sudo()._suite().write({"cancelled": True, "progress_message": _("Cancelled before it started.")})
            elif queue_job.state == STARTED:
                job.sudo()._suite().write({"cancel_requested_by_id": self.env.uid})
            else:
                raise UserError(_("%s is not waiting or running: there is nothing to cancel.", job.name))
        return True

    def _check_can_act(self):
        target = self.run_id or self.source_id
        if self.run_id:
            self.run_id.check_access("write")
        elif not self.env.user.has_group("cloud_cost.group_cloud_cost_accountant"):
            raise UserError(_("Only a cost accountant stops a bill import."))
        return target

    def action_open_target(self):
        self.ensure_one()
        target = self.run_id or self.source_id
        return {
            "type": "ir.actions.act_window",
            "res_model": target._name,
            "res_id": target.id,
            "view_mode": "form",
            "target": "current",
        }


def _describe(error):
    return str(error.args[0]) if getattr(error, "args", None) else str(error)

"""Background jobs as they really run: committed records, a transaction per request and per job.

A queue job runs in a transaction of its own, writes its progress through another one and
records failures through a third while its own is rolled back. Inside a test's single
transaction none of that can happen, so these tests commit, as the web client and the job
runner do, through cursors of their own, and remove what they made at the end.

``run_job`` does what queue_job's runner asks of a server over HTTP (``/queue_job/runjob``):
the same controller code, acquiring the job, running it, retrying or failing it.
"""

import threading
import time
import uuid
from contextlib import contextmanager

from odoo import SUPERUSER_ID, api
from odoo.tests.common import TransactionCase, new_test_user

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import suite_env
from odoo.addons.cloud_cost.tests.plain import open_registries_to_threads
from odoo.addons.queue_job.controllers.main import RunJobController


class CommittedCase(TransactionCase):
    def setUp(self):
        super().setUp()
        open_registries_to_threads(self)  # the job runner's threads open environments

    @contextmanager
    def transaction(self, uid=SUPERUSER_ID):
        """A committed transaction of its own (a web request)."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, uid, {})

    def read(self, model, record_id, fields):  # pylint: disable=method-required-super
        with self.transaction() as env:
            return env[model].browse(record_id).read(fields)[0]

    def remove_later(self, model, ids):
        """Unlink these records when the test ends (cleanups run last made, first removed)."""

        def remove():
            with self.transaction() as env:
                # the suite's own clean-up: results and bills go only this way
                records = env[model].with_env(suite_env(env)).with_context(active_test=False).browse(ids).exists()
                records.unlink()

        self.addCleanup(remove)

    def committed_user(self, login, group):
        login = f"{login}_{uuid.uuid4().hex[:8]}"
        with self.transaction() as env:
            user = new_test_user(env, login=login, groups=f"base.group_user,cloud_cost.{group}")
            user_id, partner_id = user.id, user.partner_id.id
        self.remove_later("res.partner", [partner_id])
        self.remove_later("res.users", [user_id])
        return user_id

    # ------------------------------------------------------------------ the job runner's part
    def runner_enqueues(self, uuid):
        """The runner's part once a job's time has come (its eta passed): mark it enqueued."""
        with self.transaction() as env:
            env.cr.execute(
                """UPDATE queue_job SET state = 'enqueued', eta = NULL,
                          date_enqueued = date_trunc('seconds', now() AT TIME ZONE 'utc')
                    WHERE uuid = %s AND state = 'pending'
                RETURNING uuid""",
                [uuid],
            )
            self.assertTrue(env.cr.fetchone(), f"job {uuid} is not waiting")

    def run_job(self, uuid):
        """What a server does for the runner's ``/queue_job/runjob`` request; True when the job did not fail."""
        with self.transaction() as env:
            job = RunJobController._acquire_job(env, uuid)
            self.assertTrue(job, f"job {uuid} could not be acquired")
            try:
                RunJobController._runjob(env, job)
            except Exception:  # noqa: BLE001 - the controller stored the failure apart and re-raised
                env.cr.rollback()
                return False
        return True

    def run_job_in_thread(self, uuid):
        """The same, in a worker thread (as a server's worker): returns the thread, started."""
        outcome = {}

        def work():
            outcome["ok"] = self.run_job(uuid)

        thread = threading.Thread(target=work, name=f"queue-job-{uuid}", daemon=True)
        thread.outcome = outcome
        thread.start()
        self.addCleanup(thread.join, 300)  # before the records it works on are removed
        return thread

    def wait_for(self, condition, what, timeout=40):
        """Poll ``condition()`` until it returns something true; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.05)
        with self.transaction() as env:
            env.cr.execute("""SELECT wait_event_type, state, left(query, 300) FROM pg_stat_activity
                               WHERE datname = current_database() AND pid != pg_backend_pid()""")
            activity = env.cr.fetchall()
            env.cr.execute("SELECT progress, progress_message FROM cloud_cost_job ORDER BY id DESC LIMIT 3")
            jobs = env.cr.fetchall()
        self.fail(f"gave up waiting for {what}: {activity} {jobs}")

    def queue_job(self, uuid):
        with self.transaction() as env:
            env.cr.execute(
                """SELECT state, retry, max_retries, eta, exc_message, result,
                          EXTRACT(EPOCH FROM eta - now() AT TIME ZONE 'utc') AS eta_in
                     FROM queue_job WHERE uuid = %s""",
                [uuid],
            )
            row = env.cr.dictfetchone()
        return row

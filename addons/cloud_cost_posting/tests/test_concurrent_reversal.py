"""Two controllers reverse the same run, or post its period again, at the same moment, each in their own
database transaction: a period ends with exactly one reversal and at most one posted run."""

import threading
import time
import uuid
from contextlib import contextmanager

import pytest

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore
from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row
from odoo.addons.cloud_cost.tests.plain import PlainCase

OCTOBER = ("2026-10-01", "2026-10-31")
RUN = "cloud.cost.allocation.run"


def _env(cr, user_id=SUPERUSER_ID, company_id=None):
    return api.Environment(cr, user_id, {"allowed_company_ids": [company_id]} if company_id else {})


def _committed_posted_run(registry):
    """A company of its own with October's bill imported, a run computed by one controller, approved by
    the other and posted, all committed so that other cursors see it."""
    tag = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        company = _env(cr)["res.company"].create({"name": f"Concurrent reversal {tag}"})
        env = _env(cr, company_id=company.id)

        def account(code, name):
            return env["account.account"].create(
                {"code": code, "name": name, "account_type": "expense", "company_ids": [(6, 0, company.ids)]}
            )

        company.write(
            {
                "cloud_cost_journal_id": env["account.journal"]
                .create({"name": "Chargeback", "code": "CCB", "type": "general", "company_id": company.id})
                .id,
                "cloud_cost_chargeback_account_id": account("628900", "Chargeback").id,
                "cloud_cost_clearing_account_id": account("628000", "Clearing").id,
            }
        )
        plan = env["account.analytic.plan"].create({"name": f"Business units {tag}"})
        retail, payments = (
            env["account.analytic.account"].create({"name": name, "plan_id": plan.id, "company_id": company.id})
            for name in ("Retail", "Payments")
        )
        source = env["cloud.cost.source"].create(
            {"name": f"bills {tag}", "company_id": company.id, "source_type": "upload", "bill_format": "focus"}
        )
        env["cloud.cost.mapping.rule"].create(
            [
                {
                    "name": "Retail",
                    "company_id": company.id,
                    "match_tag_key": "team",
                    "match_tag_value": "retail",
                    "analytic_account_id": retail.id,
                },
                {
                    "name": "Payments",
                    "company_id": company.id,
                    "match_tag_key": "team",
                    "match_tag_value": "payments",
                    "analytic_account_id": payments.id,
                },
            ]
        )
        currency = company.currency_id.name
        bill = focus_csv(
            [
                focus_row(
                    period="2026-10",
                    day=2,
                    BillingCurrency=currency,
                    BilledCost="100.00",
                    EffectiveCost="100.00",
                    Tags='{"team": "retail"}',
                ),
                focus_row(
                    period="2026-10",
                    day=3,
                    BillingCurrency=currency,
                    BilledCost="23.45",
                    EffectiveCost="23.45",
                    Tags='{"team": "payments"}',
                ),
            ]
        )
        source._import_store(MemoryStore({"focus-2026-10.csv": bill}))
        policy = env["cloud.cost.allocation.policy"].create(
            {"name": "Month", "code": f"M{tag}", "company_id": company.id}
        )
        users = [
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": f"Controller {n} {tag}",
                    "login": f"reverser_{n}_{tag}",
                    "email": f"reverser_{n}_{tag}@example.com",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [
                        (6, 0, [env.ref("base.group_user").id, env.ref("cloud_cost.group_cloud_cost_controller").id])
                    ],
                }
            )
            .id
            for n in (1, 2)
        ]
        run = _new_run(env, users[0], policy.id, company.id)
        run.with_user(users[0]).action_compute()
        run.with_user(users[1]).action_approve()
        run.with_user(users[0]).action_post()
        assert run.state == "posted"
        cr.commit()  # pylint: disable=invalid-commit
        return {"run": run.id, "users": users, "company": company.id, "policy": policy.id}


def _new_run(env, user_id, policy_id, company_id):
    return (
        env[RUN]
        .with_user(user_id)
        .create({"policy_id": policy_id, "company_id": company_id, "date_from": OCTOBER[0], "date_to": OCTOBER[1]})
    )


def _run_as(cr, user_id, run_id, company_id):
    return _env(cr, user_id, company_id)[RUN].browse(run_id)


def _purge(registry, company_id):
    """Remove the committed company and everything the test made in it; posted entries and sealed runs
    refuse the ORM's delete by design, so the test removes its own rows directly."""
    with registry.cursor() as cr:
        params = {"company": company_id}
        for model, table in (
            (RUN, "cloud_cost_allocation_run"),
            ("account.move", "account_move"),
            ("cloud.cost.import.batch", "cloud_cost_import_batch"),
            ("cloud.cost.allocation.policy", "cloud_cost_allocation_policy"),
            ("cloud.cost.mapping.rule", "cloud_cost_mapping_rule"),
            ("cloud.cost.source", "cloud_cost_source"),
        ):
            where = f"IN (SELECT id FROM {table} WHERE company_id = %(company)s)"
            cr.execute(f"DELETE FROM mail_message WHERE model = '{model}' AND res_id {where}", params)  # noqa: S608
            cr.execute(
                f"DELETE FROM mail_followers WHERE res_model = '{model}' AND res_id {where}",  # noqa: S608
                params,
            )
        cr.execute(
            "SELECT id FROM ir_attachment WHERE res_model = 'cloud.cost.import.batch' AND res_id IN "
            "(SELECT id FROM cloud_cost_import_batch WHERE company_id = %(company)s)",
            params,
        )
        attachments = [row[0] for row in cr.fetchall()]
        for table in (
            "account_move",
            "cloud_cost_allocation_run",
            "cloud_cost_allocation_policy",
            "cloud_cost_line_summary",
            "cloud_cost_line",
            "cloud_cost_import_file",
            "cloud_cost_import_total",
            "cloud_cost_import_batch",
            "cloud_cost_mapping_rule",
        ):
            cr.execute(f"DELETE FROM {table} WHERE company_id = %(company)s", params)  # noqa: S608
        env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
        env.invalidate_all()
        env["ir.attachment"].browse(attachments).exists().unlink()
        company = env["res.company"].browse(company_id)
        users = env["res.users"].search([("company_id", "=", company_id)])
        partners = users.partner_id | company.partner_id
        calendar = company.resource_calendar_id
        accounts = env["account.account"].search([("company_ids", "in", company_id)])
        plans = env["account.analytic.account"].search([("company_id", "=", company_id)]).plan_id
        for model in ("cloud.cost.source", "account.journal", "account.analytic.account"):
            env[model].search([("company_id", "=", company_id)]).unlink()
        for records in (accounts, plans, users, company, partners, calendar):
            records.unlink()
        cr.commit()  # pylint: disable=invalid-commit


def registry_fixture():
    return Registry(get_db_name())


@contextmanager
def posted_run_fixture(registry):
    estate = _committed_posted_run(registry)
    yield estate
    _purge(registry, estate["company"])
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM res_company WHERE id = %s", [estate["company"]])
        assert cr.fetchone()[0] == 0


def _moves(cr, run_id):
    """(originals, reversals) of the run: ids of its posted entries, and {reversed entry: reversal ids}."""
    cr.execute(
        """SELECT id, reversed_entry_id FROM account_move
                   WHERE cloud_cost_run_id = %s AND state = 'posted' ORDER BY id""",
        [run_id],
    )
    rows = cr.fetchall()
    originals = [move for move, reversed_entry in rows if not reversed_entry]
    reversals = {}
    for move, reversed_entry in rows:
        if reversed_entry:
            reversals.setdefault(reversed_entry, []).append(move)
    return originals, reversals


def _backend_pid(cr):
    cr.execute("SELECT pg_backend_pid()")
    return cr.fetchone()[0]


def _wait_until_blocked(registry, pid, timeout=30):
    """Until the backend ``pid`` waits for a lock (the other transaction's uncommitted row)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cr.fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError("the second transaction never waited for the first one's run")


def _post_new_run(cr, estate, computer, approver):
    """A new run of the period: created and computed by ``computer``, approved by ``approver``, posted by
    ``computer``; returns its id."""
    env = _env(cr, company_id=estate["company"])
    run = _new_run(env, computer, estate["policy"], estate["company"])
    run.with_user(computer).action_compute()
    run.with_user(approver).action_approve()
    run.with_user(computer).action_post()
    return run.id


@tagged("post_install", "-at_install")
class TestConcurrentReversal(PlainCase):
    def test_two_cursors_reversing_the_same_run_one_succeeds_the_other_is_told(self):
        registry = registry_fixture()
        posted_run = self.enterContext(posted_run_fixture(registry))
        run_id, users, company_id = posted_run["run"], posted_run["users"], posted_run["company"]
        with registry.cursor() as cr:
            originals, _reversals = _moves(cr, run_id)
        assert originals
        first, second = registry.cursor(), registry.cursor()
        try:
            _run_as(first, users[0], run_id, company_id).action_reverse()  # holds the run until it commits
            with pytest.raises(UserError, match="being posted or reversed by someone else"):
                _run_as(second, users[1], run_id, company_id).action_reverse()
            second.rollback()
            first.commit()
            # the second controller tries again once the first has committed: the run is reversed already
            with pytest.raises(UserError, match="cannot be reversed"):
                _run_as(second, users[1], run_id, company_id).action_reverse()
            second.rollback()
        finally:
            first.close()
            second.close()
        with registry.cursor() as cr:
            run = _run_as(cr, SUPERUSER_ID, run_id, company_id)
            assert (run.state, run.reversed_by_id.id) == ("reversed", users[0])
            after, reversals = _moves(cr, run_id)
            # exactly one reversal entry per original entry, for the amount it reverses
            assert after == originals
            assert {move: len(ids) for move, ids in reversals.items()} == dict.fromkeys(originals, 1)
            Move = run.env["account.move"]
            for original, (reversal,) in reversals.items():
                assert Move.browse(reversal).amount_total == Move.browse(original).amount_total == 123.45

    def test_two_controllers_posting_a_reversed_period_again_at_once_end_with_one_posted_run(self):
        registry = registry_fixture()
        posted_run = self.enterContext(posted_run_fixture(registry))
        users, company_id, policy_id = posted_run["users"], posted_run["company"], posted_run["policy"]
        with registry.cursor() as cr:
            _run_as(cr, users[0], posted_run["run"], company_id).action_reverse()
            cr.commit()  # pylint: disable=invalid-commit
        first, second = registry.cursor(), registry.cursor()
        outcome = {}

        def second_controller():
            try:
                outcome["run"] = _post_new_run(second, posted_run, users[1], users[0])
            except Exception as error:  # noqa: BLE001 - the test asserts what the loser was told below
                outcome["error"] = error

        try:
            second.execute("SET LOCAL lock_timeout = '60s'")
            pid = _backend_pid(second)
            # the first controller's new run exists in its transaction, not committed yet
            env = _env(first, company_id=company_id)
            winner = _new_run(env, users[0], policy_id, company_id)
            env.flush_all()
            # the second controller starts its own run of the same period meanwhile, and waits for the first
            thread = threading.Thread(target=second_controller)
            thread.start()
            _wait_until_blocked(registry, pid)
            winner.with_user(users[0]).action_compute()
            winner.with_user(users[1]).action_approve()
            winner.with_user(users[0]).action_post()
            first.commit()
            thread.join(timeout=120)
            assert not thread.is_alive()
            assert "error" in outcome, f"the second controller posted run {outcome.get('run')} of the same period too"
            # told in words, not shown the database's unique index
            assert isinstance(outcome["error"], ValidationError), outcome["error"]
            assert "being created by someone else" in str(outcome["error"]), outcome["error"]
            second.rollback()
            # trying again, the second controller is told that the period has its run
            with pytest.raises(ValidationError, match="already has an open run"):
                _post_new_run(second, posted_run, users[1], users[0])
            second.rollback()
            winner_id = winner.id
        finally:
            first.close()
            second.close()
        with registry.cursor() as cr:
            runs = _env(cr, company_id=company_id)[RUN].search(
                [("policy_id", "=", policy_id), ("date_from", "=", OCTOBER[0]), ("date_to", "=", OCTOBER[1])]
            )
            assert sorted(runs.mapped(lambda run: (run.id, run.state))) == [
                (posted_run["run"], "reversed"),
                (winner_id, "posted"),
            ]
            # the period's entries: the first run's, its reversal, and the new run's, nothing of the loser
            cr.execute(
                """SELECT cloud_cost_run_id, count(*), sum(amount_total) FROM account_move
                           WHERE company_id = %s AND state = 'posted' GROUP BY 1 ORDER BY 1""",
                [company_id],
            )
            assert [(run, count, float(total)) for run, count, total in cr.fetchall()] == [
                (posted_run["run"], 2, 246.9),
                (winner_id, 1, 123.45),
            ]

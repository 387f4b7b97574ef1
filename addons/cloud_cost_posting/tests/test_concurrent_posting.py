"""Two controllers post the same run at the same moment, each in their own database transaction."""

import uuid
from contextlib import contextmanager

import pytest

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import new_test_user, tagged
from odoo.tests.common import get_db_name

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import suite_env
from odoo.addons.cloud_cost.tests.plain import PlainCase


def _committed_approved_run(registry, approve=True):
    """A company of its own with an approved run, committed so that a second cursor sees it."""
    tag = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": f"Concurrent posting {tag}"})
        env = env(context={"allowed_company_ids": [company.id]})

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
        retail = env["account.analytic.account"].create(
            {"name": "Retail", "plan_id": plan.id, "company_id": company.id}
        )
        source = env["cloud.cost.source"].create({"name": f"bill {tag}", "company_id": company.id})
        batch = env["cloud.cost.import.batch"]._suite_create(
            {
                "source_id": source.id,
                "company_id": company.id,
                "billing_period_start": "2026-10-01",
                "billing_period_end": "2026-10-31",
                "state": "imported",
            }
        )
        env["cloud.cost.line"]._suite_create(
            {
                "batch_id": batch.id,
                "company_id": company.id,
                "charge_category": "Usage",
                "billing_period_start": "2026-10-01",
                "charge_period_start": "2026-10-01 00:00:00",
                "effective_cost_company": 123.45,
                "billed_cost_company": 123.45,
                "effective_cost": 123.45,
                "billed_cost": 123.45,
                "analytic_account_id": retail.id,
            }
        )
        policy = env["cloud.cost.allocation.policy"].create(
            {"name": "Month", "code": f"M{tag}", "company_id": company.id, "allow_self_approval": True}
        )
        users = [
            new_test_user(
                env,
                login=f"poster_{n}_{tag}",
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
                groups="base.group_user,cloud_cost.group_cloud_cost_controller",
            ).id
            for n in (1, 2)
        ]
        run = env["cloud.cost.allocation.run"].create(
            {"policy_id": policy.id, "company_id": company.id, "date_from": "2026-10-01", "date_to": "2026-10-31"}
        )
        run.with_user(users[0]).action_compute()
        if approve:
            run.with_user(users[0]).action_approve()
        cr.commit()  # pylint: disable=invalid-commit
        return run.id, users, company.id


def _run_as(cr, user_id, run_id, company_id):
    env = api.Environment(cr, user_id, {"allowed_company_ids": [company_id]})
    return env["cloud.cost.allocation.run"].browse(run_id)


def _purge(registry, company_id):
    """Remove the committed company and everything the test made in it."""
    with registry.cursor() as cr:
        env = suite_env(api.Environment(cr, SUPERUSER_ID, {}))  # the suite's own clean-up
        env = env(context=dict(env.context, active_test=False))
        company = env["res.company"].browse(company_id)
        # posted entries and posted runs refuse the ORM's delete, by design: the test removes its own rows directly
        cr.execute("DELETE FROM account_move WHERE company_id = %s", [company_id])
        cr.execute("DELETE FROM cloud_cost_allocation_run WHERE company_id = %s", [company_id])
        env.invalidate_all()
        users = env["res.users"].search([("company_id", "=", company_id)])
        partners = users.partner_id | company.partner_id
        calendar = company.resource_calendar_id
        accounts = env["account.account"].search([("company_ids", "in", company_id)])
        plans = env["account.analytic.account"].search([("company_id", "=", company_id)]).plan_id
        for model in (
            "cloud.cost.allocation.policy",
            "cloud.cost.line",
            "cloud.cost.import.batch",
            "cloud.cost.source",
            "account.journal",
            "account.analytic.account",
        ):
            env[model].search([("company_id", "=", company_id)]).unlink()
        for records in (accounts, plans, users, company, partners, calendar):
            records.unlink()


def registry_fixture():
    return Registry(get_db_name())


@contextmanager
def committed_run_fixture(registry):
    run_id, users, company_id = _committed_approved_run(registry)
    yield run_id, users, company_id
    _purge(registry, company_id)
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM res_company WHERE id = %s", [company_id])
        assert cr.fetchone()[0] == 0


@contextmanager
def committed_computed_run_fixture(registry):
    run_id, users, company_id = _committed_approved_run(registry, approve=False)
    yield run_id, users, company_id
    _purge(registry, company_id)


@tagged("post_install", "-at_install")
class TestConcurrentPosting(PlainCase):
    def test_two_cursors_posting_the_same_run_one_succeeds_the_other_is_told(self):
        registry = registry_fixture()
        committed_run = self.enterContext(committed_run_fixture(registry))
        run_id, users, company_id = committed_run
        first, second = registry.cursor(), registry.cursor()
        try:
            _run_as(first, users[0], run_id, company_id).action_post()  # holds the run until it commits
            with pytest.raises(UserError, match="being posted or reversed by someone else"):
                _run_as(second, users[1], run_id, company_id).action_post()
            second.rollback()
            first.commit()
            # the second user tries again once the first has committed: the run is posted already
            with pytest.raises(UserError, match="cannot be posted"):
                _run_as(second, users[1], run_id, company_id).action_post()
            second.rollback()
        finally:
            first.close()
            second.close()
        with registry.cursor() as cr:
            run = _run_as(cr, SUPERUSER_ID, run_id, company_id)
            assert run.state == "posted"
            cr.execute("SELECT count(*) FROM account_move WHERE cloud_cost_run_id = %s", [run_id])
            assert cr.fetchone()[0] == 1
            assert run.move_ids.amount_total == 123.45
            assert run.posted_by_id.id == users[0]

    def test_two_cursors_approving_the_same_run_one_succeeds_the_other_is_told(self):
        registry = registry_fixture()
        committed_computed_run = self.enterContext(committed_computed_run_fixture(registry))
        run_id, users, company_id = committed_computed_run
        first, second = registry.cursor(), registry.cursor()
        try:
            _run_as(first, users[1], run_id, company_id).action_approve()  # holds the run until it commits
            with pytest.raises(UserError, match="being approved or changed by someone else"):
                _run_as(second, users[0], run_id, company_id).action_approve()
            second.rollback()
            first.commit()
        finally:
            first.close()
            second.close()
        with registry.cursor() as cr:
            run = _run_as(cr, SUPERUSER_ID, run_id, company_id)
            assert (run.state, run.approved_by_id.id) == ("approved", users[1])

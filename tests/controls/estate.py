"""The committed estate the attacks are tried on: two companies, each with the four roles, a second
controller and an administrator, a month of bills per period imported through the real pipeline, a
policy with a step, and runs computed, approved and posted by the users themselves.

Built in two parts: the static part (company, users, accounts, journal, business units, pool, key)
once per session; the documents (source, rules, bills, drivers, policy, runs, entries) again whenever
an attack changed them, so that a control that failed does not leak into the next test.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

from odoo import SUPERUSER_ID, api

COMPANY_PREFIX = "RPC controls"
ROLE_GROUPS = {
    "user": "base.group_user,cloud_cost.group_cloud_cost_user",
    "accountant": "base.group_user,cloud_cost.group_cloud_cost_accountant",
    "controller": "base.group_user,cloud_cost.group_cloud_cost_controller",
    "controller2": "base.group_user,cloud_cost.group_cloud_cost_controller",
    "auditor": "base.group_user,cloud_cost.group_cloud_cost_auditor",
    "admin": "base.group_user,base.group_system,cloud_cost.group_cloud_cost_controller,account.group_account_manager",
}
# Company B's bills are A's times this, so that figures of one company never pass for the other's.
SCALE = {"a": 1, "b": 2}
PERIODS = {
    "superseded": ("2026-08-01", "2026-08-31"),
    "computed": ("2026-09-01", "2026-09-30"),
    "approved": ("2026-10-01", "2026-10-31"),
    "posted": ("2026-11-01", "2026-11-30"),
    "stale": ("2026-12-01", "2026-12-31"),
    # periods without a run: attacks that create runs use one each, so that no open run blocks the next
    "free": ("2027-01-01", "2027-01-31"),
    "free2": ("2027-02-01", "2027-02-28"),
    "free3": ("2027-03-01", "2027-03-31"),
}
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]


def _env(cr, company_id=None):
    context = {"allowed_company_ids": [company_id]} if company_id else {}
    return api.Environment(cr, SUPERUSER_ID, context)


def hash_passwords(registry, passwords):
    """Start hashing ``passwords`` with Odoo's own work factor, in threads (the KDF releases the GIL, so
    this runs beside the building of the documents); returns a function waiting for {password: hash}."""
    with registry.cursor() as cr:
        context = _env(cr)["res.users"]._crypt_context()
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {password: pool.submit(context.hash, password) for password in passwords}
    pool.shutdown(wait=False)
    return lambda: {password: future.result() for password, future in futures.items()}


def set_passwords(cr, static, hashes):
    """Each user's password is its login."""
    for role, user_id in static["users"].items():
        cr.execute("UPDATE res_users SET password = %s WHERE id = %s", [hashes[static["logins"][role]], user_id])


def _bill(period, scale, currency, restated=False):
    """A FOCUS bill of ``period``: Retail 10.50 + 20.25, Payments 7.00, shared platform 90.00 + 30.01
    (BilledCost 99.99 + 30.01), untagged 5.00; amounts times ``scale``; a restated bill adds 1.00 to
    Retail's first row."""
    from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row  # noqa: PLC0415 (addons path set late)

    def money(amount):
        return f"{amount * scale:.2f}"

    retail_first = 11.50 if restated else 10.50
    rows = [
        focus_row(
            period=period,
            day=2,
            BillingCurrency=currency,
            BilledCost=money(retail_first),
            EffectiveCost=money(retail_first),
            Tags='{"team": "retail"}',
        ),
        focus_row(
            period=period,
            day=3,
            BillingCurrency=currency,
            BilledCost=money(20.25),
            EffectiveCost=money(20.25),
            Tags='{"team": "retail"}',
        ),
        focus_row(
            period=period,
            day=3,
            BillingCurrency=currency,
            BilledCost=money(7.00),
            EffectiveCost=money(7.00),
            Tags='{"team": "payments"}',
        ),
        focus_row(
            period=period,
            day=4,
            BillingCurrency=currency,
            BilledCost=money(99.99),
            EffectiveCost=money(90.00),
            Tags='{"platform": "shared"}',
        ),
        focus_row(
            period=period,
            day=5,
            BillingCurrency=currency,
            BilledCost=money(30.01),
            EffectiveCost=money(30.01),
            Tags='{"platform": "shared"}',
        ),
        focus_row(
            period=period, day=6, BillingCurrency=currency, BilledCost=money(5.00), EffectiveCost=money(5.00), Tags=""
        ),
    ]
    return focus_csv(rows)


# ---------------------------------------------------------------------- static part
def build_static(cr, key, tag):
    env = _env(cr)
    company = env["res.company"].create({"name": f"{COMPANY_PREFIX} {key.upper()} {tag}"})
    env = _env(cr, company.id)

    def account(code, name):
        return env["account.account"].create(
            {"code": code, "name": name, "account_type": "expense", "company_ids": [(6, 0, company.ids)]}
        )

    accounts = {"chargeback": account("628900", "Chargeback").id, "clearing": account("628000", "Clearing").id}
    journal = env["account.journal"].create(
        {"name": "Chargeback", "code": "CCB", "type": "general", "company_id": company.id}
    )
    company.write(
        {
            "cloud_cost_journal_id": journal.id,
            "cloud_cost_chargeback_account_id": accounts["chargeback"],
            "cloud_cost_clearing_account_id": accounts["clearing"],
        }
    )
    plan = env["account.analytic.plan"].create({"name": f"Business units {key.upper()} {tag}"})
    Analytic = env["account.analytic.account"]
    retail = Analytic.create({"name": "Retail", "plan_id": plan.id, "company_id": company.id})
    payments = Analytic.create({"name": "Payments", "plan_id": plan.id, "company_id": company.id})
    pool = env["cloud.cost.pool"].create({"name": "Shared platform", "code": "PLAT", "company_id": company.id})
    cpu = env["cloud.cost.allocation.key"].create(
        {"name": "CPU core-hours", "code": "CPU", "unit": "core-hours", "company_id": company.id}
    )
    logins = {role: f"rpc_{key}_{role}_{tag}" for role in ROLE_GROUPS}
    created = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"{role.capitalize()} {key.upper()}",
                    "login": logins[role],
                    "email": f"{logins[role]}@example.com",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [env.ref(xmlid).id for xmlid in groups.split(",")])],
                }
                for role, groups in ROLE_GROUPS.items()
            ]
        )
    )
    users = dict(zip(ROLE_GROUPS, created.ids, strict=True))
    return {
        "key": key,
        "tag": tag,
        "company": company.id,
        "currency": company.currency_id.name,
        "users": users,
        "logins": logins,
        "journal": journal.id,
        "accounts": accounts,
        "plan": plan.id,
        "retail": retail.id,
        "payments": payments.id,
        "pool": pool.id,
        "key_id": cpu.id,
        "periods": dict(PERIODS),
    }


# ---------------------------------------------------------------------- documents
def build_documents(cr, static):
    """Bills, rules, drivers, the policy and its runs, made by the suite's own code as the users."""
    from odoo.addons.cloud_cost.core.bill_stores import MemoryStore  # noqa: PLC0415

    company_id, scale, currency = static["company"], SCALE[static["key"]], static["currency"]
    env = _env(cr, company_id)
    users = static["users"]
    source = env["cloud.cost.source"].create(
        {"name": "FOCUS bills", "company_id": company_id, "source_type": "upload", "bill_format": "focus"}
    )
    rules = env["cloud.cost.mapping.rule"].create(
        [
            {
                "name": "Retail team",
                "company_id": company_id,
                "match_tag_key": "team",
                "match_tag_value": "retail",
                "analytic_account_id": static["retail"],
            },
            {
                "name": "Payments team",
                "company_id": company_id,
                "match_tag_key": "team",
                "match_tag_value": "payments",
                "analytic_account_id": static["payments"],
            },
            {
                "name": "Shared platform",
                "company_id": company_id,
                "match_tag_key": "platform",
                "match_tag_value": "shared",
                "cost_pool_id": static["pool"],
            },
        ]
    )
    Value = env["cloud.cost.driver.value"]
    for month in MONTHS:
        start, end = next(p for p in PERIODS.values() if p[0].startswith(month))
        Value.create(
            [
                {
                    "key_id": static["key_id"],
                    "company_id": company_id,
                    "date_from": start,
                    "date_to": end,
                    "analytic_account_id": account,
                    "value": value,
                }
                for account, value in ((static["retail"], 3), (static["payments"], 1))
            ]
        )
    # August twice: the restated bill supersedes the first import of the month
    source._import_store(MemoryStore({"focus-2026-08.csv": _bill("2026-08", scale, currency)}))
    source._import_store(
        MemoryStore(
            {
                "focus-2026-08-restated.csv": _bill("2026-08", scale, currency, restated=True),
                **{f"focus-{month}.csv": _bill(month, scale, currency) for month in MONTHS[1:]},
            }
        )
    )
    policy = env["cloud.cost.allocation.policy"].create(
        {
            "name": "Month-end",
            "code": "MONTH",
            "company_id": company_id,
            "step_ids": [
                (
                    0,
                    0,
                    {
                        "sequence": 1,
                        "name": "Platform by CPU",
                        "sender_pool_id": static["pool"],
                        "method": "driver",
                        "key_id": static["key_id"],
                    },
                )
            ],
        }
    )

    def run_of(state):
        start, end = PERIODS[state]
        run = (
            env["cloud.cost.allocation.run"]
            .with_user(users["controller"])
            .create({"policy_id": policy.id, "company_id": company_id, "date_from": start, "date_to": end})
        )
        run.action_compute()
        return run

    computed = run_of("computed")
    approved = run_of("approved")
    approved.with_user(users["controller2"]).action_approve()
    posted = run_of("posted")
    posted.with_user(users["controller2"]).action_approve()
    posted.with_user(users["controller"]).action_post()
    stale = run_of("stale")
    Value.search(
        [
            ("company_id", "=", company_id),
            ("date_from", "=", PERIODS["stale"][0]),
            ("analytic_account_id", "=", static["retail"]),
        ]
    ).value = 4
    stale._check_inputs()
    env.flush_all()
    for run, state in ((computed, "computed"), (approved, "approved"), (posted, "posted"), (stale, "computed")):
        assert run.state == state, f"estate: run {run.display_name} is {run.state}, expected {state}"
    assert stale.inputs_changed, "estate: the stale run was not flagged"

    Batch = env["cloud.cost.import.batch"].with_context(active_test=False)
    batches = {}
    for batch in Batch.search([("company_id", "=", company_id)], order="id"):
        month = str(batch.billing_period_start)[:7]
        name = f"{month}-superseded" if batch.state == "superseded" else month
        batches[name] = batch.id
    lines, files, attachments = {}, {}, {}
    for name, batch_id in batches.items():
        batch = Batch.browse(batch_id)
        lines[name] = batch.line_ids.sorted("source_row").ids
        files[name] = batch.file_ids[:1].id
        attachments[name] = batch.file_ids[:1].attachment_id.id
    return {
        "source": source.id,
        "rules": rules.ids,
        "policy": policy.id,
        "steps": policy.step_ids.ids,
        "batches": batches,
        "lines": lines,
        "files": files,
        "attachments": attachments,
        "runs": {"computed": computed.id, "approved": approved.id, "posted": posted.id, "stale": stale.id},
        "moves": {"posted": posted.move_ids.ids},
    }


# ---------------------------------------------------------------------- removal
def purge_documents(cr, company_id):
    """Remove the company's documents, whatever state the attacks left them in: posted entries and
    sealed runs refuse the ORM's delete by design, so their rows go in SQL."""
    env = _env(cr)
    env.flush_all()
    params = {"company": company_id}
    chatter = [
        ("cloud.cost.allocation.run", "cloud_cost_allocation_run"),
        ("cloud.cost.import.batch", "cloud_cost_import_batch"),
        ("cloud.cost.allocation.policy", "cloud_cost_allocation_policy"),
        ("cloud.cost.mapping.rule", "cloud_cost_mapping_rule"),
        ("cloud.cost.source", "cloud_cost_source"),
        ("account.move", "account_move"),
    ]
    for model, table in chatter:
        condition = f"res_model = '{model}' AND res_id IN (SELECT id FROM {table} WHERE company_id = %(company)s)"
        cr.execute(f"DELETE FROM mail_followers WHERE {condition}", params)  # noqa: S608
        cr.execute(f"DELETE FROM mail_message WHERE {condition.replace('res_model', 'model')}", params)  # noqa: S608
        cr.execute(f"DELETE FROM mail_activity WHERE {condition}", params)  # noqa: S608
    cr.execute(
        "SELECT id FROM ir_attachment WHERE res_model = 'cloud.cost.import.batch' AND res_id IN "
        "(SELECT id FROM cloud_cost_import_batch WHERE company_id = %(company)s)",
        params,
    )
    attachment_ids = [row[0] for row in cr.fetchall()]
    for statement in (
        "DELETE FROM account_move WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_allocation_run WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_allocation_policy WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_driver_value WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_line_summary WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_line WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_import_file WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_import_total WHERE company_id = %(company)s",
        "UPDATE cloud_cost_import_batch SET previous_batch_id = NULL, superseded_by_id = NULL "
        "WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_import_batch WHERE company_id = %(company)s",
        "DELETE FROM cloud_cost_mapping_rule WHERE company_id = %(company)s",
    ):
        cr.execute(statement, params)
    env.invalidate_all()
    env["ir.attachment"].browse(attachment_ids).exists().unlink()
    env["cloud.cost.source"].with_context(active_test=False).search([("company_id", "=", company_id)]).unlink()
    env.invalidate_all()


def purge_company(cr, company_id):
    purge_documents(cr, company_id)
    env = _env(cr)(context={"active_test": False})
    company = env["res.company"].browse(company_id)
    users = env["res.users"].search([("company_id", "=", company_id)])
    partners = users.partner_id | company.partner_id
    calendar = company.resource_calendar_id
    accounts = env["account.account"].search([("company_ids", "in", company_id)])
    plans = env["account.analytic.account"].search([("company_id", "=", company_id)]).plan_id
    for model in ("cloud.cost.pool", "cloud.cost.allocation.key", "account.journal", "account.analytic.account"):
        env[model].search([("company_id", "=", company_id)]).unlink()
    for records in (accounts, plans, users, company, partners, calendar):
        records.unlink()


def purge_leftovers(cr):
    """Companies of an earlier session that ended without its clean-up."""
    env = _env(cr)
    for company in (
        env["res.company"].with_context(active_test=False).search([("name", "=like", f"{COMPANY_PREFIX} %")])
    ):
        purge_company(cr, company.id)


def new_tag():
    return uuid.uuid4().hex[:6]

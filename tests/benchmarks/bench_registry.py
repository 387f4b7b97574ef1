"""Shared by the benchmark scripts: the Odoo registry of a database, opened as a server opens it."""

import os
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def machine_speed_s(additions=20_000_000):
    """Seconds a plain Python loop of ``additions`` additions takes, printed beside a benchmark's figures as
    context: it shows how busy the machine's CPU was, but not how fast the ORM's memory-heavy work ran."""
    started, total = time.perf_counter(), 0
    for number in range(additions):
        total += number
    return time.perf_counter() - started


def odoo_config_path(args):
    return args.config or os.environ.get("CLOUDCOST_ODOO_CONFIG") or str(PROJECT_DIR / ".local" / "odoo.conf")


def open_registry(args):
    """The registry of ``args.database``, with the configuration of ``args.config`` (or the project's)."""
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", odoo_config_path(args), "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    return Registry(args.database)


def superuser_env(cr):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    return api.Environment(cr, SUPERUSER_ID, {})


def set_up_chargeback(env, company, tag, journal_code="CCB", account_codes=("628900", "628000")):
    """A chargeback journal and accounts for ``company``, and two controllers of it (four eyes); returns the
    users."""
    from odoo.tests.common import new_test_user  # noqa: PLC0415

    Account = env["account.account"].with_company(company)

    def account(code, name):
        return Account.create(
            {"code": code, "name": name, "account_type": "expense", "company_ids": [(6, 0, company.ids)]}
        )

    journal = env["account.journal"].create(
        {"name": "Cloud chargeback", "code": journal_code, "type": "general", "company_id": company.id}
    )
    chargeback, clearing = account_codes
    company.write(
        {
            "cloud_cost_journal_id": journal.id,
            "cloud_cost_chargeback_account_id": account(chargeback, "Cloud cost chargeback").id,
            "cloud_cost_clearing_account_id": account(clearing, "Cloud cost clearing").id,
        }
    )
    return [
        new_test_user(
            env,
            login=f"{tag}_{n}",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
            groups="base.group_user,account.group_account_manager,cloud_cost.group_cloud_cost_controller",
        )
        for n in (1, 2)
    ]

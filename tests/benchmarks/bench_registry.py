"""Shared by the benchmark scripts: the Odoo registry of a database, opened as a server opens it."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


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

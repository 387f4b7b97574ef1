"""Shared fixtures of the cross-addon tests."""

import configparser
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg2
import pytest

from .servers import wait_for_login_page

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_dir():
    return PROJECT_DIR


@pytest.fixture(scope="session")
def odoo_config():
    """The [options] of the configuration ./setup/test wrote for this run."""
    path = os.environ.get("CLOUDCOST_ODOO_CONFIG") or PROJECT_DIR / ".local" / "odoo.conf"
    parser = configparser.ConfigParser()
    assert parser.read(path), f"no Odoo configuration at {path}: run the tests through ./setup/test"
    return dict(parser["options"])


@pytest.fixture
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def setup_run_server(project_dir, odoo_config, tmp_path_factory):
    """``./setup/run`` as a user starts it, on a database of its own: the suite installed with demo data, served
    by prefork workers under Odoo's default memory limits with queue_job's runner; bill sources may read
    ``import_root``. Started once for the tests that need it, stopped and its database dropped at the end."""
    folder = tmp_path_factory.mktemp("setup-run")
    import_root = folder / "bills"
    import_root.mkdir()
    database = f"cloudcost_run_{os.getpid()}"
    port = _port()
    env = {k: v for k, v in os.environ.items() if k not in ("CLOUDCOST_WORKERS", "CLOUDCOST_MODULES")}
    env.update(
        CLOUDCOST_DB=database,
        CLOUDCOST_HTTP_PORT=str(port),
        CLOUDCOST_CONFIG=str(folder / "odoo.conf"),
        CLOUDCOST_IMPORT_ROOTS=str(import_root),
    )
    # the server log goes to a file: a pipe nobody reads would fill up and stall the server
    log_path = folder / "run.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [str(project_dir / "setup" / "run")], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        page = wait_for_login_page(port, server, time.monotonic() + 600)
        assert server.poll() is None, log_path.read_text()[-5000:]
        assert page is not None, log_path.read_text()[-5000:]
        yield SimpleNamespace(
            server=server,
            port=port,
            database=database,
            config=folder / "odoo.conf",
            log_path=log_path,
            import_root=import_root,
            first_page=page,
        )
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        except ProcessLookupError:
            pass  # it stopped by itself: the tests' assertions say why
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        written = configparser.ConfigParser(interpolation=None)
        if written.read(folder / "odoo.conf") and written.has_option("options", "data_dir"):
            shutil.rmtree(Path(written["options"]["data_dir"]) / "filestore" / database, ignore_errors=True)
        conn = psycopg2.connect(
            dbname="postgres", host=odoo_config["db_host"], port=odoo_config["db_port"], user=odoo_config["db_user"]
        )
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.close()

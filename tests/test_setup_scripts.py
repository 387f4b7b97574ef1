"""The set-up scripts as a user meets them: a clear refusal when Odoo is missing,
a working command line, and ./setup/run serving the login page."""

import os
import signal
import subprocess
import sys
import time

import psutil
import psycopg2
import requests

from .servers import wait_for_login_page


def _env_without_odoo(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("ODOO_SRC", "XDG_CACHE_HOME", "PYTHONPATH")}
    env.update(
        HOME=str(tmp_path / "home"),
        # an interpreter that cannot import odoo, and a download that cannot succeed
        PYTHON=sys._base_executable,
        CLOUDCOST_ODOO_ARCHIVE_URL=(tmp_path / "no-such-archive.tar.gz").as_uri(),
        CLOUDCOST_VENV=str(tmp_path / "venv"),
        CLOUDCOST_LOCAL_DIR=str(tmp_path / "local"),
    )
    env.update(extra)
    return env


def test_setup_test_without_odoo_fails_and_names_each_option(project_dir, tmp_path):
    result = subprocess.run(
        [str(project_dir / "setup" / "test")],
        env=_env_without_odoo(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ODOO_SRC" in result.stderr
    assert str(tmp_path / "home" / ".cache" / "cloudcost" / "odoo-18.0") in result.stderr
    # it stopped before building anything
    assert not (tmp_path / "venv").exists()


def test_odoo_src_that_is_not_odoo_18_is_refused(project_dir, tmp_path):
    fake = tmp_path / "odoo-17"
    (fake / "odoo").mkdir(parents=True)
    (fake / "odoo" / "release.py").write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
    result = subprocess.run(
        [str(project_dir / "setup" / "run"), "--init-only"],
        env=_env_without_odoo(tmp_path, ODOO_SRC=str(fake)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"ODOO_SRC={fake} is not an Odoo 18.0 source tree" in result.stderr


def test_command_line_lists_its_commands(project_dir):
    result = subprocess.run(
        [str(project_dir / "setup" / "cloudcost"), "--help"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "status" in result.stdout
    assert "--database" in result.stdout
    # commands of the addons too: cluster usage and driver values
    assert "import-usage" in result.stdout
    assert "compute-drivers" in result.stdout


def test_command_line_status_reads_the_chosen_database(project_dir, odoo_config):
    database = os.environ["CLOUDCOST_TEST_DATABASE"]
    result = subprocess.run(
        [str(project_dir / "setup" / "cloudcost"), "--database", database, "status"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"database: {database}" in result.stdout
    assert "cloud_cost " in result.stdout and "installed" in result.stdout
    assert "service tiers: 3" in result.stdout


def test_command_line_refuses_a_missing_database(project_dir):
    result = subprocess.run(
        [str(project_dir / "setup" / "cloudcost"), "--database", "no_such_database_here", "status"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "database 'no_such_database_here' does not exist" in result.stderr


def _written_config(project_dir, tmp_path, **extra):
    """The configuration the bootstrap writes for ``extra`` settings: (options, file mode)."""
    import configparser  # noqa: PLC0415

    env = {k: v for k, v in os.environ.items() if k not in ("CLOUDCOST_MASTER_PASSWORD", "CLOUDCOST_HTTP_INTERFACE")}
    env.update(CLOUDCOST_LOCAL_DIR=str(tmp_path / "local"), CLOUDCOST_CONFIG=str(tmp_path / "odoo.conf"), **extra)
    script = f'. "{project_dir}/setup/lib.sh"; CC_DB_HOST=/tmp CC_DB_PORT=5432 CC_DB_USER=odoo; cc_write_config'
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(tmp_path / "odoo.conf")
    return dict(parser["options"]), (tmp_path / "odoo.conf").stat().st_mode & 0o777


def test_the_server_listens_on_this_machine_with_a_master_password_of_its_own(project_dir, tmp_path):
    options, mode = _written_config(project_dir, tmp_path)
    assert options["http_interface"] == "127.0.0.1"
    secret = tmp_path / "local" / "master-password"
    assert secret.stat().st_mode & 0o777 == 0o600
    password = secret.read_text()
    assert options["admin_passwd"] == password
    assert password != "admin" and len(password) >= 32
    assert mode == 0o600, "the configuration holds the master password"
    # generated once: the next run keeps it
    again, _mode = _written_config(project_dir, tmp_path)
    assert again["admin_passwd"] == password
    # a fresh folder gets another one
    other, _mode = _written_config(project_dir, tmp_path / "elsewhere")
    assert other["admin_passwd"] != password
    # both can be chosen
    chosen, _mode = _written_config(
        project_dir,
        tmp_path,
        CLOUDCOST_HTTP_INTERFACE="0.0.0.0",
        CLOUDCOST_MASTER_PASSWORD="correct horse battery staple",
    )
    assert (chosen["http_interface"], chosen["admin_passwd"]) == ("0.0.0.0", "correct horse battery staple")
    assert secret.read_text() == password


def test_setup_run_serves_the_login_page_with_the_suite_installed(setup_run_server, odoo_config, project_dir):
    server, free_port, database = setup_run_server.server, setup_run_server.port, setup_run_server.database
    log_path, page = setup_run_server.log_path, setup_run_server.first_page
    assert server.poll() is None, log_path.read_text()[-5000:]
    assert page.status_code == 200, log_path.read_text()[-5000:]
    assert 'name="login"' in page.text and 'name="password"' in page.text
    written = setup_run_server.config.read_text()
    assert "http_interface = 127.0.0.1" in written
    assert "admin_passwd = admin\n" not in written

    conn = psycopg2.connect(
        dbname=database, host=odoo_config["db_host"], port=odoo_config["db_port"], user=odoo_config["db_user"]
    )
    with conn.cursor() as cr:
        cr.execute("SELECT name, state FROM ir_module_module WHERE name LIKE 'cloud\\_cost%%'")
        modules = dict(cr.fetchall())
        cr.execute("SELECT demo FROM ir_module_module WHERE name = 'cloud_cost'")
        demo_loaded = cr.fetchone()[0]
    conn.close()
    addons = {p.parent.name for p in (project_dir / "addons").glob("*/__manifest__.py")}
    assert modules == {name: "installed" for name in addons}
    assert demo_loaded

    # admin / admin logs in
    session = requests.Session()
    login_page = session.get(f"http://127.0.0.1:{free_port}/web/login", timeout=10)
    token = login_page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = session.post(
        f"http://127.0.0.1:{free_port}/web/login",
        data={"login": "admin", "password": "admin", "csrf_token": token, "db": database},
        timeout=30,
    )
    assert response.url.rstrip("/").endswith(("/odoo", "/web")), response.url

    # what the first login shows: last months' bills imported, a run posted and one waiting for approval
    def read(model, fields):
        answer = session.post(
            f"http://127.0.0.1:{free_port}/web/dataset/call_kw/{model}/search_read",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": "search_read", "args": [[]], "kwargs": {"fields": fields}},
            },
            timeout=30,
        ).json()
        assert "result" in answer, answer
        return answer["result"]

    assert sorted(run["state"] for run in read("cloud.cost.allocation.run", ["state"])) == ["computed", "posted"]
    batches = read("cloud.cost.import.batch", ["state", "row_count"])
    assert len(batches) == 2 and all(b["state"] == "imported" and b["row_count"] > 1000 for b in batches)
    assert read("cloud.cost.usage", ["name"])

    # Odoo restarts itself on SIGHUP (as after a memory limit or a module install): it comes back
    odoo_processes = [
        child
        for child in psutil.Process(server.pid).children(recursive=True)
        if any(part.endswith("odoo-bin") or part.endswith("/odoo") for part in child.cmdline())
    ]
    # the main process, not one of its prefork workers
    odoo_process = next(p for p in odoo_processes if p.ppid() not in {q.pid for q in odoo_processes})
    assert len(odoo_processes) > 2, "./setup/run serves with prefork workers"
    logged_before = len(log_path.read_text())
    odoo_process.send_signal(signal.SIGHUP)
    time.sleep(3)
    page = wait_for_login_page(free_port, server, time.monotonic() + 180)
    text = log_path.read_text()[logged_before:]
    assert server.poll() is None and page is not None and page.status_code == 200, text[-5000:]
    assert "ImportError" not in text and "Traceback" not in text, text[-5000:]
    assert odoo_process.is_running(), "the server re-executed itself in place"


def _tree_for_the_lint_gate(project_dir, tmp_path, source):
    """A git tree with the project's lint configuration and set-up scripts and one module of its own."""
    tree = tmp_path / "tree"
    for name in (".pre-commit-config.yaml", ".ruff.toml", ".pylintrc", ".pylintrc-mandatory"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes((project_dir / name).read_bytes())
    (tree / "setup").mkdir()
    for name in ("lib.sh", "lint", "lint-tools.txt"):
        target = tree / "setup" / name
        target.write_bytes((project_dir / "setup" / name).read_bytes())
        target.chmod((project_dir / "setup" / name).stat().st_mode)
    module = tree / "addons" / "cloud_cost_lint_probe" / "core" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(source)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
    return tree


def _lint(project_dir, tree):
    # the project's own lint runner is reused; pre-commit's hook cache is the user's
    env = dict(os.environ, CLOUDCOST_LOCAL_DIR=str(project_dir / ".local"))
    return subprocess.run(
        [str(tree / "setup" / "lint")], cwd=tree, env=env, capture_output=True, text=True, timeout=900
    )


def test_the_lint_gate_fails_on_a_ruff_violation_and_passes_once_it_is_fixed(project_dir, tmp_path):
    probe = "def total(values):\n    {name} = sum(values)\n    return {name}\n"
    tree = _tree_for_the_lint_gate(project_dir, tmp_path, probe.format(name="l"))
    refused = _lint(project_dir, tree)
    assert refused.returncode != 0
    assert "E741 Ambiguous variable name: `l`" in refused.stdout
    assert "the lint gate failed" in refused.stderr
    (tree / "addons" / "cloud_cost_lint_probe" / "core" / "probe.py").write_text(probe.format(name="amount"))
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True)
    passed = _lint(project_dir, tree)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "The lint gate passed" in passed.stderr


def _install_log(project_dir, odoo_config, tmp_path, hook_body):
    """The log of installing, on a database of its own, an addon of the suite whose installation runs
    ``hook_body``, as ./setup/test installs the suite (warnings and errors only)."""
    addon = tmp_path / "addons" / "cloud_cost_install_probe"
    addon.mkdir(parents=True)
    (addon / "__init__.py").write_text(
        "import logging\n\n_logger = logging.getLogger(__name__)\n\n\ndef post_init(env):\n" + hook_body + "\n"
    )
    (addon / "__manifest__.py").write_text(
        repr(
            {
                "name": "Install probe",
                "version": "18.0.1.0.0",
                "license": "LGPL-3",
                "depends": ["base"],
                "post_init_hook": "post_init",
                "installable": True,
            }
        )
    )
    database = f"cloudcost_install_probe_{os.getpid()}"
    log = tmp_path / "install.log"
    command = [
        sys.executable,
        "-m",
        "odoo",
        "-d",
        database,
        "--db_host",
        odoo_config["db_host"],
        "--db_port",
        odoo_config["db_port"],
        "--db_user",
        odoo_config["db_user"],
        "--addons-path",
        f"{odoo_config['addons_path']},{addon.parent}",
        "--data-dir",
        str(tmp_path / "data"),
        "-i",
        addon.name,
        "--without-demo=all",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
        "--logfile",
        str(log),
    ]
    try:
        subprocess.run(command, check=True, timeout=900, capture_output=True)
    finally:
        conn = psycopg2.connect(
            dbname="postgres", host=odoo_config["db_host"], port=odoo_config["db_port"], user=odoo_config["db_user"]
        )
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.close()
    return log


def _install_log_problems(project_dir, log):
    script = f'. "{project_dir}/setup/lib.sh"; cc_install_log_problems "$1"'
    return subprocess.run(["bash", "-c", script, "gate", str(log)], capture_output=True, text=True, timeout=60)


def test_a_warning_of_a_suite_addon_at_install_fails_the_install_gate(project_dir, odoo_config, tmp_path):
    hook = (
        '    _logger.warning("probe: a setting of the suite is missing")\n'
        '    logging.getLogger("odoo.addons.base.models.ir_model").warning(\n'
        '        "Two fields (a_id, b_id) of cloud.cost.probe() have the same label: Probe.")\n'
        '    logging.getLogger("odoo.addons.base.probe").warning("a warning of another module\'s own")'
    )
    log = _install_log(project_dir, odoo_config, tmp_path, hook)
    found = _install_log_problems(project_dir, log)
    assert found.returncode == 0, "the gate found the warnings"
    problems = found.stdout.splitlines()
    assert len(problems) == 2, found.stdout
    assert " WARNING " in problems[0] and "odoo.addons.cloud_cost_install_probe: probe: a setting" in problems[0]
    assert "cloud.cost.probe() have the same label" in problems[1]
    assert "another module's own" in log.read_text()  # in the log, not a problem of the suite's

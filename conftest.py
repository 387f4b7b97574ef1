"""Rules for every test of the suite."""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test proves nothing: report it as a failure, with the reason it gave.

    Odoo skips a UI tour when no browser can start; here that is a failure, not a pass.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped tests are not allowed in this suite: {reason}"


@pytest.fixture(scope="session", autouse=True)
def odoo_http_server():
    """Serve Odoo over HTTP on the configured port, for the UI tours (HttpCase) and Odoo's test browser.

    pytest-odoo loads the registry with a server object that does not listen; start its HTTP thread once.
    """
    try:
        from odoo.service import server
    except ImportError:  # plain-Python tests run without Odoo
        yield None
        return
    if server.server is not None and getattr(server.server, "httpd", None) is None:
        server.server.http_spawn()
    yield server.server

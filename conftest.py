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
    _wait_longer_for_the_browser()
    _build_web_assets()
    yield server.server


def _wait_longer_for_the_browser(seconds=60, ready_seconds=180):
    """Odoo waits 10 s for Chrome to open its devtools port and otherwise skips the tour, and 60 s for a page
    to be ready for its tour; on a busy machine either can take longer, and a skipped or timed-out tour fails
    this suite. A tour that never gets ready still fails, later."""
    import functools  # noqa: PLC0415

    from odoo.tests import common

    common.CHECK_BROWSER_ITERATIONS = max(common.CHECK_BROWSER_ITERATIONS, int(seconds / common.CHECK_BROWSER_SLEEP))
    common.BROWSER_WAIT = common.CHECK_BROWSER_SLEEP * common.CHECK_BROWSER_ITERATIONS
    wait_ready = common.ChromeBrowser._wait_ready
    if not getattr(wait_ready, "cloud_cost_longer", False):

        @functools.wraps(wait_ready)
        def _wait_ready(self, ready_code=None, timeout=60):
            return wait_ready(self, ready_code, timeout=max(timeout, ready_seconds))

        _wait_ready.cloud_cost_longer = True
        common.ChromeBrowser._wait_ready = _wait_ready


def _build_web_assets():
    """Build the web client's asset bundles once, before the first UI tour.

    A tour waits a bounded time for the web client to be ready; on a fresh database the first
    page would otherwise compile every stylesheet and script of the suite's addons on the way.
    """
    import os  # noqa: PLC0415

    database = os.environ.get("CLOUDCOST_TEST_DATABASE")
    if not database:
        return
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    with Registry(database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for bundle in ("web.assets_web", "web.assets_tests"):
            assets = env["ir.qweb"]._get_asset_bundle(bundle)
            assets.css()
            assets.js()
        cr.commit()

"""Tests of the plain-Python core as Odoo test cases: Odoo's runner (``odoo-bin --test-enable``) runs them
as pytest does, without a database."""

import shutil
import tempfile
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, common


def open_registries_to_threads(case):
    """Let the threads of a test open environments on the registry under Odoo's runner.

    ``odoo-bin --test-enable`` holds the registries' lock while it runs the tests (an HttpCase lifts it
    by entering test mode): a thread of the test opening an environment would wait for it forever.
    """
    case.startPatcher(patch.object(Registry, "_lock", DummyRLock()))


class PlainCase(BaseCase):
    """A test of plain Python: no registry, no environment (or cursors of its own, committed, as two
    users' sessions or a test's threads have them)."""

    def setUp(self):
        super().setUp()
        open_registries_to_threads(self)

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        # Odoo raises short timeouts to 10 s in tests; the core's own timeouts are under test here
        if urlsplit(request.url).hostname in ("127.0.0.1", "localhost"):
            return common._super_send(session, request, **kwargs)
        return super()._request_handler(session, request, **kwargs)

    def make_tmp_path(self):
        """A folder of the test's own, removed after it (pytest's ``tmp_path``)."""
        path = Path(tempfile.mkdtemp(prefix="cloudcost-test-"))
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path


def parametrize(names, cases):
    """pytest's ``parametrize`` for a test method: one run of the method per case, each a subtest that
    names its values, under both runners."""
    names = [name.strip() for name in names.split(",")] if isinstance(names, str) else list(names)

    def decorate(method):
        def run(self, **given):
            for case in cases:
                values = dict(zip(names, case if len(names) > 1 else (case,), strict=True))
                with self.subTest(**values):
                    method(self, **given, **values)

        run.__name__, run.__qualname__, run.__doc__ = method.__name__, method.__qualname__, method.__doc__
        run.__module__ = method.__module__
        return run

    return decorate

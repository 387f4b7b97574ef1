"""The server configuration (odoo.conf options) as a test needs it: patched while in use, restored after.

The suite reads its server options (import roots, outbound hosts allowed, files per run) from
``odoo.tools.config`` when it acts, so a test sets them for as long as it runs:

    cls.startClassPatcher(server_options(cloud_cost_import_roots=folder))   # a whole class
    self.startPatcher(server_options(cloud_cost_allowed_hosts="127.0.0.1"))  # one test
"""

from unittest.mock import patch

from odoo.tools import config


def server_options(**options):
    """A patcher setting these options (None removes one) for as long as it is started."""
    values = {name: value for name, value in options.items() if value is not None}
    removed = [name for name, value in options.items() if value is None]

    class _Patcher:
        def __init__(self):
            self.inner = patch.dict(config.options, values)

        def start(self):
            self.inner.start()
            for name in removed:
                config.options.pop(name, None)

        def stop(self):
            self.inner.stop()

        def __enter__(self):
            self.start()
            return self

        def __exit__(self, *exc):
            self.stop()

    return _Patcher()

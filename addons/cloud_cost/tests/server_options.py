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


class fake_dns:  # noqa: N801  (used as a context manager, like patch)
    """Names resolved as given while in use ({name: address or [addresses]}, or a callable of the name
    giving them); other names as usual. No query leaves the machine for the names given."""

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def __enter__(self):
        import socket  # noqa: PLC0415

        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            answer = self.answers(host) if callable(self.answers) else self.answers.get(host)
            if answer is None:
                return real(host, port, *args, **kwargs)
            self.asked.append(host)
            addresses = [answer] if isinstance(answer, str) else list(answer)
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, int(port or 0)),
                )
                for address in addresses
            ]

        self.patcher = patch.object(socket, "getaddrinfo", getaddrinfo)
        self.patcher.start()
        return self

    def __exit__(self, *exc):
        self.patcher.stop()


class no_connection:  # noqa: N801
    """Fails the test on any outgoing TCP connection while in use: a refusal must come before one."""

    def __enter__(self):
        import socket  # noqa: PLC0415

        self.attempts = []

        def connect(sock, address):
            self.attempts.append(address)
            raise AssertionError(f"a connection to {address} was attempted")

        self.patchers = [
            patch.object(socket.socket, "connect", connect),
            patch.object(socket.socket, "connect_ex", connect),
        ]
        for patcher in self.patchers:
            patcher.start()
        return self

    def __exit__(self, *exc):
        for patcher in self.patchers:
            patcher.stop()

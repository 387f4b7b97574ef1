"""Azurite, the Azure Storage emulator, run by the tests as a real HTTP server on a free port.

Installed from npm on first use into the user's cache folder (``$XDG_CACHE_HOME/cloudcost``, else
``~/.cache/cloudcost``), as the setup keeps Odoo's source there; ``CLOUDCOST_AZURITE`` names an
``azurite-blob`` executable to use instead.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

AZURITE_VERSION = "3.35.0"
ACCOUNT = "devstoreaccount1"
# Azurite's documented development account key (public, the emulator's only account)
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LISTENING = re.compile(r"listens on (http://[\d.]+:(\d+))")


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cloudcost" / f"azurite-{AZURITE_VERSION}"


def azurite_executable():
    """The azurite-blob command, installed with npm into the cache folder when missing."""
    given = os.environ.get("CLOUDCOST_AZURITE")
    if given:
        return given
    folder = cache_dir()
    executable = folder / "node_modules" / ".bin" / "azurite-blob"
    if not executable.exists():
        npm = shutil.which("npm")
        if not npm:
            raise RuntimeError("the Azure tests need Azurite: install Node.js and npm (or set CLOUDCOST_AZURITE)")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(folder),
                f"azurite@{AZURITE_VERSION}",
            ],
            check=True,
            timeout=900,
            stdout=subprocess.DEVNULL,
        )
    return str(executable)


class AzuriteServer:
    """azurite-blob on 127.0.0.1, a free port, and a data folder of its own."""

    def __init__(self):
        self.process = None
        self.folder = None
        self.endpoint = None
        self.port = None

    def start(self, timeout=60):
        self.folder = tempfile.mkdtemp(prefix="cloud-cost-azurite-")
        self.process = subprocess.Popen(  # noqa: S603
            [
                azurite_executable(),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--location",
                self.folder,
                "--skipApiVersionCheck",
                "--loose",
                "--disableTelemetry",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found, lines = threading.Event(), []

        def read():
            for line in self.process.stdout:
                lines.append(line)
                match = LISTENING.search(line)
                if match and not found.is_set():
                    self.endpoint, self.port = f"{match.group(1)}/{ACCOUNT}", int(match.group(2))
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Azurite did not start: " + "".join(lines[-20:]))
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def connection_string(self):
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.endpoint};"
        )

"""Shared fixtures of the cross-addon tests."""

import configparser
import os
import socket
from pathlib import Path

import pytest

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

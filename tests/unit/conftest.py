"""The unit layer: no service, no network, no `followup` process. The product is called in
process (click's CliRunner, Flask's test client) on SQLite files. Every test here runs with
the network refused, so a test that needs a socket belongs in tests/integration."""

import socket

import pytest

from tests.api_schema import load_spec


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def spec() -> dict:
    """web/openapi.yaml, read once: tests check real API responses against it (api_schema.check)."""
    return load_spec()

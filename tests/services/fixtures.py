"""Pytest fixtures for the real services; loaded by ``tests/conftest.py``::

    pytest_plugins = ["tests.services.fixtures"]

- ``dovecot`` (session): a running ``DovecotServer``; ``host``, ``port``, ``ssl_port``,
  ``cafile``, ``client(user)``, ``append(user, folder, raw)``…
- ``imap_user`` (function): an ``ImapUser`` freshly created on that server (own name,
  own password, empty mailbox), so tests never see each other's mail.
- ``redis_url`` (session): URL of a Redis database reserved for this test session.
- ``redis_conn`` (function): a ``redis.Redis`` on that database, flushed before the test.
- ``cutting_proxy`` (function): a factory of ``CuttingProxy`` objects, closed after the test.
- ``oauth_idp`` (session): an ``OAuthIdP``: the Authlib authorization server of
  tests/services/oauth_server.py and a Dovecot whose oauth2 passdb asks its introspection endpoint.
- ``oauth_mailbox`` (function): a fresh mailbox address on that Dovecot, the one the
  authorization server signs in; the ``FOLLOWUP_OAUTH_*`` variables point at it (provider ``testidp``).

Set ``FOLLOWUP_KEEP_TEST_SERVICES=1`` to keep Dovecot's temp dir (config, log, Maildirs)
after the session for debugging; its path is printed in the header of the test run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from typing import Iterable

import pytest

from tests.services.dovecot import DovecotServer, DovecotStartError, DovecotUnavailable, OAuth2Dovecot
from tests.services.oauth_server import OAuthServer
from tests.services.redis_server import RedisForTests, RedisUnavailable, acquire_redis
from tests.services.tcp_proxy import CuttingProxy

_user_numbers = itertools.count(1)


@dataclass
class ImapUser:
    """A user on the test Dovecot: what a test needs to point the product at it."""

    name: str
    password: str
    server: DovecotServer

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def ssl_port(self) -> int:
        return self.server.ssl_port

    def client(self, **kwargs):
        """A logged-in ``imapclient.IMAPClient``; log it out (or use ``with``)."""
        return self.server.client(self.name, **kwargs)

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[bytes | str] = (),
        msg_time: dt.datetime | None = None,
    ) -> int | None:
        """APPEND one message; return its UID."""
        return self.server.append(self.name, folder, raw, flags=flags, msg_time=msg_time)

    def append_many(self, folder: str, messages: Iterable[bytes | dict], batch: int = 500) -> list[int]:
        """MULTIAPPEND many messages; return their UIDs in order."""
        return self.server.append_many(self.name, folder, messages, batch=batch)

    def create_folder(self, folder: str) -> None:
        self.server.create_folder(self.name, folder)

    def delete_folder(self, folder: str) -> None:
        self.server.delete_folder(self.name, folder)


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server on free loopback ports for the whole test session."""
    root = tempfile.mkdtemp(prefix="followup-dovecot-")
    try:
        server = DovecotServer(root).start()
    except (DovecotUnavailable, DovecotStartError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        if not os.environ.get("FOLLOWUP_KEEP_TEST_SERVICES"):
            shutil.rmtree(root, ignore_errors=True)


@dataclass
class OAuthIdP:
    server: OAuthServer
    dovecot: OAuth2Dovecot


OAUTH_PROVIDER = "testidp"
"""The generic provider's name the oauth fixtures configure (FOLLOWUP_OAUTH_TESTIDP_*)."""


@pytest.fixture(scope="session")
def oauth_idp():
    server = OAuthServer().start()
    root = tempfile.mkdtemp(prefix="followup-dovecot-oauth-")
    imap = OAuth2Dovecot(root)
    imap.introspection_url = server.url + "/introspect"
    try:
        imap.start()
    except (DovecotUnavailable, DovecotStartError) as exc:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield OAuthIdP(server, imap)
    finally:
        imap.stop()
        server.stop()
        if not os.environ.get("FOLLOWUP_KEEP_TEST_SERVICES"):
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def oauth_mailbox(oauth_idp, monkeypatch) -> str:
    address = f"user{next(_user_numbers)}-{secrets.token_hex(3)}@example.com"
    oauth_idp.dovecot.add_user(address, secrets.token_urlsafe(12))  # the password is never used
    oauth_idp.server.user = address
    oauth_idp.server.redirect_uris = ["http://127.0.0.1:5000/oauth/callback"]
    for key, value in oauth_idp.server.provider_env(OAUTH_PROVIDER, oauth_idp.dovecot.host,
                                                    oauth_idp.dovecot.port).items():
        monkeypatch.setenv(key, value)
    return address


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    """A new user (name like ``user7-1a2b3c``, random password) with an empty mailbox."""
    name = f"user{next(_user_numbers)}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    dovecot.add_user(name, password)
    return ImapUser(name, password, dovecot)


@pytest.fixture(scope="session")
def redis_service():
    """The ``RedisForTests`` behind ``redis_url`` (a shared or a private server)."""
    try:
        handle: RedisForTests = acquire_redis()
    except RedisUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield handle
    finally:
        handle.release()


@pytest.fixture(scope="session")
def redis_url(redis_service: RedisForTests) -> str:
    """``redis://127.0.0.1:PORT/DB``: a database only this test session uses."""
    return redis_service.url


@pytest.fixture
def redis_conn(redis_service: RedisForTests):
    """A ``redis.Redis`` on the session's test database, emptied before the test."""
    redis_service.flush()
    conn = redis_service.connection()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def cutting_proxy():
    """Factory: ``cutting_proxy(host, port, cut_after_bytes=…, cut_connections=…)``."""
    proxies: list[CuttingProxy] = []

    def make(target_host: str, target_port: int, cut_after_bytes=None, **kwargs) -> CuttingProxy:
        proxy = CuttingProxy(target_host, target_port, cut_after_bytes, **kwargs)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


def pytest_report_header(config):
    if os.environ.get("FOLLOWUP_KEEP_TEST_SERVICES"):
        return f"test services kept under {tempfile.gettempdir()}/followup-dovecot-*"
    return None

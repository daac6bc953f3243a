"""Fixtures every layer may use.

- ``_sqlite_template`` (session): an upgraded SQLite database copied for each test.
- ``web_rt``, ``app``, ``client``, ``rep``: the web app on a fresh SQLite database, the
  Flask test client that carries the CSRF token, and a user with one thread and one task.
- ``served``: that app on a real loopback HTTP server (integration and e2e tests; a unit
  test refuses the network).
- The real services (Dovecot, Redis, the cutting TCP proxy) come from the plugin
  tests/services/fixtures.py; they start only when a test asks for them.

Each layer adds its own in its conftest.py: tests/unit (no services), tests/integration
(the databases on SQLite and PostgreSQL), tests/e2e (Chromium).
"""

from __future__ import annotations

import pytest

from tests.rows import add_account, add_contact, add_task, add_thread, add_user
from tests.runtimes import sqlite_runtime
from tests.services.databases import SqliteTemplate
from tests.web_client import WebClient, make_app, serving

pytest_plugins = ["tests.services.fixtures"]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def web_rt(tmp_path, _sqlite_template):
    """A runtime on a fresh SQLite database (most web tests need only one database)."""
    rt = sqlite_runtime(tmp_path, _sqlite_template)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def app(web_rt):
    return make_app(web_rt)


@pytest.fixture
def client(app):
    return WebClient(app.test_client())


@pytest.fixture
def served(app):
    """The app on a real HTTP server on loopback (cookies, redirects, generated requests): its base URL."""
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def rep(web_rt):
    """A user with an import-only account, one thread and one open follow-up."""
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    contact = add_contact(web_rt, account)
    thread, messages = add_thread(web_rt, account, messages=[
        {"direction": "inbound", "label": "inquiry", "confidence": 0.91, "needs_reply": True,
         "body_text": "Hello, could you send me a price for 500 chairs?",
         "evidence": [{"kind": "request", "text": "could you", "start": 7, "end": 16},
                      {"kind": "price", "text": "price", "start": 29, "end": 34}]},
        {"direction": "outbound", "from_addr": "rep@example.com", "from_name": "Rita Rep",
         "body_text": "Here is the quote.", "quoted_text": "> Hello, could you send me a price"},
    ])
    task = add_task(web_rt, account, thread, messages[0], contact=contact)
    return {"user": user, "account": account, "thread": thread, "messages": messages, "task": task,
            "contact": contact}

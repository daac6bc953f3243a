"""Fixtures and row factories shared by the tests of the web UI (tests/test_web_*.py).

Test data is inserted as model rows directly, so the pages are tested independently of
the sync, the classifier and detection.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session
from werkzeug.serving import make_server

from followup.bootstrap import Runtime
from followup.db.accounts import create_account
from followup.db.session import make_engine
from followup.db.models import Contact, FollowUpTask, Message, Thread
from followup.domain.vocabulary import TaskKind, TaskStatus
from followup.config import load_settings
from followup.db.users import create_user
from tests.conftest import TEST_SECRET_KEY

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday
PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sqlite_runtime(tmp_path, template) -> Runtime:
    env = {
        "FOLLOWUP_DATA_DIR": str(tmp_path / "data"),
        "FOLLOWUP_DATABASE_URL": template.fresh_url(tmp_path),
        "FOLLOWUP_SECRET_KEY": TEST_SECRET_KEY,
    }
    settings = load_settings(env)
    return Runtime(settings=settings, engine=make_engine(settings.database_url))


@pytest.fixture
def web_rt(tmp_path, _sqlite_template):
    """A runtime on a fresh SQLite database (most web tests need only one database)."""
    rt = sqlite_runtime(tmp_path, _sqlite_template)
    yield rt
    rt.engine.dispose()


def make_app(rt: Runtime, **config):
    from web import create_app

    return create_app(rt, {"TESTING": True, "FOLLOWUP_NOW": NOW, "FOLLOWUP_START_SYNC": False, **config})


@pytest.fixture
def app(web_rt):
    return make_app(web_rt)


class WebClient:
    """The Flask test client plus what a browser does: carry the CSRF token of the page."""

    def __init__(self, client) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        match = CSRF_FIELD.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def login(self, email, password=PASSWORD):
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        # As a browser does: the page after sign-in carries the new session's CSRF token.
        self.get(response.headers["Location"])
        return response


@pytest.fixture
def client(app):
    return WebClient(app.test_client())


@pytest.fixture
def served(app):
    """The app on a real HTTP server on loopback (cookies, redirects, generated requests): its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def db(rt: Runtime) -> Session:
    return Session(rt.engine, expire_on_commit=False)


def add_user(rt, email="rep@example.com", *, team=None, lead=False, name=""):
    with db(rt) as session:
        user = create_user(session, email, PASSWORD, team_name=team, lead=lead, display_name=name)
        session.commit()
        return user


def add_account(rt, user, *, address=None, imap_host=None, password=None, **kw):
    with db(rt) as session:
        account = create_account(
            session, TEST_SECRET_KEY, user=user, addresses=[address or user.email],
            imap_host=imap_host, login=user.email if imap_host else None, password=password, **kw,
        )
        session.commit()
        return account


def add_thread(rt, account, subject="Quote for 500 chairs", messages=()):
    """A thread with messages given as dicts of Message fields (sent_at defaults apart)."""
    with db(rt) as session:
        thread = Thread(account_id=account.id, subject=subject, message_count=len(messages))
        session.add(thread)
        session.flush()
        rows = []
        for i, fields in enumerate(messages or [{}]):
            fields = dict(fields)
            fields.setdefault("sent_at", NOW - timedelta(days=6 - i))
            fields.setdefault("from_addr", "buyer@customer.example")
            fields.setdefault("from_name", "Bea Buyer")
            fields.setdefault("body_text", "Hello, could you send me a price for 500 chairs?")
            message = Message(
                account_id=account.id, thread_id=thread.id,
                message_id_header=f"m{thread.id}-{i}@test", content_hash=f"h{thread.id}-{i}",
                subject=subject, **fields,
            )
            session.add(message)
            rows.append(message)
        session.flush()
        thread.first_message_at = rows[0].sent_at
        thread.last_message_at = rows[-1].sent_at
        session.commit()
        return thread, rows


def add_task(rt, account, thread=None, message=None, *, kind=TaskKind.AWAITING_REPLY,
             status=TaskStatus.OPEN, nudge="No reply in 5 days — Bea Buyer", due=None, priority=1,
             assignee=None, team_id=None, contact=None, key=None, **kw):
    with db(rt) as session:
        task = FollowUpTask(
            account_id=account.id, user_id=account.user_id, team_id=team_id,
            thread_id=thread.id if thread else None, trigger_message_id=message.id if message else None,
            contact_id=contact.id if contact else None,
            key=key or f"{kind}:thread:{thread.id if thread else id(object())}",
            kind=kind, status=status, due_at=due or NOW - timedelta(days=1), priority=priority,
            assignee_id=assignee.id if assignee else None, nudge=nudge, reason=kw.pop("reason", ""), **kw,
        )
        session.add(task)
        session.commit()
        return task


def add_contact(rt, account, email="buyer@customer.example", name="Bea Buyer", company="Customer Ltd"):
    with db(rt) as session:
        contact = Contact(account_id=account.id, email=email, name=name, company=company)
        session.add(contact)
        session.commit()
        return contact


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

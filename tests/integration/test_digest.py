"""The daily digest delivered to a real SMTP server (aiosmtpd): once a day per user even when
two senders race, a failed send frees the day, and the sends at each user's local morning
(its content and planning alone: tests/unit/test_digest.py)."""

from __future__ import annotations

import dataclasses
import socket
import threading
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlmodel import select

from followup.bootstrap import Runtime
from followup.cli.main import main
from followup.db.models import DigestSent, User
from followup.db.session import session_scope
from followup.domain.vocabulary import TaskKind, TaskStatus
from followup.nudges.digest_mail import DigestError, send_digest
from followup.worker.schedule import InlineTimer
from tests.rows import add_account, add_contact, add_task, add_thread, add_user

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=timezone.utc)  # 08:30 in Paris, 03:30 in New York
BASE = "https://followup.example.com"


# ---- content (pure) ------------------------------------------------------------------


# ---- a real SMTP server ----------------------------------------------------------------


class Inbox:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"digest", b"s3cret")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=inbox.authenticate,
                            auth_require_tls=False)
    controller.start()
    inbox.url = f"smtp://digest:s3cret@127.0.0.1:{controller.port}?from=digest@followup.example.com"
    yield inbox
    controller.stop()


@pytest.fixture
def mail_rt(runtime, smtp_server, monkeypatch) -> Runtime:
    monkeypatch.setenv("FOLLOWUP_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("FOLLOWUP_BASE_URL", BASE)
    return Runtime(settings=dataclasses.replace(runtime.settings, smtp_url=smtp_server.url, base_url=BASE),
                   engine=runtime.engine)


def seed(rt, email="rep@example.com", zone="Europe/Paris", name="Rita Rep"):
    user = add_user(rt, email, name=name)
    with session_scope(rt.engine) as session:
        row = session.get(User, user.id)
        row.timezone = zone
    account = add_account(rt, user)
    contact = add_contact(rt, account)
    quote, quote_msgs = add_thread(rt, account, "Quote for 500 chairs")
    broken, broken_msgs = add_thread(rt, account, "Broken <legs> & scratches")
    later, later_msgs = add_thread(rt, account, "Catalogue")
    add_task(rt, account, quote, quote_msgs[0], contact=contact, nudge="No reply from Bea Buyer in 5 days",
             due=NOW - timedelta(days=1), priority=1)
    add_task(rt, account, broken, broken_msgs[0], kind=TaskKind.COMPLAINT, priority=5,
             nudge="Complaint from Bea Buyer: needs an owner", due=NOW - timedelta(hours=3))
    add_task(rt, account, later, later_msgs[0], kind=TaskKind.NEEDS_REPLY, nudge="Not due yet",
             due=NOW + timedelta(days=3))
    add_task(rt, account, later, later_msgs[0], kind=TaskKind.NEEDS_REPLY, key="done-one",
             nudge="Already done", status=TaskStatus.DONE)
    return user


def test_digest_arrives_once_with_grouped_nudges_and_not_when_empty(mail_rt, smtp_server):
    user = seed(mail_rt)
    idle = add_user(mail_rt, "idle@example.com")

    first = send_digest(mail_rt, user.id, NOW)
    second = send_digest(mail_rt, user.id, NOW + timedelta(hours=1))
    nothing = send_digest(mail_rt, idle.id, NOW)

    assert (first.status, first.task_count, first.day) == ("sent", 2, date(2026, 3, 10))
    assert second.status == "already_sent" and nothing.status == "empty"
    assert len(smtp_server.messages) == 1 and smtp_server.logins == ["digest"]
    rcpt, message = smtp_server.messages[0]
    assert rcpt == ["rep@example.com"]
    assert message["Subject"] == "2 follow-ups for Tue, Mar 10, 2026"
    assert message["From"] == "Follow-ups <digest@followup.example.com>"
    assert message["To"] == "Rita Rep <rep@example.com>" and message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.index("Complaints that need an owner (1)") < text.index("Complaint from Bea Buyer: needs an owner") \
        < text.index("No reply yet (1)") < text.index("No reply from Bea Buyer in 5 days")
    assert "Not due yet" not in text and "Already done" not in text
    assert f"{BASE}/tasks/" in text and "Bea Buyer <buyer@customer.example>" in text
    assert "Broken &lt;legs&gt; &amp; scratches" in html and "<legs>" not in html
    with session_scope(mail_rt.engine) as session:
        rows = {(r.user_id, r.day, r.task_count) for r in session.exec(select(DigestSent))}
    assert rows == {(user.id, date(2026, 3, 10), 2), (idle.id, date(2026, 3, 10), 0)}

    # The next local day is a new digest.
    assert send_digest(mail_rt, user.id, NOW + timedelta(days=1)).status == "sent"
    assert len(smtp_server.messages) == 2


def test_two_senders_racing_send_one_digest(mail_rt, smtp_server):
    user = seed(mail_rt)
    barrier = threading.Barrier(4)
    results = []

    def race():
        barrier.wait()
        results.append(send_digest(mail_rt, user.id, NOW).status)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_sent"] * 3 + ["sent"]
    assert len(smtp_server.messages) == 1


def test_a_failed_send_frees_the_day_for_a_retry(mail_rt, smtp_server):
    user = seed(mail_rt)
    broken = Runtime(settings=dataclasses.replace(mail_rt.settings, smtp_url=f"smtp://127.0.0.1:{free_port()}"),
                     engine=mail_rt.engine)
    with pytest.raises(DigestError, match="FOLLOWUP_SMTP_URL: cannot send to 127.0.0.1"):
        send_digest(broken, user.id, NOW)
    with session_scope(mail_rt.engine) as session:
        assert session.exec(select(DigestSent)).all() == []
    assert send_digest(mail_rt, user.id, NOW).status == "sent"


def test_a_bad_smtp_port_is_refused_before_the_day_is_claimed(mail_rt, smtp_server):
    user = seed(mail_rt)
    bad_port = Runtime(settings=dataclasses.replace(mail_rt.settings, smtp_url="smtp://u:SMTPPASS@127.0.0.1:99999"),
                       engine=mail_rt.engine)
    with pytest.raises(DigestError, match="FOLLOWUP_SMTP_URL") as error:
        send_digest(bad_port, user.id, NOW)
    assert "SMTPPASS" not in str(error.value)
    with session_scope(mail_rt.engine) as session:
        assert session.exec(select(DigestSent)).all() == []
    assert send_digest(mail_rt, user.id, NOW).status == "sent" and len(smtp_server.messages) == 1


def test_digest_send_to_a_closed_port_is_one_line_and_the_next_run_sends(mail_rt, smtp_server, app_env):
    from tests.integration.cli_process import run

    seed(mail_rt)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"smtp://digest:s3cret@127.0.0.1:{s.getsockname()[1]}"
    env = {**app_env, "FOLLOWUP_BASE_URL": BASE}
    failed = run(["digest", "send", "--now", NOW.isoformat()], {**env, "FOLLOWUP_SMTP_URL": closed})
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines() == [
        f"Error: FOLLOWUP_SMTP_URL: cannot send to {closed.rpartition('@')[2]}: [Errno 111] Connection refused"]
    sent = run(["digest", "send", "--now", NOW.isoformat()], {**env, "FOLLOWUP_SMTP_URL": smtp_server.url})
    assert sent.returncode == 0, sent.stderr
    assert "rep@example.com: sent 2 follow-ups (2026-03-10)" in sent.stdout and len(smtp_server.messages) == 1


def test_digest_send_command(mail_rt, smtp_server):
    seed(mail_rt)
    add_user(mail_rt, "off@example.com")
    with session_scope(mail_rt.engine) as session:
        session.exec(select(User).where(User.email == "off@example.com")).one().digest_enabled = False
    cli = CliRunner()
    now = NOW.isoformat()

    dry = cli.invoke(main, ["digest", "send", "--user", "REP@example.com", "--now", now, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Subject: 2 follow-ups for Tue, Mar 10, 2026" in dry.output and "No reply from Bea Buyer" in dry.output
    assert smtp_server.messages == []

    sent = cli.invoke(main, ["digest", "send", "--now", now])
    assert sent.exit_code == 0, sent.output
    assert "rep@example.com: sent 2 follow-ups (2026-03-10)" in sent.output and "off@example.com" not in sent.output
    again = cli.invoke(main, ["digest", "send", "--now", now, "--json"])
    assert '"status": "already_sent"' in again.output
    assert len(smtp_server.messages) == 1
    unknown = cli.invoke(main, ["digest", "send", "--user", "nobody@example.com"])
    assert unknown.exit_code != 0 and "no user" in unknown.output


# ---- planning at each user's local morning ---------------------------------------------


def test_inline_timer_sends_each_user_their_digest_at_their_morning(mail_rt, smtp_server):
    seed(mail_rt, "paris@example.com", "Europe/Paris")
    seed(mail_rt, "ny@example.com", "America/New_York")
    timer = InlineTimer(mail_rt)

    timer.send_digests(datetime(2026, 3, 10, 7, 5, tzinfo=timezone.utc))
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["paris@example.com"]]
    timer.send_digests(datetime(2026, 3, 10, 7, 6, tzinfo=timezone.utc))
    assert len(smtp_server.messages) == 1
    timer.send_digests(datetime(2026, 3, 10, 12, 1, tzinfo=timezone.utc))
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["paris@example.com"], ["ny@example.com"]]


def test_digest_send_due_sends_only_to_users_whose_morning_has_come(mail_rt, smtp_server):
    seed(mail_rt, "paris@example.com", "Europe/Paris")
    seed(mail_rt, "ny@example.com", "America/New_York")
    result = CliRunner().invoke(main, ["digest", "send", "--due", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output == "paris@example.com: sent 2 follow-ups (2026-03-10)\n"
    later = CliRunner().invoke(main, ["digest", "send", "--due", "--now", (NOW + timedelta(minutes=5)).isoformat()])
    assert later.output == "no digest is due\n"
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["paris@example.com"]]


def test_tick_queues_each_due_digest_once_and_a_worker_sends_it(mail_rt, smtp_server, redis_conn, redis_url,
                                                                 monkeypatch):
    from rq import Queue, SimpleWorker

    from followup.worker.schedule import tick

    monkeypatch.setenv("FOLLOWUP_REDIS_URL", redis_url)
    paris = seed(mail_rt, "paris@example.com", "Europe/Paris")
    seed(mail_rt, "ny@example.com", "America/New_York")
    at = "2026-03-10T07:05:00+00:00"

    first, second = tick(now=at), tick(now=at)  # two schedulers firing in the same minute

    assert first["due_digests"] == [paris.id] and first["enqueued_digests"] == [paris.id]
    assert second["due_digests"] == [paris.id] and second["enqueued_digests"] == []
    SimpleWorker([Queue("default", connection=redis_conn)], connection=redis_conn).work(burst=True)
    assert [rcpt for rcpt, _ in smtp_server.messages] == [["paris@example.com"]]
    assert tick(now="2026-03-10T07:06:00+00:00")["due_digests"] == []

"""IMAP write-back against the real Dovecot: the keyword set and removed, the two-way path.

Every test runs on SQLite and on PostgreSQL with a fresh Dovecot user. Tasks are inserted
as rows (detection has its own tests) except in the end-to-end test, which goes through
sync → classify → detect → write-back as `followup sync` does.
"""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlmodel import select

from followup.cli.main import main
from followup.db.models import FollowUpTask, KeywordMark, MailAccount, Message, MessageLocation, TaskEvent
from followup.db.session import session_scope
from followup.nudges.writeback.keyword import DEFAULT_KEYWORD
from followup.tasks import dismiss_task
from followup.worker.jobs import sync_account, writeback
from inbox_sync.sync.reports import SyncOptions
from tests.integration.mailboxes import NOW, REP, append_quote_request, mail, make_account, server_flags, set_writeback

KW = DEFAULT_KEYWORD.encode()


def lasting(flags_by_uid: dict) -> dict:
    """The flags apart from the keyword and \\Recent (which belongs to the IMAP session)."""
    return {uid: set(flags) - {KW, b"\\Recent"} for uid, flags in flags_by_uid.items()}


def sync_only(rt, account_id):
    """The sync alone: no classifier, no detection, no write-back."""
    return sync_account(account_id, runtime=rt, options=SyncOptions(), process=False)


def open_task(rt, account_id, msgid, *, due=None, kind="needs_reply", key=None) -> int:
    with session_scope(rt.engine) as session:
        message = session.exec(select(Message).where(Message.account_id == account_id,
                                                     Message.message_id_header == msgid)).one()
        account = session.get(MailAccount, account_id)
        task = FollowUpTask(account_id=account_id, user_id=account.user_id, thread_id=message.thread_id,
                            trigger_message_id=message.id, key=key or f"{kind}:thread:{message.thread_id}",
                            kind=kind, due_at=due or NOW - dt.timedelta(hours=1), nudge="Answer Ann")
        session.add(task)
        session.flush()
        return task.id


def task(rt, task_id) -> FollowUpTask:
    with session_scope(rt.engine) as session:
        return session.get(FollowUpTask, task_id)


def events(rt, task_id) -> list[tuple[str, str]]:
    with session_scope(rt.engine) as session:
        return [(e.event, e.detail) for e in session.exec(
            select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id))]


def seed_thread(imap_user):
    """Ann's inquiry (read), the rep's answer (unread in Sent), Ann's follow-up question (unread)."""
    t0 = NOW - dt.timedelta(days=4)
    imap_user.append("INBOX", mail(frm="Ann <ann@client.com>", to=REP, subject="Chairs", when=t0,
                                   msgid="a1@client.com"), flags=[b"\\Seen"], msg_time=t0)
    t1 = NOW - dt.timedelta(days=3)
    imap_user.append("Sent", mail(frm=REP, to="ann@client.com", subject="Re: Chairs", when=t1,
                                  msgid="r1@example.com", in_reply_to="a1@client.com",
                                  body="Hi Ann, 40 euros each.\n"), flags=[b"\\Seen"], msg_time=t1)
    t2 = NOW - dt.timedelta(days=2)
    imap_user.append("INBOX", mail(frm="Ann <ann@client.com>", to=REP, subject="Re: Chairs", when=t2,
                                   msgid="a2@client.com", in_reply_to="r1@example.com",
                                   body="Thanks. Can you deliver by Friday?\n"), msg_time=t2)
    other = NOW - dt.timedelta(days=1)
    imap_user.append("INBOX", mail(frm="Bob <bob@client.com>", to=REP, subject="Tables", when=other,
                                   msgid="b1@client.com"), msg_time=other)


def test_keyword_goes_on_the_last_message_of_due_tasks_and_comes_off_when_closed(runtime, imap_user):
    seed_thread(imap_user)
    account_id = make_account(runtime, imap_user)
    sync_only(runtime, account_id)
    set_writeback(runtime, account_id)
    ann = open_task(runtime, account_id, "a1@client.com")
    later = open_task(runtime, account_id, "b1@client.com", due=NOW + dt.timedelta(days=2))  # not due yet
    before = server_flags(imap_user, "INBOX")

    report = writeback(account_id, runtime=runtime)

    assert (report.set, report.removed, report.stores) == (1, 0, 1)
    inbox = server_flags(imap_user, "INBOX")
    # UIDs 1, 2, 3: a1 (read), a2 (the thread's last message), b1 (a task not due yet).
    assert KW in inbox[2] and KW not in inbox[1] and KW not in inbox[3]
    assert KW not in b"".join(f for flags in server_flags(imap_user, "Sent").values() for f in flags)
    # Only the keyword changed: \Seen is where it was, on every message.
    assert lasting(inbox) == lasting(before)
    with session_scope(runtime.engine) as session:
        location = session.exec(select(MessageLocation).join(Message)
                                .where(Message.message_id_header == "a2@client.com")).one()
        assert DEFAULT_KEYWORD in location.flags and "\\Seen" not in location.flags
        marks = session.exec(select(KeywordMark)).all()
        assert [(m.task_id, m.location_id, m.via, m.flagged) for m in marks] == [(ann, location.id, "keyword", False)]

    # Idempotent: nothing changed, so nothing is sent and no connection is opened.
    again = writeback(account_id, runtime=runtime)
    assert (again.set, again.removed, again.stores, again.connected) == (0, 0, 0, False)

    # The later task comes due: its thread gets the keyword too.
    after = writeback(account_id, runtime=runtime, now=NOW + dt.timedelta(days=3))
    assert after.set == 1 and KW in server_flags(imap_user, "INBOX")[3]

    # Dismissed in the web UI: the keyword goes, \Seen stays as it was.
    with session_scope(runtime.engine) as session:
        dismiss_task(session, session.get(FollowUpTask, ann), None)
    closed = writeback(account_id, runtime=runtime, now=NOW + dt.timedelta(days=3))
    assert (closed.set, closed.removed) == (0, 1)
    inbox = server_flags(imap_user, "INBOX")
    assert KW not in inbox[2] and KW in inbox[3]
    assert lasting(inbox) == lasting(before)
    assert task(runtime, later).status == "open"

    # Write-back switched off: every keyword it set is taken off.
    set_writeback(runtime, account_id, on=False)
    off = writeback(account_id, runtime=runtime, now=NOW + dt.timedelta(days=3))
    assert off.removed == 1 and not any(KW in flags for flags in server_flags(imap_user, "INBOX").values())
    with session_scope(runtime.engine) as session:
        assert session.exec(select(KeywordMark)).all() == []


def test_removing_the_keyword_in_the_mail_client_marks_the_task_done(runtime, imap_user):
    seed_thread(imap_user)
    account_id = make_account(runtime, imap_user)
    sync_only(runtime, account_id)
    set_writeback(runtime, account_id)
    ann = open_task(runtime, account_id, "a1@client.com")
    bob = open_task(runtime, account_id, "b1@client.com")
    assert writeback(account_id, runtime=runtime).set == 2

    # The user, in their own mail client: removes the keyword from Ann's thread, flags Bob's.
    with imap_user.client() as client:
        client.select_folder("INBOX")
        client.remove_flags([2], [DEFAULT_KEYWORD], silent=True)
        client.add_flags([3], ["\\Flagged"], silent=True)
    report = sync_only(runtime, account_id)
    assert sum(f.flags_updated for f in report.folders) == 2  # CONDSTORE: only the changed flags

    back = writeback(account_id, runtime=runtime)

    assert back.done_in_client == 2
    assert task(runtime, ann).status == "done" and task(runtime, bob).status == "done"
    assert events(runtime, ann)[-1] == ("done", f"done in mail client: the {DEFAULT_KEYWORD} keyword was removed")
    assert events(runtime, bob)[-1] == ("done", "done in mail client: the message was flagged")
    # Bob's keyword is taken off now that the task is done; his \Flagged stays, nothing is \Seen.
    inbox = server_flags(imap_user, "INBOX")
    assert KW not in inbox[2] and KW not in inbox[3] and b"\\Flagged" in inbox[3]
    assert b"\\Seen" not in inbox[2] and b"\\Seen" not in inbox[3]
    with session_scope(runtime.engine) as session:
        assert session.exec(select(KeywordMark)).all() == []
    # Nothing more happens on the next round.
    sync_only(runtime, account_id)
    quiet = writeback(account_id, runtime=runtime)
    assert (quiet.done_in_client, quiet.set, quiet.removed) == (0, 0, 0)


def test_sync_with_writeback_end_to_end_and_account_update_command(runtime, imap_user):
    """`followup account update --writeback --keyword`, then sync → detect → keyword; a reply takes it off."""
    append_quote_request(imap_user)
    account_id = make_account(runtime, imap_user)
    cli = CliRunner()
    result = cli.invoke(main, ["account", "update", str(account_id), "--writeback", "--keyword", "Follow_Up"],
)
    assert result.exit_code == 0, result.output
    assert "write-back on (keyword Follow_Up)" in result.output
    bad = cli.invoke(main, ["account", "update", str(account_id), "--keyword", "two words"])
    assert bad.exit_code != 0 and "not a valid IMAP keyword" in bad.output

    first = sync_account(account_id, runtime=runtime)

    assert first.pipeline["detection"]["opened"] >= 1
    assert first.pipeline["nudges"]["writeback"]["set"] == 1
    assert b"Follow_Up" in server_flags(imap_user, "INBOX")[1]
    assert b"\\Seen" not in server_flags(imap_user, "INBOX")[1]

    # The rep answers from their mail client: the task resolves, the keyword goes.
    replied = NOW - dt.timedelta(hours=1)
    imap_user.append("Sent", mail(frm=REP, to="ann@client.com", subject="Re: Quote for 40 chairs", when=replied,
                                  msgid="r1@example.com", in_reply_to="q1@client.com",
                                  body="Hi Ann,\n\nThe quote is attached.\n"), msg_time=replied)
    second = sync_account(account_id, runtime=runtime)
    assert second.pipeline["detection"]["resolved"] >= 1
    assert second.pipeline["nudges"]["writeback"]["removed"] == 1
    assert b"Follow_Up" not in server_flags(imap_user, "INBOX")[1]

    off = cli.invoke(main, ["account", "update", str(account_id), "--no-writeback", "--json"])
    assert off.exit_code == 0 and '"writeback": false' in off.output


def test_two_tasks_on_one_thread_share_the_keyword_until_both_close(runtime, imap_user):
    seed_thread(imap_user)
    account_id = make_account(runtime, imap_user)
    sync_only(runtime, account_id)
    set_writeback(runtime, account_id)
    reply = open_task(runtime, account_id, "a1@client.com", kind="needs_reply")
    complaint = open_task(runtime, account_id, "a2@client.com", kind="complaint")
    assert writeback(account_id, runtime=runtime).set == 1  # one message, one STORE, two marks

    with session_scope(runtime.engine) as session:
        dismiss_task(session, session.get(FollowUpTask, reply), None)
    first = writeback(account_id, runtime=runtime)
    assert (first.removed, first.connected) == (0, False) and KW in server_flags(imap_user, "INBOX")[2]
    with session_scope(runtime.engine) as session:
        assert [m.task_id for m in session.exec(select(KeywordMark))] == [complaint]

    with session_scope(runtime.engine) as session:
        dismiss_task(session, session.get(FollowUpTask, complaint), None)
    assert writeback(account_id, runtime=runtime).removed == 1
    assert KW not in server_flags(imap_user, "INBOX")[2]


def test_writeback_as_an_rq_job_under_the_sync_lock(runtime, imap_user, redis_conn, redis_url, monkeypatch):
    from rq import Queue, SimpleWorker

    from followup.worker.lock import redis_lock
    from followup.worker.queues import enqueue_writeback

    monkeypatch.setenv("FOLLOWUP_REDIS_URL", redis_url)
    seed_thread(imap_user)
    account_id = make_account(runtime, imap_user)
    sync_only(runtime, account_id)
    set_writeback(runtime, account_id)
    open_task(runtime, account_id, "a1@client.com")
    worker = SimpleWorker([Queue("default", connection=redis_conn)], connection=redis_conn)

    # A sync holds the account's lock on another machine: the job fails (rq retries it later).
    with redis_lock(redis_conn, f"followup:lock:sync:{account_id}", "sync-account-elsewhere"):
        job = enqueue_writeback(redis_conn, account_id)
        worker.work(burst=True)
    assert job.get_status(refresh=True) in ("failed", "scheduled")
    assert KW not in server_flags(imap_user, "INBOX")[2]

    job.delete()
    enqueue_writeback(redis_conn, account_id)
    worker.work(burst=True)
    assert KW in server_flags(imap_user, "INBOX")[2]

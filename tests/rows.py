"""Row factories: test data inserted as model rows directly, so that pages, digests and
webhooks are tested independently of the sync, the classifier and detection."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session

from followup.bootstrap import Runtime
from followup.db.accounts import create_account
from followup.db.models import Contact, FollowUpTask, Message, Thread
from followup.db.session import session_scope
from followup.db.users import create_user
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.runtimes import TEST_SECRET_KEY

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday
PASSWORD = "correct horse battery"


def db(rt: Runtime) -> Session:
    return Session(rt.engine, expire_on_commit=False)


def add_user(rt, email="rep@example.com", *, team=None, lead=False, name=""):
    with db(rt) as session:
        user = create_user(session, email, PASSWORD, team_name=team, lead=lead, display_name=name,
                           hash_method=rt.settings.password_hash)
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


def add_support_team(rt):
    """A Support team (lead, member, other) and an outsider, each member with a complaint task;
    `other` also has an answered one. Returns (lead, member, other, outsider, tasks by subject)."""
    lead = add_user(rt, "lead@example.com", team="Support", lead=True, name="Lena Lead")
    member = add_user(rt, "member@example.com", team="Support", name="Max Member")
    other = add_user(rt, "other@example.com", team="Support", name="Olga Other")
    outsider = add_user(rt, "outsider@example.com", team="Elsewhere", name="Oscar Outsider")
    tasks = {}
    for user, subject in ((member, "Broken table"), (other, "Late delivery"), (outsider, "Outsider's complaint")):
        account = add_account(rt, user)
        thread, messages = add_thread(rt, account, subject, messages=[{"label": "complaint"}])
        tasks[subject] = add_task(rt, account, thread, messages[0], kind=TaskKind.COMPLAINT,
                                  nudge=f"Complaint: {subject}", team_id=user.team_id, priority=3,
                                  due=NOW + timedelta(hours=5))
    account = add_account(rt, other, address="other2@example.com")
    thread, _ = add_thread(rt, account, "Refund given")
    tasks["answered"] = add_task(rt, account, thread, kind=TaskKind.COMPLAINT, status=TaskStatus.RESOLVED,
                                 closed_at=NOW - timedelta(days=1), team_id=other.team_id, nudge="answered")
    return lead, member, other, outsider, tasks


def add_import_account(engine, address="rep@acme.test") -> int:
    """A user with an import-only account (no IMAP login) on `engine`: the account id."""
    with session_scope(engine) as session:
        user = create_user(session, address, "a good password")
        return create_account(session, "k" * 32, user=user, addresses=[address],
                              internal_domains=["acme.test"]).id

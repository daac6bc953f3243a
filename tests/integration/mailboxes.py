"""Mail on the test Dovecot and accounts that point at it, for the sync, job and
write-back tests: messages built with the standard library, an account per Dovecot user,
a sync run in process, counts of what was stored."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from sqlmodel import func, select

from followup.db.accounts import create_account
from followup.db.models import FollowUpTask, MailAccount, User
from followup.db.session import session_scope
from followup.domain.vocabulary import TaskKind
from followup.db.users import create_user
from followup.worker.jobs import sync_account
from inbox_sync.sync.reports import SyncOptions, SyncReport

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
REP = "rep@example.com"
OWNER_PASSWORD = "a long password"  # of the user make_account creates


def mail(*, frm: str, to: str, subject: str, when: dt.datetime, msgid: str,
         in_reply_to: str | None = None, body: str = "Hello,\n\nCould you send me a quote?\n") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, to, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{msgid}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def inbound(n: int, days_ago: float = 3, subject: str | None = None) -> tuple[bytes, dt.datetime]:
    when = NOW - dt.timedelta(days=days_ago)
    raw = mail(frm=f"Customer {n} <customer{n}@client.com>", to=REP, subject=subject or f"Inquiry {n}",
               when=when, msgid=f"in-{n}@client.com", body=f"Hello,\n\nWhat does item {n} cost?\n")
    return raw, when


def make_account(rt, imap_user, *, port: int | None = None, host: str | None = None,
                 security: str = "none", password: str | None = None, since: dt.date | None = None,
                 email: str = "owner@example.com") -> int:
    with session_scope(rt.engine) as session:
        user = session.exec(select(User).where(User.email == email)).first() or create_user(
            session, email, OWNER_PASSWORD)
        account = create_account(
            session, rt.settings.secret_key, user=user, addresses=[REP], internal_domains=["example.com"],
            imap_host=host or imap_user.host, imap_port=port or imap_user.port, security=security,
            login=imap_user.name, password=password or imap_user.password, sync_since=since,
        )
        return account.id


def run_sync(rt, account_id: int, **options) -> SyncReport:
    return sync_account(account_id, runtime=rt, options=SyncOptions(**options))


def count(rt, model, *where) -> int:
    with session_scope(rt.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def server_flags(imap_user, folder: str) -> dict[int, tuple]:
    with imap_user.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}


def fill(imap_user, n: int, prefix: str = "m") -> None:
    when = NOW - dt.timedelta(days=2)
    imap_user.server.append_many(imap_user.name, "INBOX", [
        {"msg": mail(frm=f"Buyer {i} <buyer{i}@client.com>", to=REP, subject=f"Question {i}",
                     when=when, msgid=f"{prefix}{i}@client.com"), "date": when}
        for i in range(n)
    ])


def set_writeback(rt, account_id, on=True, keyword=None):
    with session_scope(rt.engine) as session:
        account = session.get(MailAccount, account_id)
        account.writeback = on
        if keyword:
            account.writeback_keyword = keyword


def append_quote_request(imap_user) -> None:
    """Ann's request for a quote, four days old: it needs a reply, so detection opens a task."""
    asked = NOW - dt.timedelta(days=4)
    imap_user.append("INBOX", mail(frm="Ann Buyer <ann@client.com>", to=REP, subject="Quote for 40 chairs",
                                   when=asked, msgid="q1@client.com",
                                   body="Hello,\n\nCould you send me a quote for 40 chairs by Friday?\n"),
                     msg_time=asked)


def drafts(imap_user, folder="Drafts") -> list[tuple[set, EmailMessage]]:
    """The messages in the folder (not flagged \\Deleted): their flags and parsed mail."""
    with imap_user.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search(["NOT", "DELETED"])
        found = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
    return [({f.decode() for f in data[b"FLAGS"]}, email.message_from_bytes(data[b"BODY[]"], policy=policy.default))
            for _uid, data in sorted(found.items())]


def needs_reply_task(rt, account_id) -> FollowUpTask:
    """The one needs-reply follow-up detection opened on the account (append_quote_request's)."""
    with session_scope(rt.engine) as session:
        return session.exec(select(FollowUpTask).where(FollowUpTask.account_id == account_id,
                                                       FollowUpTask.kind == TaskKind.NEEDS_REPLY)).one()

"""Sending the daily digest: the once-a-day claim, the mail, and SMTP.

`send_digest(rt, user_id, now)`:

1. reads the user's due tasks and builds the content (`followup.nudges.digest.build_digest`);
2. claims the user's local day: inserts a `DigestSent` row and commits. Its unique key
   (user, day) decides between two schedulers or two workers: the loser gets an
   IntegrityError and sends nothing. A day with nothing due is claimed too (task_count 0,
   no mail): the morning's check is done and is not repeated every minute;
3. sends the mail over SMTP with no transaction open. If sending fails, the claim is
   deleted again and the error raised, so the job runner retries it later. A crash between
   the claim and the send loses that day's digest rather than ever sending it twice.

``FOLLOWUP_SMTP_URL`` is ``smtp://`` (plain, port 25), ``smtp+starttls://`` (587) or
``smtps://`` (implicit TLS, 465), with ``user:password@`` when the server wants a login
(percent-encoded) and ``?from=digest@example.com`` for the sender (default: the login if
it is an address, else ``followup@`` the host of ``FOLLOWUP_BASE_URL``).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlparse

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from followup.bootstrap import Runtime
from followup.db.session import session_scope
from followup.nudges.digest import Digest, DigestTask, build_digest, local_day
from followup.db.models import DigestSent, MailAccount, User
from followup.config import masked_url
from followup.tasks import list_open_tasks
from followup.db.types import utcnow
from followup.domain.vocabulary import SyncStatus
from followup.errors import FollowupError

SMTP_TIMEOUT = 30.0
"""Seconds to wait for the SMTP server at each step."""

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class DigestError(FollowupError, RuntimeError):
    """The digest cannot be sent as configured (no SMTP URL, unknown user)."""


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "followup@localhost"


def parse_smtp_url(url: str, base_url: str = "http://localhost") -> SmtpTarget:
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:
        port = 0
    if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname or port == 0:
        raise DigestError(f"FOLLOWUP_SMTP_URL: expected smtp://, smtp+starttls:// or smtps://HOST[:PORT], "
                          f"got {masked_url(url)!r}")
    username = unquote(parsed.username) if parsed.username else None
    password = unquote(parsed.password) if parsed.password else None
    sender = (parse_qs(parsed.query).get("from") or [""])[0]
    if not sender:
        sender = username if username and "@" in username else f"followup@{urlparse(base_url).hostname or 'localhost'}"
    return SmtpTarget(parsed.scheme, parsed.hostname, port or DEFAULT_PORTS[parsed.scheme],
                      username, password, sender)


def build_message(digest: Digest, sender: str, to_name: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("Follow-ups", sender))
    message["To"] = formataddr((to_name, digest.to)) if to_name else digest.to
    message["Subject"] = digest.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid("digest", domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def send_message(target: SmtpTarget, message: EmailMessage, timeout: float = SMTP_TIMEOUT) -> None:
    context = ssl.create_default_context()
    if target.scheme == "smtps":
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.scheme == "smtp+starttls":
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


# ---- one user --------------------------------------------------------------------------


@dataclass
class DigestOutcome:
    user_id: int
    email: str
    day: date
    status: str  # sent | empty | already_sent | dry_run
    task_count: int = 0
    digest: Digest | None = None

    def to_dict(self) -> dict:
        data = {"user": self.email, "day": self.day.isoformat(), "status": self.status,
                "tasks": self.task_count}
        if self.status == "dry_run" and self.digest is not None:
            data.update(subject=self.digest.subject, text=self.digest.text)
        return data


def digest_tasks(session, user: User, now: datetime) -> list[DigestTask]:
    """The user's open tasks (their accounts', and complaints handed to them), not others'."""
    account_ids = list(session.exec(select(MailAccount.id).where(MailAccount.user_id == user.id)))
    rows = {r.id: r for r in list_open_tasks(session, now, account_ids=account_ids)
            if r.assignee is None or r.assignee == user.email}
    rows.update({r.id: r for r in list_open_tasks(session, now, assignee_id=user.id)})
    return [
        DigestTask(id=r.id, kind=r.kind, priority=r.priority, due_at=r.due_at, nudge=r.nudge, subject=r.subject,
                   contact=(f"{r.contact_name} <{r.contact}>" if r.contact_name and r.contact else r.contact or ""))
        for r in rows.values()
    ]


def signin_needed(session, user: User) -> list[str]:
    """The user's mailboxes whose OAuth2 sign-in was refused (or disconnected): they no longer sync."""
    return list(session.exec(
        select(MailAccount.name).where(MailAccount.user_id == user.id,
                                       MailAccount.sync_status == SyncStatus.NEEDS_SIGNIN)
        .order_by(MailAccount.name)).all())


def send_digest(rt: Runtime, user_id: int, now: datetime | None = None, *, dry_run: bool = False) -> DigestOutcome:
    """Send the user's digest for their local day at `now`, once; see the module docstring."""
    now = now or utcnow()
    if not dry_run and not rt.settings.smtp_url:
        raise DigestError("FOLLOWUP_SMTP_URL is not set: the digest cannot be sent (try --dry-run)")
    target = None if dry_run else parse_smtp_url(rt.settings.smtp_url, rt.settings.base_url)
    with session_scope(rt.engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise DigestError(f"no user {user_id}")
        email, name, timezone = user.email, user.display_name, user.timezone
        digest = build_digest(to=email, name=name, timezone=timezone, tasks=digest_tasks(session, user, now),
                              base_url=rt.settings.base_url, now=now, signin_needed=signin_needed(session, user))
    day = local_day(now, timezone)
    outcome = DigestOutcome(user_id, email, day, "empty", digest.task_count if digest else 0, digest)
    if dry_run:
        outcome.status = "dry_run" if digest else "empty"
        return outcome
    if not _claim(rt, user_id, day, outcome.task_count):
        outcome.status = "already_sent"
        return outcome
    if digest is None:
        return outcome
    try:
        send_message(target, build_message(digest, target.sender, name))
    except BaseException as exc:
        with session_scope(rt.engine) as session:  # not sent: free the day for a retry
            session.execute(delete(DigestSent).where(DigestSent.user_id == user_id, DigestSent.day == day))
        if isinstance(exc, (OSError, smtplib.SMTPException)):
            raise DigestError(f"FOLLOWUP_SMTP_URL: cannot send to {target.host}:{target.port}: "
                              f"{exc}") from None
        raise
    outcome.status = "sent"
    return outcome


def _claim(rt: Runtime, user_id: int, day: date, task_count: int) -> bool:
    try:
        with session_scope(rt.engine) as session:
            session.add(DigestSent(user_id=user_id, day=day, task_count=task_count, sent_at=utcnow()))
            session.flush()
    except IntegrityError:
        return False
    return True

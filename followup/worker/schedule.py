"""What periodic work is due, and the two clocks that act on it.

`due_syncs` and `due_digests` are pure functions of the accounts' (users') state and
`now`. They are used by
`tick` (queued every minute by `followup scheduler`, rq's cron scheduler, and run by a
worker: it enqueues the due jobs with deterministic ids, so two schedulers firing
enqueue each job once) and by `InlineTimer` (a thread in `followup serve`/`demo` when no
Redis is configured: it runs the same work in the process).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import func, select

from followup.bootstrap import Runtime, bootstrap
from followup.db.session import session_scope
from followup.nudges.digest import zone
from followup.nudges.digest_mail import send_digest
from followup.worker.jobs import sync_account
from followup.worker.queues import connect, enqueue_digest, enqueue_sync
from followup.db.models import DigestSent, MailAccount, User
from followup.domain.vocabulary import SyncStatus
from followup.db.types import utcnow
from followup.errors import FollowupError

DEFAULT_SYNC_EVERY = timedelta(minutes=5)
DIGEST_WINDOW = timedelta(hours=4)
"""A digest is sent from the user's digest hour until this much later (a scheduler that was
down all morning does not send a "morning" digest at night)."""
TICK_SECONDS = 60

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountClock:
    account_id: int
    has_imap: bool
    sync_status: str
    last_sync_at: datetime | None


def due_syncs(accounts: list[AccountClock], now: datetime, every: timedelta) -> list[int]:
    """Accounts whose last sync is at least `every` old; a revoked login waits for the user."""
    return [
        a.account_id
        for a in accounts
        if a.has_imap
        and a.sync_status not in (SyncStatus.AUTH_FAILED, SyncStatus.NEEDS_SIGNIN, SyncStatus.SYNCING)
        and (a.last_sync_at is None or now - a.last_sync_at >= every)
    ]


def account_clocks(rt: Runtime) -> list[AccountClock]:
    with session_scope(rt.engine) as session:
        rows = session.exec(select(MailAccount.id, MailAccount.imap_host, MailAccount.sync_status,
                                   MailAccount.last_sync_at))
        return [AccountClock(i, bool(h), s, t) for i, h, s, t in rows]


@dataclass(frozen=True)
class DigestClock:
    user_id: int
    timezone: str
    enabled: bool
    hour: int
    last_day: date | None  # the latest local day whose digest is settled (DigestSent)


def due_digests(users: list[DigestClock], now: datetime, window: timedelta = DIGEST_WINDOW) -> list[tuple[int, date]]:
    """(user, local day) whose digest is due: their local morning has come, that day not done."""
    due = []
    for u in users:
        if not u.enabled:
            continue
        local = now.astimezone(zone(u.timezone))
        start = local.replace(hour=max(0, min(23, u.hour)), minute=0, second=0, microsecond=0)
        if start <= local < start + window and (u.last_day is None or u.last_day < local.date()):
            due.append((u.user_id, local.date()))
    return due


def digest_clocks(rt: Runtime) -> list[DigestClock]:
    with session_scope(rt.engine) as session:
        last = dict(session.exec(
            select(DigestSent.user_id, func.max(DigestSent.day)).group_by(DigestSent.user_id)).all())
        rows = session.exec(select(User.id, User.timezone, User.digest_enabled, User.digest_hour)
                            .where(User.is_active == True))  # noqa: E712
        return [DigestClock(i, tz or "UTC", bool(on), int(hour), last.get(i)) for i, tz, on, hour in rows]


def tick(now: str | None = None, sync_every_minutes: float = 5) -> dict:
    """Enqueue what is due (run by a worker; `now` as ISO 8601 for tests)."""
    rt = bootstrap()
    moment = datetime.fromisoformat(now) if now else utcnow()
    conn = connect(rt.settings)
    due = due_syncs(account_clocks(rt), moment, timedelta(minutes=sync_every_minutes))
    enqueued = [account_id for account_id in due if enqueue_sync(conn, account_id) is not None]
    digests = due_digests(digest_clocks(rt), moment) if rt.settings.smtp_url else []
    queued_digests = [user_id for user_id, day in digests if enqueue_digest(conn, user_id, day) is not None]
    return {"due_syncs": due, "enqueued_syncs": enqueued, "due_digests": [u for u, _ in digests],
            "enqueued_digests": queued_digests}


class InlineTimer(threading.Thread):
    """Periodic sync and digests inside one process, for the embedded default without Redis."""

    def __init__(self, rt: Runtime, every: timedelta = DEFAULT_SYNC_EVERY) -> None:
        super().__init__(daemon=True, name="followup-inline-timer")
        self.rt, self.every = rt, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(TICK_SECONDS):
            self.run_once(utcnow())

    def run_once(self, now: datetime) -> list[int]:
        """Sync the accounts that are due, then send due digests; returns the synced ids."""
        due = due_syncs(account_clocks(self.rt), now, self.every)
        for account_id in due:
            try:
                sync_account(account_id, runtime=self.rt)
            except FollowupError as exc:  # the mailbox's trouble (login, network, server): one line
                log.warning("inline sync of account %s failed: %s", account_id, exc)
            except Exception:  # a bug: its traceback; the timer stays alive either way
                log.exception("inline sync of account %s failed", account_id)
        if self.rt.settings.smtp_url:
            self.send_digests(now)
        return due

    def send_digests(self, now: datetime) -> None:
        for user_id, _day in due_digests(digest_clocks(self.rt), now):
            try:
                send_digest(self.rt, user_id, now)
            except Exception:  # not claimed: the next minute tries again
                log.exception("digest for user %s failed", user_id)

    def stop(self) -> None:
        self.stopped.set()

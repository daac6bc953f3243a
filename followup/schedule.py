"""What periodic work is due, and the two clocks that act on it.

`due_syncs` is a pure function of the accounts' state and `now`. It is used by
`tick` (queued every minute by `followup scheduler`, rq's cron scheduler, and run by a
worker: it enqueues the due jobs with deterministic ids, so two schedulers firing
enqueue each job once) and by `InlineTimer` (a thread in `followup serve`/`demo` when no
Redis is configured: it runs the same work in the process).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from followup.bootstrap import Runtime, bootstrap
from followups.db import session_scope
from followups.models import MailAccount, SyncStatus
from followups.types import utcnow

DEFAULT_SYNC_EVERY = timedelta(minutes=5)
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
        and a.sync_status not in (SyncStatus.AUTH_FAILED, SyncStatus.SYNCING)
        and (a.last_sync_at is None or now - a.last_sync_at >= every)
    ]


def account_clocks(rt: Runtime) -> list[AccountClock]:
    with session_scope(rt.engine) as session:
        rows = session.exec(select(MailAccount.id, MailAccount.imap_host, MailAccount.sync_status,
                                   MailAccount.last_sync_at))
        return [AccountClock(i, bool(h), s, t) for i, h, s, t in rows]


def tick(now: str | None = None, sync_every_minutes: float = 5) -> dict:
    """Enqueue what is due (run by a worker; `now` as ISO 8601 for tests)."""
    from followup.jobqueue import connect, enqueue_sync

    rt = bootstrap()
    moment = datetime.fromisoformat(now) if now else utcnow()
    conn = connect(rt.settings)
    due = due_syncs(account_clocks(rt), moment, timedelta(minutes=sync_every_minutes))
    enqueued = [account_id for account_id in due if enqueue_sync(conn, account_id) is not None]
    return {"due_syncs": due, "enqueued_syncs": enqueued}


class InlineTimer(threading.Thread):
    """Periodic sync inside one process, for the embedded default without Redis."""

    def __init__(self, rt: Runtime, every: timedelta = DEFAULT_SYNC_EVERY) -> None:
        super().__init__(daemon=True, name="followup-inline-timer")
        self.rt, self.every = rt, every
        self.stopped = threading.Event()

    def run(self) -> None:
        from followup.jobs import sync_account

        while not self.stopped.wait(TICK_SECONDS):
            for account_id in due_syncs(account_clocks(self.rt), utcnow(), self.every):
                try:
                    sync_account(account_id, runtime=self.rt)
                except Exception:  # stored on the account by the sync; keep the timer alive
                    log.exception("inline sync of account %s failed", account_id)

    def stop(self) -> None:
        self.stopped.set()

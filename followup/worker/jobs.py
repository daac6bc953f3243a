"""Job functions: what the command line runs inline and rq workers run in the background.

Each job takes plain arguments (ids), resolves the runtime through `bootstrap()` when none
is given (an rq worker imports this module and calls the function by name: the `*_job`
functions are the ones `followup.worker.queues` enqueues), and lets errors propagate so
that the job runner records a failure (and can retry).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from rq import get_current_job

from followup.bootstrap import Runtime, bootstrap
from followup.pipeline import process_account
from followup.db.session import session_scope
from followup.db.models import MailAccount
from followup.db.types import utcnow
from followup.domain.vocabulary import SyncStatus
from inbox_sync.imap_errors import ImapError
from inbox_sync.sync.reports import SyncOptions, SyncReport
from inbox_sync.sync.account import sync_mailbox
from followup.nudges.digest_mail import send_digest
from followup.nudges.webhook import notify_complaints, pending_notices, post_json, record_delivery
from followup.nudges.writeback.account import writeback_account, writeback_wanted
from followup.nudges.writeback.plan import WritebackReport
from followup.worker.lock import redis_lock, sync_lock_key
from followup.worker.queues import (
    connect, enqueue_complaint_notices, enqueue_process, enqueue_writeback, sync_job_id, writeback_job_id,
)

log = logging.getLogger(__name__)


def sync_account(account_id: int, *, runtime: Runtime | None = None,
                 options: SyncOptions | None = None, process: bool = True) -> SyncReport:
    """Sync the account's mailbox, then classify and detect follow-ups for what changed.

    At most one sync of an account runs at a time (`SyncAlreadyRunning` otherwise). A
    failure is stored on the account (sync_status ``error`` or ``auth_failed``,
    `last_error`) and raised again.
    """
    rt = runtime or bootstrap()
    options = options or SyncOptions()
    if options.lock_dir is None:
        options = SyncOptions(**{**options.__dict__, "lock_dir": rt.settings.lock_dir})
    report = sync_mailbox(rt.engine, int(account_id), secret_key=rt.settings.secret_key, options=options)
    if process:  # rq workers queue it on the `nlp` queue instead (`process_account_job`)
        processed = process_account(rt, int(account_id), utcnow())
        report.pipeline = processed.to_dict() | {"nudges": nudge_account(int(account_id), runtime=rt).to_dict()}
    return report


def writeback(account_id: int, *, runtime: Runtime | None = None, now: datetime | None = None) -> WritebackReport:
    """Put the follow-up keyword on (and take it off) the account's mail; see followup.nudges.writeback."""
    rt = runtime or bootstrap()
    return writeback_account(rt.engine, int(account_id), secret_key=rt.settings.secret_key, now=now,
                             lock_dir=rt.settings.lock_dir)


@dataclass
class NudgeReport:
    """The inline nudges after a pass: the write-back (or its error) and the complaint webhooks."""
    writeback: dict
    webhooks: dict

    def to_dict(self) -> dict:
        return {"writeback": self.writeback, "webhooks": self.webhooks}


def nudge_account(account_id: int, *, runtime: Runtime | None = None, now: datetime | None = None) -> NudgeReport:
    """After detection, inline: the keywords in the mailbox, then new complaints to the team's webhook.

    The mail is stored and the follow-ups detected by then, so a write-back the server
    refuses does not fail the sync: it is logged, reported under ``writeback.error`` and
    kept in the account's `last_error` as ``write-back: ...`` (its sync_status stays ok).
    """
    rt = runtime or bootstrap()
    try:
        writeback_report = writeback(account_id, runtime=rt, now=now).to_dict()
    except ImapError as exc:
        log.warning("write-back of account %s failed: %s", account_id, exc)
        _record_writeback_error(rt, int(account_id), str(exc))
        writeback_report = {"error": str(exc)}
    return NudgeReport(writeback_report, notify_complaints(rt, int(account_id)))


WRITEBACK_ERROR_PREFIX = "write-back: "


def _record_writeback_error(rt: Runtime, account_id: int, error: str) -> None:
    with session_scope(rt.engine) as session:
        account = session.get(MailAccount, account_id)
        kept = account.last_error  # what the sync left there (refused messages) stays
        account.last_error = "; ".join(filter(None, [kept, WRITEBACK_ERROR_PREFIX + error]))[:2000]
        account.last_error_at = utcnow()


# ---- what rq runs (enqueued by name in followup.worker.queues) ------------------------------

def sync_account_job(account_id: int) -> dict:
    """Sync one account under the cross-machine lock, then queue classify + detect."""
    from inbox_sync.oauth import NeedsSignIn  # authlib: not for the command line's inline sync

    rt = bootstrap()
    conn = connect(rt.settings)
    job = get_current_job()
    owner = job.id if job else sync_job_id(account_id)
    with redis_lock(conn, sync_lock_key(account_id), owner):
        try:
            report = sync_account(account_id, runtime=rt, process=False)
        except NeedsSignIn as exc:
            # Recorded on the account (Mailboxes page, digest); raising would make rq retry in vain.
            log.warning("account %s needs to sign in again: %s", account_id, exc)
            return {"account_id": account_id, "status": str(SyncStatus.NEEDS_SIGNIN), "error": str(exc)}
    enqueue_process(conn, account_id)
    return report.to_dict()


def process_account_job(account_id: int) -> dict:
    """Classify + detect, then queue the nudges: write-back and new complaints' webhooks."""
    rt = bootstrap()
    result = process_account(rt, account_id)
    conn = connect(rt.settings)
    if writeback_wanted(rt.engine, account_id):
        enqueue_writeback(conn, account_id)
    enqueue_complaint_notices(conn, rt, account_id)
    return result.to_dict()


def writeback_account_job(account_id: int) -> dict:
    """Write-back under the same cross-machine lock as the sync (it must not read flags meanwhile)."""
    rt = bootstrap()
    job = get_current_job()
    owner = job.id if job else writeback_job_id(account_id)
    with redis_lock(connect(rt.settings), sync_lock_key(account_id), owner):
        return writeback(account_id, runtime=rt).to_dict()


def complaint_webhook_job(task_id: int, event_id: int) -> dict:
    """Post one complaint. A failure raises, so rq retries it later."""
    rt = bootstrap()
    with session_scope(rt.engine) as session:
        notices = [n for n in pending_notices(session, rt.settings.base_url, task_id=task_id)
                   if n.event_id == event_id]
    if not notices:
        return {"task_id": task_id, "status": "nothing to send"}
    notice = notices[0]
    status = post_json(notice.url, notice.payload)
    with session_scope(rt.engine) as session:
        record_delivery(session, notice)
    return {"task_id": task_id, "status": status}


def send_digest_job(user_id: int) -> dict:
    """The daily digest of one user (queue `default`): a failure raises so that rq retries it."""
    return send_digest(bootstrap(), int(user_id)).to_dict()

"""Job functions: what the command line runs inline and rq workers run in the background.

Each job takes plain arguments (ids), resolves the runtime through `bootstrap()` when none
is given (an rq worker imports this module and calls the function by name), and lets
errors propagate so that the job runner records a failure (and can retry).
"""

from __future__ import annotations

import logging
from datetime import datetime

from followup.bootstrap import Runtime, bootstrap
from followup.pipeline import process_account
from followups.db import session_scope
from followups.models import MailAccount
from followups.types import utcnow
from inbox_sync.imap_connection import ImapError
from inbox_sync.sync import SyncOptions, SyncReport, sync_mailbox
from inbox_sync.writeback import WritebackReport, writeback_account

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
    if process:  # rq workers queue it on the `nlp` queue instead (followup.jobqueue)
        report.pipeline = process_account(rt, int(account_id), utcnow())
        report.pipeline["nudges"] = nudge_account(int(account_id), runtime=rt)
    return report


def writeback(account_id: int, *, runtime: Runtime | None = None, now: datetime | None = None) -> WritebackReport:
    """Put the follow-up keyword on (and take it off) the account's mail; see inbox_sync.writeback."""
    rt = runtime or bootstrap()
    return writeback_account(rt.engine, int(account_id), secret_key=rt.settings.secret_key, now=now,
                             lock_dir=rt.settings.lock_dir)


def nudge_account(account_id: int, *, runtime: Runtime | None = None, now: datetime | None = None) -> dict:
    """After detection, inline: the keywords in the mailbox, then new complaints to the team's webhook.

    The mail is stored and the follow-ups detected by then, so a write-back the server
    refuses does not fail the sync: it is logged, reported under ``writeback.error`` and
    kept in the account's `last_error` as ``write-back: ...`` (its sync_status stays ok).
    """
    from followup.webhooks import notify_complaints

    rt = runtime or bootstrap()
    try:
        writeback_report = writeback(account_id, runtime=rt, now=now).to_dict()
    except ImapError as exc:
        log.warning("write-back of account %s failed: %s", account_id, exc)
        _record_writeback_error(rt, int(account_id), str(exc))
        writeback_report = {"error": str(exc)}
    return {"writeback": writeback_report, "webhooks": notify_complaints(rt, int(account_id))}


WRITEBACK_ERROR_PREFIX = "write-back: "


def _record_writeback_error(rt: Runtime, account_id: int, error: str) -> None:
    with session_scope(rt.engine) as session:
        account = session.get(MailAccount, account_id)
        kept = account.last_error  # what the sync left there (refused messages) stays
        account.last_error = "; ".join(filter(None, [kept, WRITEBACK_ERROR_PREFIX + error]))[:2000]
        account.last_error_at = utcnow()

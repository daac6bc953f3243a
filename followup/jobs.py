"""Job functions: what the command line runs inline and rq workers run in the background.

Each job takes plain arguments (ids), resolves the runtime through `bootstrap()` when none
is given (an rq worker imports this module and calls the function by name), and lets
errors propagate so that the job runner records a failure (and can retry).
"""

from __future__ import annotations

from followup.bootstrap import Runtime, bootstrap
from followup.pipeline import process_account
from followups.types import utcnow
from inbox_sync.sync import SyncOptions, SyncReport, sync_mailbox


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
        options = SyncOptions(**{**options.__dict__, "lock_dir": rt.settings.data_dir / "locks"})
    report = sync_mailbox(rt.engine, int(account_id), secret_key=rt.settings.secret_key, options=options)
    if process:  # rq workers queue it on the `nlp` queue instead (followup.jobqueue)
        report.pipeline = process_account(rt, int(account_id), utcnow())
    return report

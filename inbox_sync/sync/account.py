"""One account's sync: the per-account lock, the connection with its retries, the folders in turn,
and the outcome recorded on the account (see `inbox_sync.sync`).
"""

from __future__ import annotations

import logging
import fcntl
import os
import time
from datetime import date, datetime, timedelta
from inbox_sync.folders import FolderPlan, discover_folders
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.imap_errors import ImapError, RETRYABLE_ERRORS, classify_error
from pathlib import Path
from sqlalchemy.engine import Engine
from sqlmodel import select
from typing import Callable

from followup.db.models import Folder, MailAccount
from followup.db.session import session_scope
from followup.db.types import utcnow
from followup.domain.vocabulary import SyncStatus
from inbox_sync.sync.folder import FolderSync
from inbox_sync.sync.reports import (
    FolderReport,
    MAX_BACKOFF,
    NotSyncable,
    SyncAlreadyRunning,
    SyncError,
    SyncOptions,
    SyncReport,
)

log = logging.getLogger(__name__)


# ---- the per-account lock --------------------------------------------------------------


def default_lock_dir() -> Path:
    """Where account locks live when the caller names no directory: DATA_DIR/locks."""
    return Path(os.environ.get("FOLLOWUP_DATA_DIR") or ".") / "locks"


class AccountLock:
    """An exclusive, non-blocking `flock` for one account; the OS frees it if we die."""

    def __init__(self, lock_dir: Path, account_id: int) -> None:
        self.path = Path(lock_dir) / f"account-{account_id}.lock"
        self.account_id = account_id
        self._fd: int | None = None

    def __enter__(self) -> "AccountLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SyncAlreadyRunning(f"a sync of account {self.account_id} is already running") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# ---- the account -----------------------------------------------------------------------


def sync_mailbox(
    engine: Engine,
    account_id: int,
    *,
    secret_key: str,
    options: SyncOptions | None = None,
    now: datetime | None = None,
    connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect,
) -> SyncReport:
    """Sync every folder of the account; record the outcome on the account.

    On failure the account gets sync_status ``error`` or ``auth_failed`` and `last_error`,
    and the exception is raised again (job runners must see the failure).
    """
    options = options or SyncOptions()
    lock_dir = options.lock_dir or default_lock_dir()
    with AccountLock(lock_dir, account_id):
        try:
            settings, window = _begin(engine, account_id, secret_key, options, now or utcnow())
        except ImapError as exc:  # the OAuth2 token refresh before the login failed
            _record_failure(engine, account_id, exc, exc.status)
            raise
        report = SyncReport(account_id=account_id)
        started = time.monotonic()
        try:
            _sync_with_retries(engine, account_id, settings, window, options, report, connect_fn)
        except BaseException as exc:
            report.seconds = time.monotonic() - started
            error = exc if isinstance(exc, ImapError) else None
            _record_failure(engine, account_id, exc, error.status if error else SyncStatus.ERROR)
            raise
        report.seconds = time.monotonic() - started
        _record_success(engine, account_id, report)
        return report


def _begin(engine, account_id, secret_key, options, now) -> tuple[ConnectionSettings, date]:
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None:
            raise NotSyncable(f"no account {account_id}")
        if not account.imap_host:
            raise NotSyncable(f"account {account_id} is import-only (no IMAP server)")
        if account.sync_status == SyncStatus.NEEDS_SIGNIN:
            # Retrying cannot help until the user connects the mailbox again (which resets it).
            # Imported here: inbox_sync.oauth brings authlib, which a password account never needs.
            from inbox_sync.oauth import NeedsSignIn

            raise NeedsSignIn(account.last_error or f"{account.name}: sign in again on the Mailboxes page")
        if account.sync_since is None:
            account.sync_since = (now - timedelta(days=options.window_days)).date()
        account.sync_status = SyncStatus.SYNCING
        account.sync_progress = {"started_at": now.isoformat()}
        settings = ConnectionSettings.for_account(account, secret_key, timeout=options.timeout)
        return settings, account.sync_since


REFUSED_PREFIX = "refused by the database: "
"""How `last_error` of a successful sync names the messages the database would not store."""


def _record_success(engine, account_id, report: SyncReport) -> None:
    """Status ok; `last_error` names what the database refused, in this sync (with why) or before."""
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        account.sync_status = SyncStatus.OK
        account.last_sync_at = utcnow()
        account.sync_progress = {}
        refused = "; ".join(error for folder in report.folders for error in folder.refusal_errors)
        if refused:
            account.last_error_at = utcnow()
        refused = refused or _refused_earlier(session, account_id)
        account.last_error = (REFUSED_PREFIX + refused)[:2000] if refused else None
        if not refused:
            account.last_error_at = None


def _refused_earlier(session, account_id: int) -> str:
    folders = session.exec(select(Folder).where(Folder.account_id == account_id).order_by(Folder.name))
    return "; ".join(f"{f.name} UID {', '.join(map(str, f.refused_uids))}" for f in folders if f.refused_uids)


def _record_failure(engine, account_id, exc: BaseException, status: str) -> None:
    message = str(exc) or exc.__class__.__name__
    if not isinstance(exc, (ImapError, SyncError)):
        message = f"{exc.__class__.__name__}: {message}"
    try:
        with session_scope(engine) as session:
            account = session.get(MailAccount, account_id)
            if account is not None:
                account.sync_status = str(status)
                account.last_error = message[:2000]
                account.last_error_at = utcnow()
    except Exception:  # the database itself may be what failed; keep the original error
        log.exception("could not record the sync failure of account %s", account_id)


def _sync_with_retries(engine, account_id, settings, window, options, report, connect_fn) -> None:
    done: set[str] = set()
    failures = 0
    while True:
        progress_mark = _progress_mark(report)
        connection = None
        try:
            connection = connect_fn(settings)
            report.connections += 1
            connection.client.normalise_times = False
            connection.enable_condstore()
            plans = discover_folders(connection)
            folder_ids = _upsert_folders(engine, account_id, plans)
            for plan in plans:
                if plan.name in done:
                    continue
                folder_report = next((f for f in report.folders if f.name == plan.name), None)
                if folder_report is None:
                    folder_report = FolderReport(plan.name, str(plan.role))
                    report.folders.append(folder_report)
                FolderSync(engine, connection, account_id, folder_ids[plan.name], window,
                           options, folder_report).run()
                done.add(plan.name)
            return
        except RETRYABLE_ERRORS as exc:
            failures = 0 if _progress_mark(report) != progress_mark else failures
            failures += 1
            if failures >= options.max_attempts:
                raise exc if isinstance(exc, ImapError) else classify_error(exc, settings, "sync") from exc
            delay = min(options.backoff * 2 ** (failures - 1), MAX_BACKOFF)
            log.warning("account %s: %s; reconnecting in %.1f s (attempt %d of %d)",
                        account_id, exc, delay, failures + 1, options.max_attempts)
            report.retries += 1
            time.sleep(delay)
        finally:
            if connection is not None:
                for name, count in connection.commands.items():
                    report.commands[name] = report.commands.get(name, 0) + count
                connection.commands.clear()
                connection.close()


def _progress_mark(report: SyncReport) -> tuple:
    return tuple((f.name, f.fetched, f.marked_deleted, f.flags_updated) for f in report.folders)


def _upsert_folders(engine, account_id, plans: list[FolderPlan]) -> dict[str, int]:
    with session_scope(engine) as session:
        existing = {f.name: f for f in session.exec(select(Folder).where(Folder.account_id == account_id))}
        for plan in plans:
            folder = existing.get(plan.name)
            if folder is None:
                folder = Folder(account_id=account_id, name=plan.name, role=str(plan.role))
                session.add(folder)
                existing[plan.name] = folder
            elif folder.role != plan.role:
                folder.role = str(plan.role)
        session.flush()
        return {plan.name: existing[plan.name].id for plan in plans}

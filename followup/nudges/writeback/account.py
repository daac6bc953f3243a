"""The write-back pass of one account: the stages in order, under the account's sync lock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.models import KeywordMark, MailAccount
from followup.db.session import session_scope
from followup.db.types import utcnow
from followup.nudges.writeback.keyword import DEFAULT_KEYWORD
from followup.nudges.writeback.live_check import live_flags, marks_needing_live_check
from followup.nudges.writeback.plan import Stored, WritebackReport
from followup.nudges.writeback.reconcile import reconcile
from followup.nudges.writeback.record import record
from followup.nudges.writeback.store import store
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.sync.account import AccountLock, default_lock_dir


def writeback_wanted(engine: Engine, account_id: int) -> bool:
    """Whether a write-back pass has anything to do: switched on, or keywords left to take back."""
    with session_scope(engine) as session:
        on = session.exec(select(MailAccount.writeback).where(MailAccount.id == account_id,
                                                             MailAccount.imap_host.is_not(None))).first()
        return bool(on) or session.exec(
            select(KeywordMark.id).where(KeywordMark.account_id == account_id).limit(1)).first() is not None


def writeback_account(
    engine: Engine,
    account_id: int,
    *,
    secret_key: str,
    now: datetime | None = None,
    lock_dir: Path | None = None,
    timeout: float = 60.0,
    connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect,
) -> WritebackReport:
    """Bring the account's keywords in line with its tasks; see the module docstring."""
    now = now or utcnow()
    lock_dir = lock_dir or default_lock_dir()
    report = WritebackReport(account_id=account_id)
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None or not account.imap_host:
            return report
        report.enabled = bool(account.writeback)
        report.keyword = account.writeback_keyword or DEFAULT_KEYWORD
        has_marks = session.exec(
            select(KeywordMark.id).where(KeywordMark.account_id == account_id).limit(1)).first() is not None
        if not report.enabled and not has_marks:
            return report  # nothing to write and nothing to take back: no lock, no connection
        settings = ConnectionSettings.for_account(account, secret_key, timeout=timeout)

    with AccountLock(lock_dir, account_id):
        with session_scope(engine) as session:
            live_needed = marks_needing_live_check(session, account_id)
        connection: ImapConnection | None = None
        try:
            live: dict[int, tuple[str, ...]] = {}
            if live_needed:
                connection = connect_fn(settings)
                report.connected = True
                live = live_flags(connection, live_needed)
            with session_scope(engine) as session:
                plan = reconcile(session, account_id, now, live, report)
            if plan.empty:
                if plan.forget:  # marks of closed tasks on a message that keeps its keyword
                    with session_scope(engine) as session:
                        record(session, account_id, plan, Stored(), now)
                return report
            if connection is None:
                connection = connect_fn(settings)
                report.connected = True
            done = store(connection, plan, report)
            with session_scope(engine) as session:
                record(session, account_id, plan, done, now)
        finally:
            if connection is not None:
                connection.close()
    return report

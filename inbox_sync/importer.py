"""Importing an mbox file, a Maildir or a directory of .eml files into an account.

Messages go through the same parse → thread → store path as the IMAP sync
(`inbox_sync.store.store_batch`), in batches that each commit on their own, so memory
stays flat and an interrupted import keeps what it stored; running it again stores nothing
new. A batch the database refuses is retried message by message
(`inbox_sync.store.store_isolating_refusals`), so one bad message is counted as failed and
the others are still stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.session import session_scope
from followup.db.models import MailAccount, Thread
from inbox_sync.mailbox_files import RawMessage, read_mailbox
from inbox_sync.parse import parse_message
from inbox_sync.store import StoreItem, store_batch, store_isolating_refusals

BATCH_SIZE = 500
"""Messages per transaction."""


@dataclass
class ImportSummary:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    warnings: int = 0  # stored messages with at least one parse warning
    failed: int = 0
    threads: int = 0  # threads of the account after the import
    errors: list[str] = field(default_factory=list)  # the first few failures, for the user
    skipped: list[str] = field(default_factory=list)  # "path: why" for each folder entry not read

    def to_dict(self) -> dict:
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates,
                "warnings": self.warnings, "failed": self.failed, "threads": self.threads,
                "errors": self.errors, "skipped": self.skipped}


def import_mailbox(
    engine: Engine,
    account_id: int,
    path: Path | str,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every message at `path` (raises MailboxError when it is not a mailbox)."""
    summary = ImportSummary()
    batch: list[RawMessage] = []
    for message in read_mailbox(Path(path), on_skip=summary.skipped.append):
        batch.append(message)
        if len(batch) >= batch_size:
            _store_batch(engine, account_id, batch, summary)
            if on_progress:
                on_progress(sum(m.size for m in batch))
            batch = []
    if batch:
        _store_batch(engine, account_id, batch, summary)
        if on_progress:
            on_progress(sum(m.size for m in batch))
    with session_scope(engine) as session:
        summary.threads = session.exec(
            select(func.count()).select_from(Thread).where(Thread.account_id == account_id)
        ).one()
    return summary


def _store_batch(engine: Engine, account_id: int, batch: list[RawMessage], summary: ImportSummary) -> None:
    summary.read += len(batch)
    items = [StoreItem(raw=m.raw, internal_date=m.internal_date) for m in batch]
    parsed = [parse_message(m.raw, internal_date=m.internal_date) for m in batch]

    def store(session, indexes: list[int]):
        return store_batch(session, _account(session, account_id), [items[i] for i in indexes],
                           parsed=[parsed[i] for i in indexes])

    refs, refusals = store_isolating_refusals(engine, len(batch), store)
    _count([(ref, p) for ref, p in zip(refs, parsed) if ref is not None], summary)
    summary.failed += len(refusals)
    for refusal in refusals[:max(0, 20 - len(summary.errors))]:
        summary.errors.append(f"{batch[refusal.index].source}: {refusal.error}")


def _count(stored, summary: ImportSummary) -> None:
    for ref, p in stored:
        if ref.created:
            summary.stored += 1
            if p.warnings:
                summary.warnings += 1
        else:
            summary.duplicates += 1


def _account(session, account_id: int) -> MailAccount:
    account = session.get(MailAccount, account_id)
    if account is None:
        raise LookupError(f"account {account_id} vanished during the import")
    return account

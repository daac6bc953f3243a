"""Importing an mbox file, a Maildir or a directory of .eml files into an account.

Messages go through the same parse → thread → store path as the IMAP sync
(`inbox_sync.store.store_batch`), in batches that each commit on their own, so memory
stays flat and an interrupted import keeps what it stored; running it again stores nothing
new. A batch the database refuses is retried message by message
(`inbox_sync.store.store_isolating_refusals`), so one bad message is counted as failed and
the others are still stored.

Parsing is most of an import's time and needs nothing but the message's bytes, so with
``parse_workers`` it runs in that many forked processes, a batch or two ahead of the storing
(which stays in this process, in mailbox order: the same rows as parsing here).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.session import session_scope
from followup.db.models import MailAccount, Thread
from inbox_sync.mailbox_files import RawMessage, read_mailbox
from inbox_sync.parse import ParsedMessage, parse_message
from inbox_sync.store import StoreItem, store_batch, store_isolating_refusals

BATCH_SIZE = 500
"""Messages per transaction."""

BATCHES_AHEAD = 2
"""Batches parsed ahead of the one being stored: keeps the workers busy, and memory flat."""


def default_parse_workers() -> int:
    """Processes to parse in beside the one storing: one core each, the storing keeps one;
    two keep up with it (storing a batch takes about half as long as parsing it)."""
    return max(0, min((os.cpu_count() or 1) - 1, 2))


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
    parse_workers: int = 0,
    after_batch: Callable[[], None] | None = None,
) -> ImportSummary:
    """Import every message at `path` (raises MailboxError when it is not a mailbox).

    `parse_workers`: processes that parse while this one stores (0: parse here).
    `after_batch`: called after each batch is committed, while the workers parse ahead (the
    command labels the batch's mail there)."""
    summary = ImportSummary()
    batches = _batches(read_mailbox(Path(path), on_skip=summary.skipped.append), batch_size)
    for batch, parsed in _parsed(batches, parse_workers):
        _store_batch(engine, account_id, batch, parsed, summary)
        if after_batch:
            after_batch()
        if on_progress:
            on_progress(sum(m.size for m in batch))
    with session_scope(engine) as session:
        summary.threads = session.exec(
            select(func.count()).select_from(Thread).where(Thread.account_id == account_id)
        ).one()
    return summary


def _batches(messages: Iterable[RawMessage], size: int) -> Iterator[list[RawMessage]]:
    batch: list[RawMessage] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _parse_batch(batch: list[RawMessage]) -> list[ParsedMessage]:
    return [parse_message(m.raw, internal_date=m.internal_date) for m in batch]


def _parsed(batches: Iterator[list[RawMessage]], workers: int) -> Iterator[tuple[list[RawMessage], list[ParsedMessage]]]:
    """Each batch with its parsed messages, in order."""
    if workers <= 0:
        for batch in batches:
            yield batch, _parse_batch(batch)
        return
    # fork: the workers start at once with the modules already imported (spawn would pay the
    # interpreter start again); they touch no database connection, only bytes in and out.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(_parse_batch, (batch,))))
            if len(pending) > workers + BATCHES_AHEAD - 1:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def _store_batch(engine: Engine, account_id: int, batch: list[RawMessage], parsed: list[ParsedMessage],
                 summary: ImportSummary) -> None:
    summary.read += len(batch)
    items = [StoreItem(raw=m.raw, internal_date=m.internal_date) for m in batch]

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

"""Storing parsed mail: the idempotent upsert that the IMAP sync and the import share.

A message is stored once per (account, Message-ID, content hash): the same message seen in
two folders, fetched again after a crash, or imported twice is one row with one
`MessageLocation` per (folder, UIDVALIDITY, UID); two different messages sharing a
Message-ID are both kept. Each new message is threaded (see `inbox_sync.threading`: Gmail
thread id, else References/In-Reply-To through the persisted `ThreadKey` id table, merging
the threads a message links, else the subject fallback both ways round: a reply joins the
thread of its original, an original joins the thread its earlier-arrived reply started),
gets its direction from the account's addresses, and refreshes its external participants'
`Contact` rows. Touched threads get their counts and dates updated and `needs_detection`
set; a merged-away thread's messages, keys and follow-up tasks move to the surviving one.

`store_isolating_refusals` runs a store in its own transaction and, when the database
refuses the batch, once per message, so one row the database refuses (a constraint, a
trigger, a value it cannot hold) costs that message alone; the sync and the import use it.

`store_batch` does a batch with a handful of SQL statements per batch (Core inserts and
executemany updates, not one ORM object per row: constructing SQLModel objects costs more
than parsing the mail) and returns ids; `store_messages` also loads the batch's `Message`
rows for its results; `store_message` is the one-message form. Neither commits: the caller's unit
of work (`session_scope`) does, so a batch and its sync checkpoint commit together.
Concurrent writers for the same account must be serialised by the caller (one sync or
import per account at a time); ThreadKey and Contact inserts tolerate a race, a Message
insert raises IntegrityError.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Sequence, TypeVar

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from followup.db.models import (
    Contact,
    Folder,
    FollowUpTask,
    MailAccount,
    Message,
    MessageLocation,
    Thread,
    ThreadKey,
)
from followup.db.bulk import chunks, insert_and_read_ids, insert_many, insert_returning_ids
from followup.db.session import session_scope
from followup.domain.addresses import company_from_domain
from followup.db.types import utcnow
from inbox_sync.parse import ParsedMessage, parse_message
from inbox_sync.participants import AccountIdentity
from inbox_sync.threading import SUBJECT_WINDOW, is_reply_subject, normalise_subject, subject_key

log = logging.getLogger(__name__)

MAX_SUBJECT_CANDIDATES = 20
"""The subject fallback looks at this many threads of the same subject, nearest in time."""


@dataclass(frozen=True)
class StoreItem:
    """One raw message and where the server keeps it (all optional for an import)."""

    raw: bytes
    folder: Folder | None = None
    uid: int | None = None
    uidvalidity: int | None = None
    flags: Sequence[str] = ()
    modseq: int | None = None
    internal_date: datetime | None = None
    gm_msgid: int | None = None
    gm_thrid: int | None = None


@dataclass(frozen=True)
class StoreResult:
    message: Message
    created: bool  # False: the same message was already stored (a duplicate)
    location_added: bool  # a new (folder, uidvalidity, uid) was recorded


def store_message(
    session: Session,
    account: MailAccount,
    raw: bytes,
    *,
    folder: Folder | None = None,
    uid: int | None = None,
    uidvalidity: int | None = None,
    flags: Sequence[str] = (),
    modseq: int | None = None,
    internal_date: datetime | None = None,
    gm_msgid: int | None = None,
    gm_thrid: int | None = None,
) -> StoreResult:
    """Parse, thread and store one message (idempotent); see the module docstring."""
    item = StoreItem(raw=raw, folder=folder, uid=uid, uidvalidity=uidvalidity, flags=tuple(flags),
                     modseq=modseq, internal_date=internal_date, gm_msgid=gm_msgid, gm_thrid=gm_thrid)
    return store_messages(session, account, [item])[0]


def store_messages(
    session: Session,
    account: MailAccount,
    items: Iterable[StoreItem],
    *,
    parsed: Sequence[ParsedMessage] | None = None,
) -> list[StoreResult]:
    """Store a batch; results are in the order of `items`. `parsed` skips parsing again."""
    refs = store_batch(session, account, items, parsed=parsed)
    messages = _load_messages(session, {ref.message_id for ref in refs})
    return [StoreResult(message=messages[ref.message_id], created=ref.created,
                        location_added=ref.location_added) for ref in refs]


@dataclass(frozen=True)
class StoredRef:
    """What `store_batch` says about one item: the stored row's id, without loading it."""

    message_id: int
    created: bool
    location_added: bool


def store_batch(
    session: Session,
    account: MailAccount,
    items: Iterable[StoreItem],
    *,
    parsed: Sequence[ParsedMessage] | None = None,
) -> list[StoredRef]:
    """`store_messages` without loading the Message rows back: the import's fast path."""
    items = list(items)
    if not items:
        return []
    if parsed is None:
        parsed = [parse_message(item.raw, internal_date=item.internal_date) for item in items]
    session.flush()  # our statements must see the caller's pending rows (folders ...)
    with session.no_autoflush:
        return _Batch(session, account).run(items, list(parsed))


@dataclass(frozen=True)
class Refusal:
    """An item the database refused even on its own: its index in the batch, and why."""

    index: int
    error: str


R = TypeVar("R")


def store_isolating_refusals(
    engine: Engine, count: int, store: Callable[[Session, list[int]], list[R]],
) -> tuple[list[R | None], list[Refusal]]:
    """``store(session, indexes)`` for the whole batch in one transaction; if the database
    refuses it, for each index alone, each in its own transaction.

    Returns ``store``'s results in index order (None where refused) and the refusals.
    """
    try:
        with session_scope(engine) as session:
            return list(store(session, list(range(count)))), []
    except SQLAlchemyError as exc:
        log.warning("batch of %d refused (%s); storing its messages one by one", count, exc.__class__.__name__)
    results: list[R | None] = []
    refusals: list[Refusal] = []
    for index in range(count):
        try:
            with session_scope(engine) as session:
                results.extend(store(session, [index]))
        except SQLAlchemyError as exc:
            results.append(None)
            refusals.append(Refusal(index=index, error=str(exc).splitlines()[0][:300]))
    return results, refusals


def _load_messages(session: Session, ids: set[int]) -> dict[int, Message]:
    messages: dict[int, Message] = {}
    for chunk in chunks(sorted(ids)):
        for message in session.exec(
            select(Message).where(Message.id.in_(chunk)).execution_options(populate_existing=True)
        ):
            messages[message.id] = message
    return messages


_THREAD_COLUMNS = (Thread.id, Thread.subject, Thread.gm_thrid, Thread.first_message_at,
                   Thread.last_message_at, Thread.message_count)
"""What a `_ThreadState` is built from, in its field order."""


@dataclass(eq=False)
class _ThreadState:
    """A thread as this batch sees it; written back with one executemany at the end."""

    id: int | None
    subject: str
    gm_thrid: int | None
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    merged_into: "_ThreadState | None" = None
    participants: set[str] | None = None  # external addresses; None until needed
    pending: set[str] = field(default_factory=set)  # added before participants were loaded
    merged_ids: list[int] = field(default_factory=list)  # persisted threads merged into this
    touched: bool = False  # a message joined it in this batch: its row needs updating
    orphan_reply: bool | None = None  # started by a reply whose original is missing; None: not known

    def resolve(self) -> "_ThreadState":
        state = self
        while state.merged_into is not None:
            state = state.merged_into
        return state


class _Batch:
    def __init__(self, session: Session, account: MailAccount) -> None:
        self.session = session
        self.account_id = account.id
        self.identity = AccountIdentity.of(account)
        self.now = utcnow()
        self.dialect = session.get_bind().dialect.name
        self.threads: list[_ThreadState] = []  # every thread this batch touched or created
        self.key_map: dict[str, _ThreadState] = {}
        self.new_keys: list[tuple[str, _ThreadState]] = []
        self.by_gm: dict[int, _ThreadState] = {}
        self.db_merges: list[tuple[int, _ThreadState]] = []  # (loser id, survivor)

    # -- the batch ---------------------------------------------------------------------

    def run(self, items: list[StoreItem], parsed: list[ParsedMessage]) -> list["StoredRef"]:
        existing = self._existing_ids({p.message_id for p in parsed})
        new_positions: list[int] = []
        planned: set[tuple[str, str]] = set()
        for pos, p in enumerate(parsed):
            key = (p.message_id, p.content_hash)
            if key not in existing and key not in planned:
                planned.add(key)
                new_positions.append(pos)

        threads = self._thread_all([(items[pos], parsed[pos]) for pos in new_positions])
        self._write_threads()
        ids = dict(existing)
        if new_positions:
            rows = [self._message_row(items[pos], parsed[pos], thread.resolve().id)
                    for pos, thread in zip(new_positions, threads)]
            new_ids = self._insert_messages(rows)
            for pos, new_id in zip(new_positions, new_ids):
                ids[(parsed[pos].message_id, parsed[pos].content_hash)] = new_id
            self._insert_keys()
            self._update_contacts([parsed[pos] for pos in new_positions])
        self._update_thread_rows()

        created_positions = set(new_positions)
        message_ids = [ids[(p.message_id, p.content_hash)] for p in parsed]
        self._update_gm_msgids(items, parsed, existing)
        added = self._write_locations(items, message_ids)
        return [StoredRef(message_id=mid, created=pos in created_positions, location_added=added[pos])
                for pos, mid in enumerate(message_ids)]

    # -- lookups -----------------------------------------------------------------------

    def _existing_ids(self, message_ids: set[str]) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for chunk in chunks(sorted(message_ids)):
            rows = self.session.execute(
                select(Message.message_id_header, Message.content_hash, Message.id).where(
                    Message.account_id == self.account_id, Message.message_id_header.in_(chunk)
                )
            )
            for msgid, content_hash, mid in rows:
                found[(msgid, content_hash)] = mid
        return found

    # -- threading ---------------------------------------------------------------------

    def _thread_all(self, pairs: list[tuple[StoreItem, ParsedMessage]]) -> list[_ThreadState]:
        if not pairs:
            return []
        all_ids: set[str] = set()
        for _, p in pairs:
            all_ids.add(p.message_id)
            all_ids.update(p.linked_ids)
        key_rows: list[tuple[str, int]] = []
        for chunk in chunks(sorted(all_ids)):
            key_rows.extend(self.session.execute(
                select(ThreadKey.msgid, ThreadKey.thread_id).where(
                    ThreadKey.account_id == self.account_id, ThreadKey.msgid.in_(chunk)
                )
            ))
        gm_ids = {item.gm_thrid for item, _ in pairs if item.gm_thrid is not None}
        by_id = self._load_threads({tid for _, tid in key_rows}, gm_ids)
        for msgid, tid in key_rows:
            if tid in by_id:
                self.key_map[msgid] = by_id[tid]
        self._prefetch_subjects([p for item, p in pairs if item.gm_thrid is None])
        return [self._thread_one(item, p) for item, p in pairs]

    def _prefetch_subjects(self, parsed: list[ParsedMessage]) -> None:
        """Threads that the subject fallback may join, for the whole batch in one query."""
        self.by_subject: dict[str, list[_ThreadState]] = {}
        subjects = {normalise_subject(p.subject) for p in parsed} - {""}
        if not subjects:
            return
        low = min(p.sent_at for p in parsed) - SUBJECT_WINDOW
        high = max(p.sent_at for p in parsed) + SUBJECT_WINDOW
        rows = []
        lowered = sorted({s.lower() for s in subjects})
        for chunk in chunks(sorted(subjects | set(lowered))):
            rows.extend(self.session.execute(
                select(*_THREAD_COLUMNS).where(
                    Thread.account_id == self.account_id,
                    or_(Thread.subject.in_(chunk), func.lower(Thread.subject).in_(chunk)),
                    Thread.last_message_at >= low, Thread.first_message_at <= high,
                )
            ))
        known = {t.id: t for t in self.threads if t.id is not None}
        known.update(self._states(row for row in rows if row[0] not in known))
        for tid in {row[0] for row in rows}:
            self._index_subject(known[tid])

    def _index_subject(self, thread: _ThreadState) -> None:
        key = subject_key(thread.subject)
        if key:
            self.by_subject.setdefault(key, []).append(thread)

    def _load_threads(self, thread_ids: set[int], gm_ids: set[int]) -> dict[int, _ThreadState]:
        rows = []
        for chunk in chunks(sorted(thread_ids)):
            rows.extend(self.session.execute(select(*_THREAD_COLUMNS).where(Thread.id.in_(chunk))))
        for chunk in chunks(sorted(gm_ids)):
            rows.extend(self.session.execute(select(*_THREAD_COLUMNS).where(
                Thread.account_id == self.account_id, Thread.gm_thrid.in_(chunk))))
        return self._states(rows)

    def _states(self, rows) -> dict[int, _ThreadState]:
        """Batch states for Thread rows (`_THREAD_COLUMNS`), each id once."""
        by_id: dict[int, _ThreadState] = {}
        for row in rows:
            if row[0] not in by_id:
                state = _ThreadState(*row)
                by_id[state.id] = state
                self.threads.append(state)
                if state.gm_thrid is not None:
                    self.by_gm.setdefault(state.gm_thrid, state)
        return by_id

    def _thread_one(self, item: StoreItem, p: ParsedMessage) -> _ThreadState:
        ids = (p.message_id, *p.linked_ids)
        if item.gm_thrid is not None:
            thread = self.by_gm.get(item.gm_thrid)
            if thread is None:
                thread = self._create_thread(p, gm_thrid=item.gm_thrid)
                self.by_gm[item.gm_thrid] = thread
            thread = thread.resolve()
        else:
            found: list[_ThreadState] = []
            for msgid in ids:
                known = self.key_map.get(msgid)
                if known is not None:
                    known = known.resolve()
                    if all(known is not f for f in found):
                        found.append(known)
            if not found:
                thread = self._by_subject(p) or self._create_thread(p)
            elif len(found) == 1:
                thread = found[0]
            else:
                thread = self._merge(found)
        for msgid in ids:
            if msgid not in self.key_map:
                self.key_map[msgid] = thread
                self.new_keys.append((msgid, thread))
        self._count(thread, p)
        return thread

    def _create_thread(self, p: ParsedMessage, gm_thrid: int | None = None) -> _ThreadState:
        state = _ThreadState(id=None, subject=normalise_subject(p.subject), gm_thrid=gm_thrid,
                             first_message_at=None, last_message_at=None, message_count=0,
                             participants=set())
        self.threads.append(state)
        if hasattr(self, "by_subject"):
            self._index_subject(state)
        return state

    def _merge(self, threads: list[_ThreadState]) -> _ThreadState:
        persisted = sorted((t for t in threads if t.id is not None), key=lambda t: t.id)
        survivor = persisted[0] if persisted else threads[0]
        for loser in threads:
            if loser is survivor:
                continue
            loser.merged_into = survivor
            survivor.message_count += loser.message_count
            if loser.subject and (survivor.first_message_at is None or (
                    loser.first_message_at is not None
                    and loser.first_message_at < survivor.first_message_at)):
                survivor.subject = loser.subject
                survivor.orphan_reply = loser.orphan_reply
            survivor.first_message_at = _min(survivor.first_message_at, loser.first_message_at)
            survivor.last_message_at = _max(survivor.last_message_at, loser.last_message_at)
            if survivor.gm_thrid is None and loser.gm_thrid is not None:
                survivor.gm_thrid = loser.gm_thrid
            if loser.participants is not None and survivor.participants is not None:
                survivor.participants |= loser.participants
            else:
                survivor.participants = None  # reload from the database when needed
            survivor.pending |= loser.pending
            survivor.merged_ids.extend(loser.merged_ids)
            survivor.touched = True
            if loser.id is not None:
                survivor.merged_ids.append(loser.id)
                self.db_merges.append((loser.id, survivor))
        return survivor

    def _participants(self, thread: _ThreadState) -> set[str]:
        """External participants of a thread: loaded from the database only when asked."""
        if thread.participants is None:
            addrs: set[str] = set()
            ids = [i for i in [thread.id, *thread.merged_ids] if i is not None]
            if ids:
                rows = self.session.execute(
                    select(Message.from_addr, Message.to_addrs, Message.cc_addrs).where(
                        Message.thread_id.in_(ids)
                    )
                )
                for from_addr, to_addrs, cc_addrs in rows:
                    addrs.update(self.identity.external([from_addr, *(to_addrs or []), *(cc_addrs or [])]))
            thread.participants = addrs
        if thread.pending:
            thread.participants |= thread.pending
            thread.pending = set()
        return thread.participants

    def _by_subject(self, p: ParsedMessage) -> _ThreadState | None:
        """The subject fallback, both ways round, for a message whose ids link nothing.

        A reply joins a thread of the same subject and people within `SUBJECT_WINDOW`; an
        original (no reply prefix) joins a thread that such a reply started before the
        original arrived, so the result does not depend on the order of arrival.
        """
        key = subject_key(p.subject)
        mine = set(self.identity.external(p.participants))
        if not key or not mine:
            return None
        reply = is_reply_subject(p.subject)
        candidates: dict[int, _ThreadState] = {}
        earliest, latest = p.sent_at - SUBJECT_WINDOW, p.sent_at + SUBJECT_WINDOW
        for candidate in self.by_subject.get(key, ()):
            thread = candidate if candidate.merged_into is None else candidate.resolve()
            first = thread.first_message_at
            if first is not None and (first > latest or thread.last_message_at < earliest):
                continue
            if subject_key(thread.subject) != key:
                continue
            candidates[id(thread)] = thread
        nearest = heapq.nsmallest(MAX_SUBJECT_CANDIDATES, candidates.values(),
                                  key=lambda t: abs((t.last_message_at or p.sent_at) - p.sent_at))
        self._load_details(nearest)
        for thread in nearest:
            if not reply and not self._orphan_reply(thread):
                continue
            if mine & self._participants(thread):
                return thread
        return None

    def _load_details(self, threads: list[_ThreadState]) -> None:
        """Participants and earliest subject of stored threads, in one query for all."""
        wanted = {t.id: t for t in threads if t.id is not None and not t.merged_ids
                  and (t.participants is None or t.orphan_reply is None)}
        if not wanted:
            return
        found: dict[int, set[str]] = {tid: set() for tid in wanted}
        earliest: dict[int, tuple] = {}
        for chunk in chunks(sorted(wanted)):
            rows = self.session.execute(
                select(Message.thread_id, Message.from_addr, Message.to_addrs, Message.cc_addrs,
                       Message.subject, Message.sent_at, Message.id).where(Message.thread_id.in_(chunk))
            )
            for tid, from_addr, to_addrs, cc_addrs, subject, sent_at, mid in rows:
                found[tid].update(self.identity.external([from_addr, *(to_addrs or []), *(cc_addrs or [])]))
                if tid not in earliest or (sent_at, mid) < earliest[tid][:2]:
                    earliest[tid] = (sent_at, mid, subject)
        for tid, thread in wanted.items():
            if thread.participants is None:
                thread.participants = found[tid]
            if thread.orphan_reply is None:
                thread.orphan_reply = tid in earliest and is_reply_subject(earliest[tid][2])

    def _orphan_reply(self, thread: _ThreadState) -> bool:
        """Whether the thread's earliest message is a reply (its original never arrived)."""
        if thread.orphan_reply is None:
            first = None
            if thread.id is not None:
                first = self.session.execute(
                    select(Message.subject, Message.in_reply_to).where(Message.thread_id == thread.id)
                    .order_by(Message.sent_at, Message.id).limit(1)
                ).first()
            thread.orphan_reply = bool(first) and is_reply_subject(first[0])
        return thread.orphan_reply

    def _count(self, thread: _ThreadState, p: ParsedMessage) -> None:
        thread.message_count += 1
        if thread.first_message_at is None or p.sent_at < thread.first_message_at:
            thread.first_message_at = p.sent_at
            thread.orphan_reply = is_reply_subject(p.subject)  # the earliest message decides
            subject = normalise_subject(p.subject)
            if subject:
                thread.subject = subject
        thread.last_message_at = _max(thread.last_message_at, p.sent_at)
        if not thread.subject:
            thread.subject = normalise_subject(p.subject)
        external = self.identity.external(p.participants)
        if thread.participants is not None:
            thread.participants.update(external)
        else:
            thread.pending.update(external)
        thread.touched = True

    # -- writing -----------------------------------------------------------------------

    def _write_threads(self) -> None:
        """Insert the new threads (ids needed for the messages) and apply merges."""
        new = [t for t in self.threads if t.id is None and t.merged_into is None]
        if new:
            rows = [{"account_id": self.account_id, "subject": t.subject[:1000], "gm_thrid": t.gm_thrid,
                     "first_message_at": t.first_message_at, "last_message_at": t.last_message_at,
                     "message_count": t.message_count, "muted": False, "needs_detection": True,
                     "updated_at": self.now} for t in new]
            for state, new_id in zip(new, insert_returning_ids(self.session.connection(), Thread.__table__, rows)):
                state.id = new_id
                state.touched = False  # inserted with its counts; later merges touch it again
        for loser_id, survivor in self.db_merges:
            survivor_id = survivor.resolve().id
            for model, column in ((Message, Message.thread_id), (ThreadKey, ThreadKey.thread_id),
                                  (FollowUpTask, FollowUpTask.thread_id)):
                self.session.execute(
                    update(model).where(column == loser_id).values(thread_id=survivor_id)
                    .execution_options(synchronize_session=False)
                )
            self.session.execute(sa_delete(Thread).where(Thread.id == loser_id)
                                 .execution_options(synchronize_session=False))
        if self.db_merges:
            self._forget({loser_id for loser_id, _ in self.db_merges})

    def _update_thread_rows(self) -> None:
        rows = [{"tid": t.id, "subject": t.subject[:1000], "gm_thrid": t.gm_thrid,
                 "first_message_at": t.first_message_at, "last_message_at": t.last_message_at,
                 "message_count": t.message_count, "needs_detection": True, "updated_at": self.now}
                for t in self.threads
                if t.merged_into is None and t.id is not None and t.touched]
        if not rows:
            return
        stmt = update(Thread.__table__).where(Thread.__table__.c.id == bindparam("tid")).values(
            subject=bindparam("subject"), gm_thrid=bindparam("gm_thrid"),
            first_message_at=bindparam("first_message_at"), last_message_at=bindparam("last_message_at"),
            message_count=bindparam("message_count"), needs_detection=bindparam("needs_detection"),
            updated_at=bindparam("updated_at"),
        )
        self.session.connection().execute(stmt, rows)
        self._forget_threads({r["tid"] for r in rows})

    def _insert_messages(self, rows: list[dict]) -> list[int]:
        """Insert new Message rows; their ids, in the order of `rows`, read back by the
        (account, Message-ID, content hash) key that is unique."""
        return insert_and_read_ids(self.session.connection(), Message.__table__, rows,
                                   key=("message_id_header", "content_hash"), scope={"account_id": self.account_id})

    def _insert_keys(self) -> None:
        rows = [{"account_id": self.account_id, "msgid": msgid, "thread_id": t.resolve().id}
                for msgid, t in self.new_keys]
        insert_many(self.session.connection(), ThreadKey.__table__, rows, ignore_conflicts=True)

    def _message_row(self, item: StoreItem, p: ParsedMessage, thread_id: int) -> dict:
        kinds = p.kinds
        return {
            "account_id": self.account_id,
            "thread_id": thread_id,
            "message_id_header": p.message_id,
            "content_hash": p.content_hash,
            "gm_msgid": item.gm_msgid,
            "in_reply_to": p.in_reply_to,
            "references": list(p.references),
            "direction": str(self.identity.direction(p.from_addr)),
            "from_addr": p.from_addr,
            "from_name": p.from_name,
            "to_addrs": p.to_addrs,
            "cc_addrs": p.cc_addrs,
            "subject": p.subject,
            "sent_at": p.sent_at,
            "body_text": p.own_text,
            "quoted_text": p.quoted_text,
            "snippet": p.snippet,
            "attachments": [a.to_dict() for a in p.attachments],
            "is_auto_reply": kinds.is_auto_reply,
            "is_bulk": kinds.is_bulk,
            "is_bounce": kinds.is_bounce,
            "is_calendar": kinds.is_calendar,
            "is_noreply": kinds.is_noreply,
            "parse_warnings": list(p.warnings),
            "size": p.size,
            "evidence": [],
            "deleted_on_server": False,
            "created_at": self.now,
        }

    def _update_gm_msgids(self, items, parsed, existing) -> None:
        rows = [{"mid": existing[(p.message_id, p.content_hash)], "gm": item.gm_msgid}
                for item, p in zip(items, parsed)
                if item.gm_msgid and (p.message_id, p.content_hash) in existing]
        if rows:
            table = Message.__table__
            self.session.connection().execute(
                update(table).where(table.c.id == bindparam("mid"), table.c.gm_msgid.is_(None))
                .values(gm_msgid=bindparam("gm")), rows)

    def _write_locations(self, items: list[StoreItem], message_ids: list[int]) -> list[bool]:
        added = [False] * len(items)
        wanted = {(i.folder.id, i.uidvalidity or 0, i.uid) for i in items
                  if i.folder is not None and i.uid is not None}
        if not wanted:
            return added
        table = MessageLocation.__table__
        found: dict[tuple[int, int, int], tuple] = {}
        folder_ids = sorted({w[0] for w in wanted})
        for chunk in chunks(sorted({w[2] for w in wanted})):
            rows = self.session.execute(
                select(table.c.id, table.c.folder_id, table.c.uidvalidity, table.c.uid,
                       table.c.flags, table.c.modseq, table.c.deleted)
                .where(table.c.folder_id.in_(folder_ids), table.c.uid.in_(chunk))
            )
            for row in rows:
                key = (row.folder_id, row.uidvalidity, row.uid)
                if key in wanted:
                    found[key] = row
        inserts, updates = [], {}
        for pos, (item, mid) in enumerate(zip(items, message_ids)):
            if item.folder is None or item.uid is None:
                continue
            key = (item.folder.id, item.uidvalidity or 0, item.uid)
            flags = sorted({f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
                            for f in item.flags})
            row = found.get(key)
            if row is None:
                found[key] = "pending"
                inserts.append({"message_id": mid, "folder_id": key[0], "uidvalidity": key[1],
                                "uid": key[2], "flags": flags, "modseq": item.modseq, "deleted": False})
                added[pos] = True
            elif row != "pending" and (row.flags != flags or row.deleted or (
                    item.modseq is not None and row.modseq != item.modseq)):
                updates[row.id] = {"lid": row.id, "flags": flags, "deleted": False,
                                   "modseq": item.modseq if item.modseq is not None else row.modseq}
        connection = self.session.connection()
        insert_many(connection, table, inserts)
        if updates:
            connection.execute(
                update(table).where(table.c.id == bindparam("lid")).values(
                    flags=bindparam("flags"), deleted=bindparam("deleted"), modseq=bindparam("modseq")),
                list(updates.values()))
            self._forget_objects(MessageLocation, set(updates))
        return added

    def _update_contacts(self, parsed: list[ParsedMessage]) -> None:
        seen: dict[str, tuple[str, datetime]] = {}
        for p in parsed:
            k = p.kinds
            if k.is_bulk or k.is_bounce or k.is_noreply:
                continue
            names = {addr: name for name, addr in (*p.to, *p.cc)}
            if p.from_addr:
                names[p.from_addr] = p.from_name
            for addr in self.identity.external(names):
                name, last = seen.get(addr, ("", p.sent_at))
                seen[addr] = (name or names.get(addr, ""), max(last, p.sent_at))
        if not seen:
            return
        table = Contact.__table__
        existing = {}
        for chunk in chunks(sorted(seen)):
            for row in self.session.execute(
                select(table.c.id, table.c.email, table.c.name, table.c.last_message_at).where(
                    table.c.account_id == self.account_id, table.c.email.in_(chunk))
            ):
                existing[row.email] = row
        inserts, updates = [], []
        for addr, (name, last) in seen.items():
            row = existing.get(addr)
            if row is None:
                inserts.append({"account_id": self.account_id, "email": addr, "name": name[:300],
                                "company": company_from_domain(addr), "last_message_at": last})
            elif (name and not row.name) or row.last_message_at is None or last > row.last_message_at:
                updates.append({"cid": row.id, "name": row.name or name[:300],
                                "last": _max(row.last_message_at, last)})
        connection = self.session.connection()
        insert_many(connection, table, inserts, ignore_conflicts=True)
        if updates:
            connection.execute(
                update(table).where(table.c.id == bindparam("cid")).values(
                    name=bindparam("name"), last_message_at=bindparam("last")), updates)
            self._forget_objects(Contact, {u["cid"] for u in updates})

    # -- keeping the caller's session honest ------------------------------------------------

    def _forget(self, thread_ids: set[int]) -> None:
        """Objects the caller loaded that point at merged-away threads must reload."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Thread) and obj.id in thread_ids:
                self.session.expunge(obj)
            elif isinstance(obj, (Message, FollowUpTask)) and obj.thread_id in thread_ids:
                self.session.expire(obj, ["thread_id"])

    def _forget_threads(self, thread_ids: set[int]) -> None:
        self._forget_objects(Thread, thread_ids)

    def _forget_objects(self, model, ids: set[int]) -> None:
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, model) and obj.id in ids:
                self.session.expire(obj)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)

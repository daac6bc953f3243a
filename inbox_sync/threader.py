"""The incremental threader: threads a batch of new messages against one account's stored
threads, the way `inbox_sync.threading` describes (Gmail thread id, else the Message-IDs a
message links through the persisted `ThreadKey` table, merging the threads it links, else the
subject fallback both ways round).

It reads only what the batch needs (the keys the batch's ids hit, the threads of its Gmail
thread ids, the threads of its subjects within `SUBJECT_WINDOW`) and keeps every thread it
touched as a `ThreadState`; `write_new_threads` inserts the new ones (their ids are needed
for the messages) and applies the merges, `write_thread_rows` updates the counts and dates
of the others with one executemany. `inbox_sync.store` runs it for each stored batch.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, select

from followup.db.bulk import chunks, insert_returning_ids
from followup.db.models import FollowUpTask, Message, Thread, ThreadKey
from inbox_sync.parse import ParsedMessage
from inbox_sync.participants import AccountIdentity
from inbox_sync.threading import SUBJECT_WINDOW, is_reply_subject, normalise_subject, subject_key

MAX_SUBJECT_CANDIDATES = 20
"""The subject fallback looks at this many threads of the same subject, nearest in time."""


_THREAD_COLUMNS = (Thread.id, Thread.subject, Thread.gm_thrid, Thread.first_message_at,
                   Thread.last_message_at, Thread.message_count)
"""What a `ThreadState` is built from, in its field order."""


@dataclass(eq=False)
class ThreadState:
    """A thread as this batch sees it; written back with one executemany at the end."""

    id: int | None
    subject: str
    gm_thrid: int | None
    first_message_at: datetime | None
    last_message_at: datetime | None
    message_count: int
    merged_into: "ThreadState | None" = None
    participants: set[str] | None = None  # external addresses; None until needed
    pending: set[str] = field(default_factory=set)  # added before participants were loaded
    merged_ids: list[int] = field(default_factory=list)  # persisted threads merged into this
    touched: bool = False  # a message joined it in this batch: its row needs updating
    orphan_reply: bool | None = None  # started by a reply whose original is missing; None: not known

    def resolve(self) -> "ThreadState":
        state = self
        while state.merged_into is not None:
            state = state.merged_into
        return state


class IncrementalThreader:
    def __init__(self, session: Session, account_id: int, identity: AccountIdentity, now: datetime) -> None:
        self.session = session
        self.account_id = account_id
        self.identity = identity
        self.now = now
        self.threads: list[ThreadState] = []  # every thread this batch touched or created
        self.key_map: dict[str, ThreadState] = {}
        self.new_keys: list[tuple[str, ThreadState]] = []  # ThreadKey rows to insert
        self.by_subject: dict[str, list[ThreadState]] = {}  # subject key → threads the fallback may join
        self.by_gm: dict[int, ThreadState] = {}
        self.db_merges: list[tuple[int, ThreadState]] = []  # (loser id, survivor)


    def thread_all(self, pairs: list[tuple[int | None, ParsedMessage]]) -> list[ThreadState]:
        """The thread of each (Gmail thread id or None, message), in order; new threads and
        merges are only planned until `write_new_threads`."""
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
        gm_ids = {gm_thrid for gm_thrid, _ in pairs if gm_thrid is not None}
        by_id = self._load_threads({tid for _, tid in key_rows}, gm_ids)
        for msgid, tid in key_rows:
            if tid in by_id:
                self.key_map[msgid] = by_id[tid]
        self._prefetch_subjects([p for gm_thrid, p in pairs if gm_thrid is None])
        return [self._thread_one(gm_thrid, p) for gm_thrid, p in pairs]

    def _prefetch_subjects(self, parsed: list[ParsedMessage]) -> None:
        """Threads that the subject fallback may join, for the whole batch in one query."""
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

    def _index_subject(self, thread: ThreadState) -> None:
        key = subject_key(thread.subject)
        if key:
            self.by_subject.setdefault(key, []).append(thread)

    def _load_threads(self, thread_ids: set[int], gm_ids: set[int]) -> dict[int, ThreadState]:
        rows = []
        for chunk in chunks(sorted(thread_ids)):
            rows.extend(self.session.execute(select(*_THREAD_COLUMNS).where(Thread.id.in_(chunk))))
        for chunk in chunks(sorted(gm_ids)):
            rows.extend(self.session.execute(select(*_THREAD_COLUMNS).where(
                Thread.account_id == self.account_id, Thread.gm_thrid.in_(chunk))))
        return self._states(rows)

    def _states(self, rows) -> dict[int, ThreadState]:
        """Batch states for Thread rows (`_THREAD_COLUMNS`), each id once."""
        by_id: dict[int, ThreadState] = {}
        for row in rows:
            if row[0] not in by_id:
                state = ThreadState(*row)
                by_id[state.id] = state
                self.threads.append(state)
                if state.gm_thrid is not None:
                    self.by_gm.setdefault(state.gm_thrid, state)
        return by_id

    def _thread_one(self, gm_thrid: int | None, p: ParsedMessage) -> ThreadState:
        ids = (p.message_id, *p.linked_ids)
        if gm_thrid is not None:
            thread = self.by_gm.get(gm_thrid)
            if thread is None:
                thread = self._create_thread(p, gm_thrid=gm_thrid)
                self.by_gm[gm_thrid] = thread
            thread = thread.resolve()
        else:
            found: list[ThreadState] = []
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

    def _create_thread(self, p: ParsedMessage, gm_thrid: int | None = None) -> ThreadState:
        state = ThreadState(id=None, subject=normalise_subject(p.subject), gm_thrid=gm_thrid,
                             first_message_at=None, last_message_at=None, message_count=0,
                             participants=set())
        self.threads.append(state)
        self._index_subject(state)
        return state

    def _merge(self, threads: list[ThreadState]) -> ThreadState:
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

    def _participants(self, thread: ThreadState) -> set[str]:
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

    def _by_subject(self, p: ParsedMessage) -> ThreadState | None:
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
        candidates: dict[int, ThreadState] = {}
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

    def _load_details(self, threads: list[ThreadState]) -> None:
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

    def _orphan_reply(self, thread: ThreadState) -> bool:
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

    def _count(self, thread: ThreadState, p: ParsedMessage) -> None:
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

    def write_new_threads(self) -> None:
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

    def write_thread_rows(self) -> None:
        """Update the stored threads that messages joined (counts, dates, needs_detection)."""
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

    def _forget(self, thread_ids: set[int]) -> None:
        """Objects the caller loaded that point at merged-away threads must reload."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Thread) and obj.id in thread_ids:
                self.session.expunge(obj)
            elif isinstance(obj, (Message, FollowUpTask)) and obj.thread_id in thread_ids:
                self.session.expire(obj, ["thread_id"])

    def _forget_threads(self, thread_ids: set[int]) -> None:
        """Thread objects the caller loaded must reload their counts."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Thread) and obj.id in thread_ids:
                self.session.expire(obj)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)

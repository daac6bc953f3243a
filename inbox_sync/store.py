"""Storing parsed mail: the idempotent upsert that the IMAP sync and the import share.

A message is stored once per (account, Message-ID, content hash): the same message seen in
two folders, fetched again after a crash, or imported twice is one row with one
`MessageLocation` per (folder, UIDVALIDITY, UID); two different messages sharing a
Message-ID are both kept. Each new message is threaded (see `inbox_sync.threading`: Gmail
thread id, else References/In-Reply-To through the persisted `ThreadKey` id table, merging
threads a message links, else the subject fallback), gets its direction from the account's
addresses, and refreshes the external participants' `Contact` rows. Touched threads get
their counts and dates updated and `needs_detection` set.

`store_messages` works on a batch with a handful of queries per batch, not per message or
header; `store_message` is the one-message form the sync calls. Neither commits: the caller's
unit of work (`session_scope`) does, so a batch and its sync checkpoint commit together.
Concurrent writers for the same account must be serialised by the caller (one sync per
account); ThreadKey inserts tolerate a race, Message inserts raise IntegrityError.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import func, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from followups.models import (
    Contact,
    Folder,
    FollowUpTask,
    MailAccount,
    Message,
    MessageLocation,
    Thread,
    ThreadKey,
)
from followups.types import utcnow
from inbox_sync.parse import ParsedMessage, parse_message
from inbox_sync.participants import AccountIdentity, company_from_domain
from inbox_sync.threading import SUBJECT_WINDOW, is_reply_subject, normalise_subject, subject_key

IN_CHUNK = 500
"""Values per SQL IN (...) list."""


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
    items = list(items)
    if not items:
        return []
    if parsed is None:
        parsed = [parse_message(item.raw, internal_date=item.internal_date) for item in items]
    with session.no_autoflush:
        return _Batch(session, account).run(items, list(parsed))


class _Batch:
    def __init__(self, session: Session, account: MailAccount) -> None:
        self.session = session
        self.account = account
        self.account_id = account.id
        self.identity = AccountIdentity.of(account)
        self.now = utcnow()
        # Union-find over Thread objects (keyed by Python id): merged threads point onward.
        self.merged_into: dict[int, Thread] = {}
        self.new_threads: list[Thread] = []
        self.db_merges: list[tuple[Thread, Thread]] = []  # (loser, survivor), both persisted
        self.participants: dict[int, set[str]] = {}  # thread -> external participants
        self.pending: dict[int, set[str]] = {}  # participants added before a thread's load
        self.touched: dict[int, Thread] = {}

    # -- the batch ---------------------------------------------------------------------

    def run(self, items: list[StoreItem], parsed: list[ParsedMessage]) -> list[StoreResult]:
        existing = self._existing_messages({p.message_id for p in parsed})
        new_positions: list[int] = []
        planned: dict[tuple[str, str], int] = {}
        for pos, p in enumerate(parsed):
            key = (p.message_id, p.content_hash)
            if key not in existing and key not in planned:
                planned[key] = pos
                new_positions.append(pos)

        threads = self._thread_all([(items[pos], parsed[pos]) for pos in new_positions])
        self._flush_threads()

        created: dict[tuple[str, str], Message] = {}
        for pos, thread in zip(new_positions, threads):
            created[(parsed[pos].message_id, parsed[pos].content_hash)] = self._new_message(
                items[pos], parsed[pos], self._resolve(thread)
            )
        self.session.add_all(created.values())
        self.session.flush()
        self._insert_keys()
        self._update_contacts([(parsed[pos], created[(parsed[pos].message_id, parsed[pos].content_hash)])
                               for pos in new_positions])

        locations = self._existing_locations(items)
        results = []
        for item, p in zip(items, parsed):
            key = (p.message_id, p.content_hash)
            is_new = key in created and planned.get(key) == len(results)
            message = created.get(key) or existing[key]
            if not is_new and item.gm_msgid and not message.gm_msgid:
                message.gm_msgid = item.gm_msgid
            location_added = self._locate(message, item, locations)
            results.append(StoreResult(message=message, created=is_new, location_added=location_added))
        self._finish_threads()
        self.session.flush()
        return results

    # -- lookups -----------------------------------------------------------------------

    def _existing_messages(self, message_ids: set[str]) -> dict[tuple[str, str], Message]:
        found: dict[tuple[str, str], Message] = {}
        for chunk in _chunks(sorted(message_ids)):
            rows = self.session.exec(
                select(Message).where(
                    Message.account_id == self.account_id, Message.message_id_header.in_(chunk)
                )
            )
            for message in rows:
                found[(message.message_id_header, message.content_hash)] = message
        return found

    def _existing_locations(self, items: list[StoreItem]) -> dict[tuple[int, int, int], MessageLocation]:
        wanted = {(i.folder.id, i.uidvalidity or 0, i.uid) for i in items
                  if i.folder is not None and i.uid is not None}
        if not wanted:
            return {}
        found = {}
        folder_ids = sorted({w[0] for w in wanted})
        for chunk in _chunks(sorted({w[2] for w in wanted})):
            rows = self.session.exec(
                select(MessageLocation).where(
                    MessageLocation.folder_id.in_(folder_ids), MessageLocation.uid.in_(chunk)
                )
            )
            for loc in rows:
                key = (loc.folder_id, loc.uidvalidity, loc.uid)
                if key in wanted:
                    found[key] = loc
        return found

    # -- threading ---------------------------------------------------------------------

    def _thread_all(self, pairs: list[tuple[StoreItem, ParsedMessage]]) -> list[Thread]:
        if not pairs:
            return []
        all_ids = set()
        for _, p in pairs:
            all_ids.add(p.message_id)
            all_ids.update(p.linked_ids)
        self.key_map: dict[str, Thread] = {}
        self.new_keys: list[tuple[str, Thread]] = []
        key_rows: list[tuple[str, int]] = []
        for chunk in _chunks(sorted(all_ids)):
            key_rows.extend(self.session.exec(
                select(ThreadKey.msgid, ThreadKey.thread_id).where(
                    ThreadKey.account_id == self.account_id, ThreadKey.msgid.in_(chunk)
                )
            ))
        thread_ids = {tid for _, tid in key_rows}
        gm_ids = {item.gm_thrid for item, _ in pairs if item.gm_thrid is not None}
        loaded = self._load_threads(thread_ids, gm_ids)
        by_id = {t.id: t for t in loaded}
        self.by_gm = {t.gm_thrid: t for t in loaded if t.gm_thrid is not None}
        for msgid, tid in key_rows:
            if tid in by_id:
                self.key_map[msgid] = by_id[tid]
        return [self._thread_one(item, p) for item, p in pairs]

    def _load_threads(self, thread_ids: set[int], gm_ids: set[int]) -> list[Thread]:
        threads: dict[int, Thread] = {}
        for chunk in _chunks(sorted(thread_ids)):
            for t in self.session.exec(select(Thread).where(Thread.id.in_(chunk))):
                threads[t.id] = t
        for chunk in _chunks(sorted(gm_ids)):
            for t in self.session.exec(select(Thread).where(
                Thread.account_id == self.account_id, Thread.gm_thrid.in_(chunk)
            )):
                threads[t.id] = t
        return list(threads.values())

    def _thread_one(self, item: StoreItem, p: ParsedMessage) -> Thread:
        ids = (p.message_id, *p.linked_ids)
        if item.gm_thrid is not None:
            thread = self.by_gm.get(item.gm_thrid)
            if thread is None:
                thread = self._create_thread(p, gm_thrid=item.gm_thrid)
                self.by_gm[item.gm_thrid] = thread
        else:
            found: list[Thread] = []
            for msgid in ids:
                known = self.key_map.get(msgid)
                if known is not None:
                    known = self._resolve(known)
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

    def _create_thread(self, p: ParsedMessage, gm_thrid: int | None = None) -> Thread:
        thread = Thread(account_id=self.account_id, subject=normalise_subject(p.subject),
                        gm_thrid=gm_thrid, message_count=0, needs_detection=True)
        self.new_threads.append(thread)
        self.participants[id(thread)] = set()
        return thread

    def _resolve(self, thread: Thread) -> Thread:
        while id(thread) in self.merged_into:
            thread = self.merged_into[id(thread)]
        return thread

    def _merge(self, threads: list[Thread]) -> Thread:
        persisted = sorted((t for t in threads if t.id is not None), key=lambda t: t.id)
        survivor = persisted[0] if persisted else threads[0]
        for loser in threads:
            if loser is survivor:
                continue
            self.merged_into[id(loser)] = survivor
            survivor.message_count = (survivor.message_count or 0) + (loser.message_count or 0)
            if loser.subject and (survivor.first_message_at is None or (
                    loser.first_message_at is not None
                    and loser.first_message_at < survivor.first_message_at)):
                survivor.subject = loser.subject
            survivor.first_message_at = _min(survivor.first_message_at, loser.first_message_at)
            survivor.last_message_at = _max(survivor.last_message_at, loser.last_message_at)
            if survivor.gm_thrid is None and loser.gm_thrid is not None:
                survivor.gm_thrid = loser.gm_thrid
            if id(loser) in self.participants or id(survivor) in self.participants:
                self._participants(survivor).update(self._participants(loser))
            else:
                self._add_participants(survivor, self.pending.pop(id(loser), ()))
            if loser.id is not None:
                self.db_merges.append((loser, survivor))
        self.touched[id(survivor)] = survivor
        return survivor

    def _participants(self, thread: Thread) -> set[str]:
        """External participants of a thread: loaded from the database only when asked."""
        key = id(thread)
        if key not in self.participants:
            addrs: set[str] = set()
            ids = [thread.id] + [loser.id for loser, survivor in self.db_merges
                                 if self._resolve(survivor) is thread]
            if thread.id is not None:
                rows = self.session.exec(
                    select(Message.from_addr, Message.to_addrs, Message.cc_addrs).where(
                        Message.thread_id.in_(ids)
                    )
                )
                for from_addr, to_addrs, cc_addrs in rows:
                    addrs.update(self.identity.external([from_addr, *(to_addrs or []), *(cc_addrs or [])]))
            addrs.update(self.pending.pop(key, ()))
            self.participants[key] = addrs
        return self.participants[key]

    def _add_participants(self, thread: Thread, addrs) -> None:
        key = id(thread)
        if key in self.participants:
            self.participants[key].update(addrs)
        else:
            self.pending.setdefault(key, set()).update(addrs)

    def _by_subject(self, p: ParsedMessage) -> Thread | None:
        """The subject fallback: a reply joins a recent thread of the same people."""
        if not is_reply_subject(p.subject):
            return None
        key = subject_key(p.subject)
        if not key:
            return None
        mine = set(self.identity.external(p.participants))
        if not mine:
            return None
        candidates: list[Thread] = [
            self._resolve(t) for t in self.new_threads if subject_key(t.subject) == key
        ]
        rows = self.session.exec(
            select(Thread).where(
                Thread.account_id == self.account_id,
                func.lower(Thread.subject) == normalise_subject(p.subject).lower(),
                Thread.last_message_at >= p.sent_at - SUBJECT_WINDOW,
                Thread.first_message_at <= p.sent_at + SUBJECT_WINDOW,
            ).order_by(Thread.last_message_at.desc()).limit(20)
        )
        candidates.extend(self._resolve(t) for t in rows)
        for thread in candidates:
            first, last = thread.first_message_at, thread.last_message_at
            if first is not None and not (first - SUBJECT_WINDOW <= p.sent_at <= last + SUBJECT_WINDOW):
                continue
            if mine & self._participants(thread):
                return thread
        return None

    def _count(self, thread: Thread, p: ParsedMessage) -> None:
        thread.message_count = (thread.message_count or 0) + 1
        if thread.first_message_at is None or p.sent_at < thread.first_message_at:
            thread.first_message_at = p.sent_at
            subject = normalise_subject(p.subject)
            if subject:
                thread.subject = subject
        thread.last_message_at = _max(thread.last_message_at, p.sent_at)
        if not thread.subject:
            thread.subject = normalise_subject(p.subject)
        self._add_participants(thread, self.identity.external(p.participants))
        self.touched[id(thread)] = thread

    def _flush_threads(self) -> None:
        roots = [t for t in self.new_threads if id(t) not in self.merged_into]
        self.session.add_all(roots)
        self.session.flush()
        for loser, survivor in self.db_merges:
            survivor = self._resolve(survivor)
            for model, column in ((Message, Message.thread_id), (ThreadKey, ThreadKey.thread_id),
                                  (FollowUpTask, FollowUpTask.thread_id)):
                self.session.execute(
                    update(model).where(column == loser.id).values(thread_id=survivor.id)
                    .execution_options(synchronize_session=False)
                )
            self.session.expunge(loser)
            self.session.execute(sa_delete(Thread).where(Thread.id == loser.id))
            self.touched.pop(id(loser), None)
        # Messages already loaded in this session may point at a merged thread.
        losers = {loser.id: self._resolve(survivor).id for loser, survivor in self.db_merges}
        if losers:
            for obj in list(self.session.identity_map.values()):
                if isinstance(obj, Message) and obj.thread_id in losers:
                    obj.thread_id = losers[obj.thread_id]
                    self.session.expire(obj, ["thread_id"])

    def _insert_keys(self) -> None:
        rows = [{"account_id": self.account_id, "msgid": msgid, "thread_id": self._resolve(t).id}
                for msgid, t in getattr(self, "new_keys", [])]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            stmt = postgresql.insert(ThreadKey).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(ThreadKey).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two supported databases
            from sqlalchemy import insert

            stmt = insert(ThreadKey)
        for chunk in _chunks(rows):
            self.session.execute(stmt, chunk)

    def _finish_threads(self) -> None:
        for thread in self.touched.values():
            thread = self._resolve(thread)
            thread.needs_detection = True
            thread.updated_at = self.now
            self.session.add(thread)

    # -- rows --------------------------------------------------------------------------

    def _new_message(self, item: StoreItem, p: ParsedMessage, thread: Thread) -> Message:
        kinds = p.kinds
        return Message(
            account_id=self.account_id,
            thread_id=thread.id,
            message_id_header=p.message_id,
            content_hash=p.content_hash,
            gm_msgid=item.gm_msgid,
            in_reply_to=p.in_reply_to,
            references=list(p.references),
            direction=self.identity.direction(p.from_addr),
            from_addr=p.from_addr,
            from_name=p.from_name,
            to_addrs=p.to_addrs,
            cc_addrs=p.cc_addrs,
            subject=p.subject,
            sent_at=p.sent_at,
            body_text=p.own_text,
            quoted_text=p.quoted_text,
            snippet=p.snippet,
            attachments=[a.as_dict() for a in p.attachments],
            is_auto_reply=kinds.is_auto_reply,
            is_bulk=kinds.is_bulk,
            is_bounce=kinds.is_bounce,
            is_calendar=kinds.is_calendar,
            is_noreply=kinds.is_noreply,
            parse_warnings=list(p.warnings),
            size=p.size,
            created_at=self.now,
        )

    def _locate(self, message: Message, item: StoreItem,
                locations: dict[tuple[int, int, int], MessageLocation]) -> bool:
        if item.folder is None or item.uid is None:
            return False
        key = (item.folder.id, item.uidvalidity or 0, item.uid)
        flags = sorted(set(item.flags))
        loc = locations.get(key)
        if loc is not None:
            if loc.flags != flags:
                loc.flags = flags
            if item.modseq is not None and loc.modseq != item.modseq:
                loc.modseq = item.modseq
            if loc.deleted:
                loc.deleted = False
            return False
        loc = MessageLocation(message_id=message.id, folder_id=item.folder.id,
                              uidvalidity=item.uidvalidity or 0, uid=item.uid, flags=flags,
                              modseq=item.modseq)
        self.session.add(loc)
        locations[key] = loc
        return True

    def _update_contacts(self, pairs: list[tuple[ParsedMessage, Message]]) -> None:
        seen: dict[str, tuple[str, datetime]] = {}
        for p, _ in pairs:
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
        contacts: dict[str, Contact] = {}
        for chunk in _chunks(sorted(seen)):
            for contact in self.session.exec(select(Contact).where(
                Contact.account_id == self.account_id, Contact.email.in_(chunk)
            )):
                contacts[contact.email] = contact
        for addr, (name, last) in seen.items():
            contact = contacts.get(addr)
            if contact is None:
                self.session.add(Contact(account_id=self.account_id, email=addr, name=name[:300],
                                         company=company_from_domain(addr), last_message_at=last))
                continue
            if name and not contact.name:
                contact.name = name[:300]
            if contact.last_message_at is None or last > contact.last_message_at:
                contact.last_message_at = last


def _chunks(values: list, size: int = IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)

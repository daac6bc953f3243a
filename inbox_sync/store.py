"""Storing parsed mail: the idempotent upsert that the IMAP sync and the import share.

A message is stored once per (account, Message-ID, content hash): the same message seen in
two folders, fetched again after a crash, or imported twice is one row with one
`MessageLocation` per (folder, UIDVALIDITY, UID); two different messages sharing a
Message-ID are both kept. Each new message is threaded (`inbox_sync.threader`: Gmail
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

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Sequence, TypeVar

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from followup.db.models import (
    Contact,
    Folder,
    MailAccount,
    Message,
    MessageLocation,
    ThreadKey,
)
from followup.db.bulk import chunks, insert_and_read_ids, insert_many
from followup.db.contacts import record_correspondents
from followup.db.session import session_scope
from followup.domain.addresses import company_from_domain
from followup.domain.company_names import company_name, signature_block
from followup.db.types import utcnow
from inbox_sync.parse import ParsedMessage, parse_message
from inbox_sync.participants import AccountIdentity
from inbox_sync.threader import IncrementalThreader

log = logging.getLogger(__name__)


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


class _Batch:
    def __init__(self, session: Session, account: MailAccount) -> None:
        self.session = session
        self.account_id = account.id
        self.identity = AccountIdentity.of(account)
        self.now = utcnow()
        self.dialect = session.get_bind().dialect.name
        self.threader = IncrementalThreader(session, account.id, self.identity, self.now)

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

        threads = self.threader.thread_all([(items[pos].gm_thrid, parsed[pos]) for pos in new_positions])
        self.threader.write_new_threads()
        ids = dict(existing)
        if new_positions:
            rows = [self._message_row(items[pos], parsed[pos], thread.resolve().id)
                    for pos, thread in zip(new_positions, threads)]
            new_ids = self._insert_messages(rows)
            for pos, new_id in zip(new_positions, new_ids):
                ids[(parsed[pos].message_id, parsed[pos].content_hash)] = new_id
            self._insert_keys()
            self._update_contacts([parsed[pos] for pos in new_positions])
        self.threader.write_thread_rows()

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

    # -- writing -----------------------------------------------------------------------

    def _insert_messages(self, rows: list[dict]) -> list[int]:
        """Insert new Message rows; their ids, in the order of `rows`, read back by the
        (account, Message-ID, content hash) key that is unique."""
        return insert_and_read_ids(self.session.connection(), Message.__table__, rows,
                                   key=("message_id_header", "content_hash"), scope={"account_id": self.account_id})

    def _insert_keys(self) -> None:
        rows = [{"account_id": self.account_id, "msgid": msgid, "thread_id": t.resolve().id}
                for msgid, t in self.threader.new_keys]
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
            "reply_to_addr": p.reply_to[0][1][:320] if p.reply_to else "",
            "to_addrs": p.to_addrs,
            "cc_addrs": p.cc_addrs,
            "subject": p.subject,
            "sent_at": p.sent_at,
            "sent_utc_offset": p.sent_utc_offset,
            "body_text": p.own_text,
            "quoted_text": p.quoted_text,
            "snippet": p.snippet,
            "language": p.language,
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
        """Whom the new mail was with: their names, companies and the date of the last message."""
        seen: dict[str, tuple[str, datetime, str]] = {}
        for p in parsed:
            k = p.kinds
            # A web-form notification is from the prospect in its Reply-To, not its no-reply sender.
            sender, sender_name = p.correspondent
            if k.is_bulk or k.is_bounce or (k.is_noreply and sender == p.from_addr):
                continue
            names = {addr: name for name, addr in (*p.to, *p.cc)}
            if sender:
                names[sender] = sender_name
            for addr in self.identity.external(names):
                name, last, company = seen.get(addr, ("", p.sent_at, ""))
                if addr == sender:  # what the sender wrote: their header and signature
                    said = company_name(addr, display_name=sender_name,
                                        organization=p.organization if sender == p.from_addr else "",
                                        signature_text=signature_block(p.own_text, p.quoted_text))
                else:
                    said = company_name(addr, display_name=names.get(addr, ""))
                # What someone wrote wins over the domain's guess, the latest writing over older.
                guess = company_from_domain(addr)
                if not company or (said != guess and (p.sent_at >= last or company == guess)):
                    company = said
                seen[addr] = (name or names.get(addr, ""), max(last, p.sent_at), company)
        updated = record_correspondents(self.session.connection(), self.account_id, seen)
        self._forget_objects(Contact, updated)

    # -- keeping the caller's session honest ------------------------------------------------

    def _forget_objects(self, model, ids: set[int]) -> None:
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, model) and obj.id in ids:
                self.session.expire(obj)

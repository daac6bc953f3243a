"""Detection's loading (`followup.detection.service`, step 1): the threads to look at and
their messages as the rules' views, read raw in a few chunked queries, never one per thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import Text, func, or_, select, type_coerce
from sqlmodel import Session

from followup.db.bulk import chunks
from followup.db.models import FollowUpTask, Message, Thread
from followup.domain.rules.policy import TEXT_LIMIT
from followup.domain.rules.views import MessageView
from followup.domain.vocabulary import OPEN_STATUSES


@dataclass(frozen=True)
class ThreadRow:
    id: int
    subject: str
    muted: bool
    needs_detection: bool
    detect_at: datetime | None
    updated_at: datetime
    message_count: int


def load_threads(session: Session, account_id: int, now: datetime, full: bool,
                  ids: Sequence[int] | None = None) -> list[ThreadRow]:
    """All threads (full), those flagged or due, or those with these ids."""
    query = select(Thread.id, Thread.subject, Thread.muted, Thread.needs_detection, Thread.detect_at,
                   Thread.updated_at, Thread.message_count).where(Thread.account_id == account_id)
    if ids is not None:
        queries = [query.where(Thread.id.in_(chunk)) for chunk in chunks(sorted(ids))]
    elif not full:
        queries = [query.where(or_(Thread.needs_detection.is_(True), Thread.detect_at <= now))]
    else:
        queries = [query]
    connection = session.connection()
    rows = [ThreadRow(*row) for q in queries for row in connection.execute(q.order_by(Thread.id))]
    return rows


def threads_naming(session: Session, account_id: int, contact_ids: list[int], skip: set[int]) -> list[int]:
    """Threads with an open task for one of these contacts, other than `skip`."""
    found: set[int] = set()
    for chunk in chunks(contact_ids):
        found.update(session.execute(
            select(FollowUpTask.thread_id).where(
                FollowUpTask.account_id == account_id, FollowUpTask.contact_id.in_(chunk),
                FollowUpTask.status.in_(OPEN_STATUSES), FollowUpTask.thread_id.is_not(None))
        ).scalars())
    return sorted(found - skip)


# Read raw: JSON address lists and dates are decoded below, much faster than by the column
# types for 100,000 rows (the same few address lists repeat a lot).
_MESSAGE_COLUMNS = (
    Message.thread_id, Message.id, type_coerce(Message.sent_at, Text), Message.direction, Message.from_addr,
    Message.from_name, type_coerce(Message.to_addrs, Text), type_coerce(Message.cc_addrs, Text), Message.subject,
    func.substr(Message.body_text, 1, TEXT_LIMIT),
    Message.label, Message.needs_reply, Message.is_auto_reply, Message.is_bulk, Message.is_bounce,
    Message.is_noreply, Message.message_id_header, Message.is_calendar, type_coerce(Message.attachments, Text),
    Message.reply_to_addr, Message.sent_utc_offset,
)


def load_messages(session: Session, account_id: int, thread_ids: Sequence[int], full: bool) -> dict[int, list[MessageView]]:
    by_thread: dict[int, list[MessageView]] = {}
    if not thread_ids:
        return by_thread
    if full:
        queries = [select(*_MESSAGE_COLUMNS).where(Message.account_id == account_id, Message.thread_id.is_not(None))]
    else:
        queries = [select(*_MESSAGE_COLUMNS).where(Message.thread_id.in_(chunk)) for chunk in chunks(thread_ids)]
    connection = session.connection()
    addresses = _AddressLists()
    for query in queries:
        for (thread_id, id_, sent_at, direction, from_addr, from_name, to_addrs, cc_addrs, subject, text,
             label, needs_reply, auto, bulk, bounce, noreply, msgid, calendar,
             attachments, reply_to, offset) in connection.execute(query).all():
            view = MessageView(  # positional: 100,000 of them
                id_, utc(sent_at), direction, (from_addr or "").lower(), from_name or "", addresses(to_addrs),
                addresses(cc_addrs), subject or "", text or "", label, needs_reply, bool(auto), bool(bulk),
                bool(bounce), bool(noreply), msgid, bool(calendar), _any_attachment(attachments), offset,
            )
            by_thread.setdefault(thread_id, []).append(view.with_reply_to(reply_to) if reply_to else view)
    return by_thread


def _any_attachment(value) -> bool:
    """The JSON attachment list read raw (text on SQLite, a list on PostgreSQL) is not empty."""
    if isinstance(value, str):
        return value.strip() not in ("", "[]", "null")
    return bool(value)


def display_names(messages: dict[int, list[MessageView]]) -> dict[str, str]:
    """Each sender's display name, from their earliest mail that has one."""
    earliest: dict[str, tuple[datetime, int, str]] = {}
    for views in messages.values():
        for m in views:
            name = m.from_name.strip().strip('"')
            if name and "@" not in name and m.direction != "outbound":
                seen = earliest.get(m.from_addr)
                if seen is None or (m.sent_at, m.id) < seen[:2]:
                    earliest[m.from_addr] = (m.sent_at, m.id, name[:300])
    return {email: value[2] for email, value in earliest.items()}


class _AddressLists:
    """JSON address lists (text on SQLite, already decoded on PostgreSQL) to lower-case tuples."""

    def __init__(self) -> None:
        self.memo: dict[str, tuple[str, ...]] = {}

    def __call__(self, value) -> tuple[str, ...]:
        if isinstance(value, str):
            known = self.memo.get(value)
            if known is None:
                known = self.memo[value] = self._clean(json.loads(value))
            return known
        return self._clean(value)

    @staticmethod
    def _clean(value) -> tuple[str, ...]:
        return tuple(a.lower() for a in value or () if isinstance(a, str))


def utc(value) -> datetime:
    """A stored UTC datetime read raw: text on SQLite, naive or aware datetime on PostgreSQL."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

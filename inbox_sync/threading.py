"""Threading rules as pure functions: subject normalisation, the subject fallback, and a
whole-mailbox JWZ-style threader used by tests and as the reference for the store.

The store (`inbox_sync.store`) applies the same rules incrementally: it keeps JWZ's id table
in the database (`ThreadKey`: every Message-ID the account has seen, stored or only
referenced, and its thread), so a parent arriving after its children, or a message linking
two threads, joins or merges them exactly as threading everything at once would.

Order of evidence: Gmail's thread id where the sync provides it; else References and
In-Reply-To; else the normalised subject, only for a reply or forward whose ids link
nothing, only when the external participants overlap and the dates are within
`SUBJECT_WINDOW`. The store applies the subject rule both ways round (an original that
arrives after its reply joins the thread the reply started), so its threads, like
`thread_messages`'s, do not depend on the order messages arrive in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Iterable

SUBJECT_WINDOW = timedelta(days=30)
"""A reply joins a thread by subject only within this time of the thread's messages."""

_PREFIX_RE = re.compile(
    r"^\s*(?:"
    r"(?:re|aw|sv|vs|antw|antwort|wg|fw|fwd|tr|rv|enc|odp|r|ref|res|doorst|vl|vb|ynt|"
    r"回复|转发|答复|返信|転送)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    r"|\[[^\]]{1,60}\]"
    r")\s*",
    re.IGNORECASE,
)
_REPLY_RE = re.compile(
    r"^\s*(?:\[[^\]]{1,60}\]\s*)*"
    r"(?:re|aw|sv|vs|antw|antwort|wg|fw|fwd|tr|rv|enc|odp|r|ref|res|doorst|vl|vb|ynt|"
    r"回复|转发|答复|返信|転送)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",
    re.IGNORECASE,
)
_TRAILER_RE = re.compile(r"\s*\((?:fwd|fw)\)\s*$", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")


SUBJECT_CACHE_SIZE = 1 << 13
"""Subjects whose normalised form is remembered: the store compares a message's subject
with every candidate thread's, and a mailbox repeats its subjects a lot. Bounded, so memory
stays flat during a long import (a few MB at most)."""


@lru_cache(maxsize=SUBJECT_CACHE_SIZE)
def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes in any common language nor [list tags]."""
    text = _WS_RE.sub(" ", subject or "").strip()
    for _ in range(20):
        stripped = _PREFIX_RE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = _TRAILER_RE.sub("", text)
    return text.strip()[:1000]


@lru_cache(maxsize=SUBJECT_CACHE_SIZE)
def is_reply_subject(subject: str) -> bool:
    """True when the subject carries a reply or forward prefix."""
    return bool(_REPLY_RE.match(subject or ""))


@lru_cache(maxsize=SUBJECT_CACHE_SIZE)
def subject_key(subject: str) -> str:
    """The normalised subject, lower-cased: what two subjects are compared by."""
    return normalise_subject(subject).casefold()


@dataclass(frozen=True)
class ThreadableMessage:
    """What threading looks at."""

    message_id: str
    references: tuple[str, ...] = ()
    in_reply_to: str | None = None
    subject: str = ""
    sent_at: datetime | None = None
    participants: frozenset[str] = field(default_factory=frozenset)
    gm_thrid: int | None = None

    @property
    def linked_ids(self) -> tuple[str, ...]:
        ids = list(self.references)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return tuple(ids)


def thread_messages(messages: Iterable[ThreadableMessage]) -> list[frozenset[str]]:
    """Group messages into threads (sets of Message-IDs); the result does not depend on order.

    Union-find over Message-IDs: a message joins everything it references (parents that
    were never seen still link their children); Gmail thread ids join theirs; replies whose
    ids link nothing known join by subject (same normalised subject, a shared participant,
    within `SUBJECT_WINDOW`).
    """
    messages = sorted(set(messages), key=lambda m: (m.message_id, m.references, m.subject))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb

    own_ids = {m.message_id for m in messages}
    by_gm: dict[int, str] = {}
    for m in messages:
        find(m.message_id)
        if m.gm_thrid is not None:
            if m.gm_thrid in by_gm:
                union(by_gm[m.gm_thrid], m.message_id)
            else:
                by_gm[m.gm_thrid] = m.message_id
            continue
        for ref in m.linked_ids:
            union(m.message_id, ref)  # an unseen ref is a placeholder node linking its children

    # Subject fallback: replies not linked to any other message by ids.
    def linked(m: ThreadableMessage) -> bool:
        return m.gm_thrid is not None or any(r in own_ids for r in m.linked_ids)

    changed = True
    while changed:
        changed = False
        for m in messages:
            if linked(m) or not is_reply_subject(m.subject):
                continue
            for other in messages:
                if other is m or find(other.message_id) == find(m.message_id):
                    continue
                if subject_key(other.subject) != subject_key(m.subject):
                    continue
                if m.sent_at is None or other.sent_at is None:
                    continue
                if not (m.participants & other.participants):
                    continue
                if abs(m.sent_at - other.sent_at) > SUBJECT_WINDOW:
                    continue
                union(m.message_id, other.message_id)
                changed = True
    result: dict[str, set[str]] = {}
    for m in messages:
        result.setdefault(find(m.message_id), set()).add(m.message_id)
    return sorted((frozenset(g) for g in result.values()), key=lambda g: sorted(g))

"""The domain's words: roles, mailbox states, directions, labels, task kinds and statuses.

Plain `StrEnum`s with no ORM or I/O, so the rules and the classifier's callers share them
without importing the database; `followup.db.models` stores them as their string values.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"


class Security(StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


class SyncStatus(StrEnum):
    NEVER = "never"
    SYNCING = "syncing"
    OK = "ok"
    ERROR = "error"
    AUTH_FAILED = "auth_failed"
    NEEDS_SIGNIN = "needs_signin"  # the OAuth2 grant was refused (invalid_grant) or disconnected


class FolderRole(StrEnum):
    INBOX = "inbox"
    SENT = "sent"
    ALL = "all"
    ARCHIVE = "archive"
    OTHER = "other"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Label(StrEnum):
    INQUIRY = "inquiry"
    SALE = "sale"
    COMPLAINT = "complaint"
    OTHER = "other"


class TaskKind(StrEnum):
    AWAITING_REPLY = "awaiting_reply"
    NEEDS_REPLY = "needs_reply"
    POST_SALE_CHECKIN = "post_sale_checkin"
    COMPLAINT = "complaint"
    DORMANT_CUSTOMER = "dormant_customer"
    ANNIVERSARY = "anniversary"
    BOUNCED = "bounced"
    PROMISE = "promise"


class TaskStatus(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    DONE = "done"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"  # closed by the mail itself (a reply arrived)
    EXPIRED = "expired"  # the window passed (e.g. post-sale check-in after 7 days)


OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.SNOOZED)

STARTS_WHEN_DUE = frozenset({TaskKind.POST_SALE_CHECKIN, TaskKind.PROMISE})
"""Kinds whose due moment is when the follow-up may start (the check-in window opens): until
then such a task is upcoming, not open (a promise is due on its day). A condition on `due_at` and `now` at query time
rather than a status of its own, so no timer has to flip it and no count can lag behind."""


def is_upcoming(kind: str, due_at: datetime, now: datetime) -> bool:
    """Not due yet and of a kind that starts when due ("from Thu 3 Dec")."""
    return kind in STARTS_WHEN_DUE and due_at > now

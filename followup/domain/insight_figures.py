"""The figures of the lead's page, as pure functions of a thread's mail, `now` and a time zone.

The demo and a fresh mailbox have little task history (detection ran once), so the weekly
figures are read from the mail itself:

* a *first reply*: the first inbound inquiry or complaint from a customer since the rep last
  wrote, and the rep's next outbound mail in the thread (wall-clock hours between them, not
  business hours: what the customer waited);
* a complaint's first-response deadline is met when that reply came by the deadline, missed
  when it came later or the deadline passed without one, pending while it may still come;
* an *answered wait*: the rep's first asking mail since the contact last wrote, and the
  contact's next mail; the nudge it was answered after is the business days waited divided by
  the rep's awaiting-reply days (0: before any nudge), at most the third.

Weeks are Monday weeks in the viewer's zone, named by their Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from statistics import median
from zoneinfo import ZoneInfo

from followup.domain.rules.text import asks_for_something
from followup.domain.rules.views import MessageView
from followup.domain.vocabulary import Direction, Label

WEEKS = 12
LAST_NUDGE = 3
"""Answers after the third nudge or later count as after the third (the default max_nudges)."""

REPLY_LABELS = (Label.INQUIRY, Label.COMPLAINT)


class Deadline(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"


def week_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday (a local date in `zone`) of the week `moment` falls in."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def last_weeks(now: datetime, zone: ZoneInfo, n: int = WEEKS) -> list[date]:
    """The Mondays of the last `n` weeks, oldest first; the last is the week of `now`."""
    current = week_of(now, zone)
    return [current - timedelta(weeks=n - 1 - i) for i in range(n)]


def week_starts_at(monday: date, zone: ZoneInfo) -> datetime:
    """Monday 00:00 in `zone`, as aware UTC."""
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(timezone.utc)


def median_per_week(samples: Iterable[tuple[datetime, float]], weeks: Sequence[date],
                    zone: ZoneInfo) -> list[float | None]:
    """The median of the values whose moment falls in each week (None: no value that week)."""
    by_week: dict[date, list[float]] = {week: [] for week in weeks}
    for moment, value in samples:
        bucket = by_week.get(week_of(moment, zone))
        if bucket is not None:
            bucket.append(value)
    return [median(by_week[week]) if by_week[week] else None for week in weeks]


def nudge_number(business_days_waited: int, awaiting_reply_days: int) -> int:
    """After which nudge an answer came: 0 before the first, else 1 to LAST_NUDGE."""
    return min(business_days_waited // max(awaiting_reply_days, 1), LAST_NUDGE)


def deadline_outcome(deadline: datetime, replied_at: datetime | None, now: datetime) -> Deadline:
    if replied_at is not None and replied_at <= now:
        return Deadline.MET if replied_at <= deadline else Deadline.MISSED
    return Deadline.MISSED if now > deadline else Deadline.PENDING


@dataclass(frozen=True)
class FirstReply:
    """A customer's inquiry or complaint and the rep's first answer (None: not answered by now)."""

    message_id: int
    label: str
    received_at: datetime
    replied_at: datetime | None

    @property
    def hours(self) -> float | None:
        if self.replied_at is None:
            return None
        return (self.replied_at - self.received_at).total_seconds() / 3600


@dataclass(frozen=True)
class AnsweredWait:
    """The rep's asking mail and the contact's next mail."""

    asked_at: datetime
    answered_at: datetime


def is_customer_mail(message: MessageView, own_domains: frozenset[str]) -> bool:
    """Inbound from a person outside the company: no machine mail, no colleague."""
    if message.direction != Direction.INBOUND:
        return False
    if message.is_auto_reply or message.is_bulk or message.is_bounce or message.is_noreply or message.is_calendar:
        return False
    return message.from_addr.rpartition("@")[2].lower() not in own_domains


def first_replies(messages: Iterable[MessageView], own_domains: frozenset[str], now: datetime) -> list[FirstReply]:
    """Each first unanswered inquiry or complaint of a thread and the rep's next outbound mail."""
    found: list[FirstReply] = []
    waiting: MessageView | None = None
    for message in sorted(messages, key=lambda m: (m.sent_at, m.id)):
        if message.sent_at > now:
            break
        if message.direction == Direction.OUTBOUND:
            if waiting is not None:
                found.append(FirstReply(waiting.id, str(waiting.label), waiting.sent_at, message.sent_at))
                waiting = None
        elif waiting is None and message.label in REPLY_LABELS and is_customer_mail(message, own_domains):
            waiting = message
    if waiting is not None:
        found.append(FirstReply(waiting.id, str(waiting.label), waiting.sent_at, None))
    return found


def answered_waits(messages: Iterable[MessageView], own_domains: frozenset[str], now: datetime) -> list[AnsweredWait]:
    """Each first asking outbound mail since the contact last wrote, with the contact's next mail."""
    found: list[AnsweredWait] = []
    asked: MessageView | None = None
    for message in sorted(messages, key=lambda m: (m.sent_at, m.id)):
        if message.sent_at > now:
            break
        if message.direction == Direction.OUTBOUND:
            if asked is None and asks_for_something(message):
                asked = message
        elif asked is not None and is_customer_mail(message, own_domains):
            found.append(AnsweredWait(asked.sent_at, message.sent_at))
            asked = None
    return found

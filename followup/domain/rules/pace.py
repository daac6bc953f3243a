"""Each contact's own pace: how long they usually take to answer the rep, in business hours
(the hours of the user's business days; weekends and holidays do not count), and when a
wait is late by their own standard. Pure: threads or delays and the calendar in, a threshold
out. `followup.detection.service` learns the replies over every thread of a contact (in an
incremental pass too), the awaiting-reply rule of `thread` asks `pace_before` its clock.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Iterable

from followup.domain.calendar import BusinessCalendar
from followup.domain.rules.text import asks_for_something
from followup.domain.rules.views import DetectionSettings, ThreadView
from followup.domain.vocabulary import Direction

MIN_REPLIES = 3
"""Replies needed before a contact's own pace replaces the fixed threshold."""

BUSINESS_DAY_HOURS = 24
"""A business day counts whole: a reply at 8 in the evening is within the day it came."""


def business_hours_between(start: datetime, end: datetime, cal: BusinessCalendar) -> float:
    """Hours from `start` to `end` that fall on the user's business days (local dates)."""
    if end <= start:
        return 0.0
    total, moment = 0.0, cal.local(start)
    stop = cal.local(end)
    while moment < stop:
        midnight = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=moment.tzinfo)
        upto = min(midnight, stop)
        if cal.is_business_day(moment.date()):
            total += (upto - moment).total_seconds() / 3600
        moment = upto
    return total


@dataclass(frozen=True)
class ContactPace:
    replies: int
    median_hours: float
    p80_hours: float

    @property
    def late_after_days(self) -> int:
        """Business days after which a wait is late for this contact: their 80th percentile,
        rounded up to whole business days, at least one."""
        return max(1, math.ceil(self.p80_hours / BUSINESS_DAY_HOURS))

    def usual_text(self) -> str:
        hours = self.p80_hours
        if hours < BUSINESS_DAY_HOURS:
            return f"usually replies within {max(1, math.ceil(hours))} h"
        days = math.ceil(hours / BUSINESS_DAY_HOURS)
        return f"usually replies within {days} business day{'s' if days > 1 else ''}"


def learn_pace(delays_hours: list[float]) -> ContactPace | None:
    """The pace of a contact from the business hours each of their replies took (their last
    ones), or None with fewer than `MIN_REPLIES`."""
    if len(delays_hours) < MIN_REPLIES:
        return None
    ordered = sorted(delays_hours)
    p80 = statistics.quantiles(ordered, n=10, method="inclusive")[7]
    return ContactPace(replies=len(ordered), median_hours=statistics.median(ordered), p80_hours=p80)


def awaiting_threshold_days(pace: ContactPace | None, fixed_days: int) -> tuple[int, str]:
    """The business days to wait before nudging, and which rule said so."""
    if pace is None:
        return fixed_days, f"no reply within {fixed_days} business day{'s' if fixed_days > 1 else ''}"
    return pace.late_after_days, pace.usual_text()


PACE_WINDOW = 10
"""A contact's pace is read from their last this many replies to the user."""

ReplyHistory = tuple[tuple[datetime, float], ...]
"""A contact's replies to the user: (when the reply came, the business hours it took), in order."""


def reply_delays(threads: Iterable[ThreadView], settings: DetectionSettings) -> dict[str, ReplyHistory]:
    """Each external contact's replies to the user over these threads: a reply is a contact's
    human mail after the user's latest mail to them that asked for something and that they
    had not answered yet, timed from the latest such mail (the clock of the awaiting-reply
    wait; an answer to mail that asked nothing says nothing of how long they make people
    wait). Pure, and the same however the threads are grouped, so a full and an incremental
    pass that load a contact's threads learn the same pace."""
    found: dict[str, list[tuple[datetime, float]]] = {}
    cal = settings.calendar
    for thread in threads:
        waiting: dict[str, datetime] = {}  # contact -> the user's latest unanswered mail to them
        for m in sorted(thread.messages, key=lambda m: (m.sent_at, m.id)):
            if m.is_bulk or m.is_bounce or m.is_auto_reply or m.is_noreply or m.is_calendar:
                continue
            kind = settings.address_kind(m.from_addr)
            if m.direction == Direction.OUTBOUND or kind == "own":
                if asks_for_something(m):
                    for address in (*m.to_addrs, *m.cc_addrs):
                        if settings.is_external(address):
                            waiting[address.lower()] = m.sent_at
            elif kind == "external":
                sender = m.from_addr.lower()
                asked = waiting.pop(sender, None)
                if asked is not None:
                    found.setdefault(sender, []).append((m.sent_at, business_hours_between(asked, m.sent_at, cal)))
    return {email: tuple(sorted(replies)) for email, replies in found.items()}


def pace_before(history: ReplyHistory | None, moment: datetime) -> ContactPace | None:
    """The contact's pace from their last `PACE_WINDOW` replies that came before `moment` (what
    was known when the user wrote: later replies elsewhere do not move an earlier wait)."""
    if not history:
        return None
    before = [hours for at, hours in history if at < moment]
    return learn_pace(before[-PACE_WINDOW:])

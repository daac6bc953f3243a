"""Each contact's own pace: how long they usually take to answer the rep, in business hours
(the hours of the user's business days; weekends and holidays do not count), and when a
wait is late by their own standard. Pure: delays and the calendar in, a threshold out.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from followup.domain.calendar import BusinessCalendar

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

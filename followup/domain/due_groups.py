"""The list's groups by due date: overdue, today, this week, upcoming (due later: not yet
due check-ins and promises), each in the user's time zone. `now` is a parameter."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import Enum

from followup.domain.date_display import zone_of


class DueGroup(str, Enum):
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    UPCOMING = "upcoming"


DUE_GROUP_TITLES = {
    DueGroup.OVERDUE: "Overdue",
    DueGroup.TODAY: "Today",
    DueGroup.THIS_WEEK: "This week",
    DueGroup.UPCOMING: "Upcoming",
}


def due_group(due_at: datetime, now: datetime, zone: str | None) -> DueGroup:
    """Overdue once the due moment has passed; today until local midnight; this week until
    the end of the local Sunday; upcoming after that."""
    if due_at <= now:
        return DueGroup.OVERDUE
    tz = zone_of(zone)
    today = now.astimezone(tz).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    if due_at < tomorrow:
        return DueGroup.TODAY
    next_monday = datetime.combine(today + timedelta(days=7 - today.weekday()), time(0), tzinfo=tz)
    if due_at < next_monday:
        return DueGroup.THIS_WEEK
    return DueGroup.UPCOMING


def group_by_due(rows, now: datetime, zone: str | None, *, due=lambda row: row.due_at) -> list[tuple[DueGroup, list]]:
    """`rows` in the groups' order (overdue first), each group keeping the rows' own order."""
    groups: dict[DueGroup, list] = {group: [] for group in DueGroup}
    for row in rows:
        groups[due_group(due(row), now, zone)].append(row)
    return [(group, items) for group, items in groups.items() if items]

"""The lead's page's pure figures: Monday weeks in the viewer's zone, the median per week, the
nudge an answer came after, deadlines, and the first replies and answered waits of a thread."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from followup.domain.insight_figures import (
    Deadline,
    answered_waits,
    deadline_outcome,
    first_replies,
    last_weeks,
    median_per_week,
    nudge_number,
    week_of,
    week_starts_at,
)
from followup.domain.rules.views import MessageView

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
OWN = frozenset({"acme.test"})
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # a Tuesday


def utc(day, hour, minute=0, month=3):
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def test_a_week_starts_on_monday_in_the_viewers_zone():
    sunday_night_utc = utc(8, 23, 30)  # Monday 00:30 in Berlin, Sunday 19:30 in New York
    assert week_of(sunday_night_utc, UTC) == date(2026, 3, 2)
    assert week_of(sunday_night_utc, BERLIN) == date(2026, 3, 9)
    assert week_of(utc(9, 3), NEW_YORK) == date(2026, 3, 2)  # still Sunday 23:00 there
    assert week_starts_at(date(2026, 3, 9), BERLIN) == utc(8, 23)
    assert week_starts_at(date(2026, 3, 9), NEW_YORK) == utc(9, 4)  # EDT since Mar 8


def test_the_last_twelve_weeks_end_with_the_week_of_now():
    weeks = last_weeks(NOW, BERLIN)
    assert len(weeks) == 12 and weeks[-1] == date(2026, 3, 9) and weeks[0] == date(2025, 12, 22)
    assert all(w.weekday() == 0 for w in weeks)
    assert all(b - a == timedelta(weeks=1) for a, b in zip(weeks, weeks[1:]))


def test_the_median_per_week_in_a_zone():
    weeks = [date(2026, 3, 2), date(2026, 3, 9)]
    samples = [
        (utc(3, 12), 4.0), (utc(4, 12), 24.0), (utc(5, 12), 2.0),  # median 4
        (utc(8, 23, 30), 10.0), (utc(9, 12), 20.0),  # both Mar 9's week in Berlin: median 15
        (utc(20, 12, month=2), 99.0),  # before the weeks shown
    ]
    assert median_per_week(samples, weeks, BERLIN) == [4.0, 15.0]
    # In UTC the Sunday-night sample belongs to the week before.
    assert median_per_week(samples, weeks, UTC) == [7.0, 20.0]
    assert median_per_week([], weeks, BERLIN) == [None, None]


def test_the_nudge_an_answer_came_after():
    assert [nudge_number(days, 5) for days in (0, 4, 5, 9, 10, 14, 15, 40)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert nudge_number(2, 1) == 2 and nudge_number(3, 0) == 3  # a zero setting counts as one day


def test_a_complaints_first_response_deadline():
    due = utc(10, 12)
    assert deadline_outcome(due, utc(10, 11), NOW.replace(hour=13)) == Deadline.MET
    assert deadline_outcome(due, due, NOW.replace(hour=13)) == Deadline.MET
    assert deadline_outcome(due, utc(10, 13), NOW.replace(hour=14)) == Deadline.MISSED
    assert deadline_outcome(due, None, NOW.replace(hour=13)) == Deadline.MISSED
    assert deadline_outcome(due, None, NOW) == Deadline.PENDING


def mail(i, when, *, out=False, label=None, sender="buyer@customer.example", asks=None, **flags):
    return MessageView(id=i, sent_at=when, direction="outbound" if out else "inbound", from_addr=sender,
                       label=label, needs_reply=asks, **flags)


def test_first_replies_count_from_the_first_unanswered_mail():
    thread = [
        mail(1, utc(2, 10), label="inquiry"),
        mail(2, utc(2, 11), label="inquiry"),  # a second mail before the answer: the clock keeps running
        mail(3, utc(2, 12), label="inquiry", sender="colleague@acme.test"),  # a colleague, not a customer
        mail(4, utc(2, 14), out=True),
        mail(5, utc(3, 9), label="complaint", is_auto_reply=True),  # machine mail
        mail(6, utc(3, 10), label="other"),
        mail(7, utc(4, 10), label="complaint"),
        mail(8, utc(4, 11), out=True),
        mail(9, utc(9, 8), label="complaint"),  # not answered yet
        mail(10, utc(11, 8), out=True),  # after now: not yet an answer
    ]
    found = first_replies(thread, OWN, NOW)
    assert [(r.message_id, r.label, r.hours) for r in found] == [(1, "inquiry", 4.0), (7, "complaint", 1.0),
                                                                 (9, "complaint", None)]


def test_answered_waits_count_from_the_first_asking_mail():
    thread = [
        mail(1, utc(2, 10), out=True, asks=False),  # asks for nothing: no wait
        mail(2, utc(2, 11), out=True, asks=True),
        mail(3, utc(3, 11), out=True, asks=True),  # a reminder: the wait began at the first
        mail(4, utc(4, 9), is_auto_reply=True),  # away: not an answer
        mail(5, utc(5, 9)),
        mail(6, utc(6, 9), out=True, asks=True),  # still waiting
    ]
    assert [(w.asked_at, w.answered_at) for w in answered_waits(thread, OWN, NOW)] == [(utc(2, 11), utc(5, 9))]

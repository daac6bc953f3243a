"""Business days: working week, time zones, DST, holidays."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from followup.domain.calendar import BusinessCalendar, CalendarError, add_business_days, business_days_between

UTC = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_five_business_days_skip_the_weekend():
    cal = BusinessCalendar()
    assert add_business_days(utc(2026, 3, 2, 10), 5, cal) == utc(2026, 3, 9, 10)  # Mon -> Mon
    assert add_business_days(utc(2026, 3, 6, 10), 1, cal) == utc(2026, 3, 9, 10)  # Fri -> Mon
    assert add_business_days(utc(2026, 3, 4, 10), 5, cal) == utc(2026, 3, 11, 10)  # Wed -> Wed


def test_a_weekend_start_counts_from_the_next_business_morning():
    cal = BusinessCalendar()
    # Saturday afternoon: all of Monday to answer, due Tuesday 00:00.
    assert add_business_days(utc(2026, 3, 7, 15), 1, cal) == utc(2026, 3, 10, 0)
    assert add_business_days(utc(2026, 3, 7, 15), 0, cal) == utc(2026, 3, 9, 0)


def test_exactly_n_business_days_between():
    cal = BusinessCalendar()
    sent = utc(2026, 3, 2, 10)
    assert business_days_between(sent, utc(2026, 3, 9, 9, 59), cal) == 4
    assert business_days_between(sent, utc(2026, 3, 9, 10), cal) == 5
    assert business_days_between(sent, utc(2026, 3, 7, 12), cal) == 4  # Saturday
    assert business_days_between(sent, sent, cal) == 0
    assert business_days_between(sent, sent - timedelta(days=3), cal) == 0


def test_time_zone_decides_the_local_day():
    # Friday 23:00 in New York is Saturday 04:00 UTC.
    friday_night = utc(2026, 3, 14, 3)  # Fri 13 Mar 23:00 EDT
    ny = BusinessCalendar("America/New_York")
    assert add_business_days(friday_night, 1, ny) == utc(2026, 3, 17, 3)  # Mon 23:00 EDT
    # In UTC it is a Saturday: counting starts Monday morning.
    assert add_business_days(friday_night, 1, BusinessCalendar()) == utc(2026, 3, 17, 0)


def test_wall_clock_time_is_kept_across_a_dst_change():
    ny = BusinessCalendar("America/New_York")  # DST starts Sun 8 Mar 2026
    sent = utc(2026, 3, 6, 15)  # Fri 10:00 EST
    due = add_business_days(sent, 5, ny)
    assert due == utc(2026, 3, 13, 14)  # Fri 10:00 EDT: 23 hours shorter week
    assert business_days_between(sent, due, ny) == 5
    assert business_days_between(sent, due - timedelta(minutes=1), ny) == 4
    berlin = BusinessCalendar("Europe/Berlin")  # DST ends Sun 25 Oct 2026
    sent = utc(2026, 10, 23, 8)  # Fri 10:00 CEST
    assert add_business_days(sent, 1, berlin) == utc(2026, 10, 26, 9)  # Mon 10:00 CET


def test_holidays_of_the_configured_country_are_skipped():
    us = BusinessCalendar(holiday_country="US")
    # Thanksgiving: Thu 26 Nov 2026.
    assert add_business_days(utc(2026, 11, 25, 10), 1, us) == utc(2026, 11, 27, 10)
    assert add_business_days(utc(2026, 11, 25, 10), 1, BusinessCalendar()) == utc(2026, 11, 26, 10)
    de = BusinessCalendar("Europe/Berlin", holiday_country="DE")
    # Good Friday 3 Apr and Easter Monday 6 Apr 2026.
    assert add_business_days(utc(2026, 4, 2, 8), 1, de) == utc(2026, 4, 7, 8)
    assert business_days_between(utc(2026, 4, 2, 8), utc(2026, 4, 7, 8), de) == 1


def test_subdivision_holidays():
    # Berlin has International Women's Day (8 Mar; a Monday in 2027), Bavaria does not.
    berlin = BusinessCalendar(holiday_country="DE-BE")
    bavaria = BusinessCalendar(holiday_country="DE-BY")
    assert not berlin.is_business_day(date(2027, 3, 8))
    assert bavaria.is_business_day(date(2027, 3, 8))


def test_another_working_week():
    # Sunday to Thursday.
    cal = BusinessCalendar(working_days="6,0,1,2,3")
    assert add_business_days(utc(2026, 3, 5, 10), 1, cal) == utc(2026, 3, 8, 10)  # Thu -> Sun


def test_bad_settings_are_reported():
    with pytest.raises(CalendarError, match="time zone"):
        BusinessCalendar("Mars/Olympus")
    with pytest.raises(CalendarError, match="working days"):
        BusinessCalendar(working_days="7")
    with pytest.raises(CalendarError, match="holiday"):
        BusinessCalendar(holiday_country="XX")


def test_counting_agrees_with_day_by_day_stepping():
    rng = random.Random(7)
    cals = [BusinessCalendar(), BusinessCalendar("America/New_York", holiday_country="US"),
            BusinessCalendar("Asia/Tokyo", working_days="0,1,2,3,4,5", holiday_country="JP")]
    for _ in range(300):
        cal = rng.choice(cals)
        start = utc(2025, 1, 1) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        n = rng.randrange(0, 40)
        due = add_business_days(start, n, cal)
        assert business_days_between(start, due, cal) == n
        assert business_days_between(start, due - timedelta(seconds=1), cal) == max(n - 1, 0)
        # stepping one day at a time gives the same instant
        stepped = start
        for _ in range(n):
            stepped = add_business_days(stepped, 1, cal)
        assert stepped == due or n == 0

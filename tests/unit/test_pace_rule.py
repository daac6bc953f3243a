"""Each contact's own pace: business hours, median and 80th percentile, the threshold it gives."""

from __future__ import annotations

from datetime import datetime, timezone

from followup.domain.calendar import BusinessCalendar
from followup.domain.rules.pace import awaiting_threshold_days, business_hours_between, learn_pace

CAL = BusinessCalendar()


def test_weekends_do_not_count_as_business_hours():
    friday_4pm = datetime(2026, 12, 4, 16, tzinfo=timezone.utc)
    monday_10am = datetime(2026, 12, 7, 10, tzinfo=timezone.utc)
    assert business_hours_between(friday_4pm, monday_10am, CAL) == 18


def test_a_quick_contact_is_late_after_one_business_day_and_the_reason_says_why():
    pace = learn_pace([2, 3, 4, 4, 3])
    assert awaiting_threshold_days(pace, 5) == (1, "usually replies within 4 h")


def test_a_slow_contact_is_not_nagged_on_day_five():
    pace = learn_pace([6 * 24, 6 * 24, 5 * 24, 6 * 24])  # about 8 calendar days each time
    days, reason = awaiting_threshold_days(pace, 5)
    assert days == 6 and reason == "usually replies within 6 business days"


def test_too_little_history_keeps_the_fixed_threshold():
    assert learn_pace([2, 3]) is None
    assert awaiting_threshold_days(None, 5)[0] == 5

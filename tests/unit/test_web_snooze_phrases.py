"""Snooze said as a person says it: read in the user's time zone and the browser's language,
shown back before saving, saved from the row's form; a bad phrase is said back as an error."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from followup.db.models import FollowUpTask, User
from followup.domain.calendar import BusinessCalendar
from followup.domain.vocabulary import TaskStatus
from followup.domain.snooze_phrases import SnoozePhraseError, read_snooze
from tests.rows import db

BERLIN = ZoneInfo("Europe/Berlin")
WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)  # 10:30 in Berlin


@pytest.mark.parametrize("phrase, languages, local", [
    ("in 3 days", ("en",), datetime(2026, 12, 5, 9, 0)),
    ("next Monday 9am", ("en",), datetime(2026, 12, 7, 9, 0)),
    ("tomorrow afternoon", ("en",), datetime(2026, 12, 3, 15, 0)),
    ("in 2 hours", ("en",), datetime(2026, 12, 2, 12, 30)),
    ("mañana", ("es",), datetime(2026, 12, 3, 9, 0)),
    ("dans 3 jours", ("fr",), datetime(2026, 12, 5, 9, 0)),
    ("in einer Woche", ("de",), datetime(2026, 12, 9, 9, 0)),
])
def test_phrases_are_read_in_the_users_zone(phrase, languages, local):
    until = read_snooze(phrase, WEDNESDAY, BERLIN, languages=languages)
    assert until.tzinfo is not None and until.astimezone(BERLIN).replace(tzinfo=None) == local


@pytest.mark.parametrize("phrase, message", [
    ("whenever", "“whenever” is not a moment I can read"),
    ("yesterday", "has passed already"),
    ("", "say when"),
    ("in 3 years", "at most a year"),
])
def test_bad_phrases_say_why(phrase, message):
    with pytest.raises(SnoozePhraseError, match=message):
        read_snooze(phrase, WEDNESDAY, BERLIN)


def test_the_moment_is_shown_back_then_saved_and_a_bad_phrase_is_a_form_error(client, web_rt, rep):
    with db(web_rt) as session:
        session.get(User, rep["user"].id).timezone = "Europe/Berlin"
        session.commit()
    client.login("rep@example.com")
    page = client.get("/").get_data(as_text=True)
    assert 'name="when"' in page and 'type="datetime-local"' in page
    # NOW is Tue 10 Mar 2026, 09:00 UTC (10:00 in Berlin); a day without a time wakes at WAKE_HOUR (8:00).
    shown = client.get("/tasks/snooze-preview?when=next+Monday+9am").get_data(as_text=True)
    # In the one date format (followup.domain.date_display), in the browser's language.
    assert shown == '<span class="when">Mon, Mar 16, 2026, 9:00\u202fAM</span>'
    german = client.get("/tasks/snooze-preview?when=in+zwei+Tagen", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert german.get_data(as_text=True) == '<span class="when">Do., 12. März 2026, 08:00</span>'
    wrong = client.get("/tasks/snooze-preview?when=<b>soon</b>").get_data(as_text=True)
    assert wrong.startswith('<span class="error">') and "&lt;b&gt;soon&lt;/b&gt;" in wrong

    task_id = rep["task"].id
    bad = client.post(f"/tasks/{task_id}", {"action": "snooze_phrase", "when": "whenever", "next": "/"})
    assert "“whenever” is not a moment I can read" in client.get(bad.headers["Location"]).get_data(as_text=True)
    client.post(f"/tasks/{task_id}", {"action": "snooze_phrase", "when": "next Monday 9am"})
    with db(web_rt) as session:
        task = session.get(FollowUpTask, task_id)
        assert task.status == TaskStatus.SNOOZED
        assert task.snooze_until == datetime(2026, 3, 16, 8, 0, tzinfo=timezone.utc)

    # The date-time picker: a local day and time.
    client.post(f"/tasks/{task_id}", {"action": "wake"})
    client.post(f"/tasks/{task_id}", {"action": "snooze_date", "on_date": "2026-03-12T14:30"})
    with db(web_rt) as session:
        assert session.get(FollowUpTask, task_id).snooze_until == datetime(2026, 3, 12, 13, 30, tzinfo=timezone.utc)


def test_after_the_holidays_is_the_first_business_day_after_the_next_public_holiday():
    german = BusinessCalendar("Europe/Berlin", frozenset(range(5)), "DE")
    # Wed 2 Dec 2026: Christmas (Fri 25, Sat 26) and the weekend: back on Mon 28 Dec, 09:00.
    for phrase in ("after the holidays", "nach den Feiertagen", "après les fêtes", "después de las fiestas"):
        until = read_snooze(phrase, WEDNESDAY, BERLIN, calendar=german)
        assert until.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 12, 28, 9, 0), phrase
    with pytest.raises(SnoozePhraseError, match="holiday country in Settings"):
        read_snooze("after the holidays", WEDNESDAY, BERLIN, calendar=BusinessCalendar("Europe/Berlin"))

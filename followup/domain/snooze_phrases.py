"""A snooze said the way a person says it: "in 3 days", "next Monday 9am", "tomorrow
afternoon", "mañana", "dans 3 jours", read by dateparser (the kept parser the out-of-office
rule uses too) in the user's time zone and languages, relative to `now`.

A phrase that names a day but no time of day ("tomorrow", "in 3 days", "next week") wakes
at `wake_hour` on that day, as the fixed snooze choices do; one with a time or a part of
the day ("9am", "afternoon", "in 2 hours") wakes then.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from followup.domain.calendar import BusinessCalendar

MAX_PHRASE_CHARS = 80
MAX_SNOOZE = timedelta(days=366)

PHRASE_LANGUAGES = ("en", "de", "fr", "es")
"""Languages a phrase may be in; the user's own come first."""

_TIME_PERIODS = ("time", "part_of_day")

AFTER_THE_HOLIDAYS = re.compile(
    r"^(?:after|nach|apr[eè]s|despu[eé]s de)\b.*\b(?:holidays?|feiertage?n?|f[eê]tes|f[eé]ri[eé]s|fiestas|festivos)\b",
    re.IGNORECASE)
"""“after the holidays”, “nach den Feiertagen”, “après les fêtes”, “después de las fiestas”."""

HOLIDAYS_AHEAD = timedelta(days=120)
"""How far ahead “the holidays” are looked for."""
"""dateparser's periods of a phrase that names its own time of day."""


class SnoozePhraseError(ValueError):
    """The phrase gives no usable moment (message fit for the user)."""


def read_snooze(phrase: str, now: datetime, zone: ZoneInfo, *, languages=PHRASE_LANGUAGES,
                wake_hour: int = 9, calendar: BusinessCalendar | None = None) -> datetime:
    """The moment (aware UTC) `phrase` means, after `now`, or `SnoozePhraseError`. "After
    the holidays" is the first business day after the next public holiday of `calendar`
    (and the days off around it)."""
    from dateparser.date import DateDataParser  # its language data loads on first use

    text = " ".join((phrase or "").split())
    if not text:
        raise SnoozePhraseError("say when, for example “in 3 days” or “next Monday 9am”")
    if len(text) > MAX_PHRASE_CHARS:
        raise SnoozePhraseError(f"say it in at most {MAX_PHRASE_CHARS} characters")
    if AFTER_THE_HOLIDAYS.match(text):
        return _after_the_holidays(now, zone, calendar, wake_hour)
    wanted = [code for code in dict.fromkeys(list(languages) + list(PHRASE_LANGUAGES)) if code in PHRASE_LANGUAGES]
    local_now = now.astimezone(zone)
    parser = DateDataParser(languages=wanted, settings={
        "RELATIVE_BASE": local_now.replace(tzinfo=None), "PREFER_DATES_FROM": "future",
        "RETURN_TIME_AS_PERIOD": True, "DATE_ORDER": "DMY" if wanted[0] != "en" else "MDY",
    })
    found = parser.get_date_data(text)
    if found is None or found.date_obj is None:
        raise SnoozePhraseError(f"“{text}” is not a moment I can read; try “in 3 days” or “next Monday 9am”")
    moment = found.date_obj.replace(tzinfo=None)
    if found.period not in _TIME_PERIODS:
        moment = datetime.combine(moment.date(), time(wake_hour))
    until = moment.replace(tzinfo=zone).astimezone(timezone.utc)
    if until <= now:
        raise SnoozePhraseError(f"“{text}” has passed already")
    if until - now > MAX_SNOOZE:
        raise SnoozePhraseError("snooze for at most a year")
    return until


def _after_the_holidays(now: datetime, zone: ZoneInfo, calendar: BusinessCalendar | None, wake_hour: int) -> datetime:
    if calendar is None or not calendar.holiday_country:
        raise SnoozePhraseError("choose your holiday country in Settings to snooze until after the holidays")
    today = now.astimezone(zone).date()
    day = today + timedelta(days=1)
    while not calendar.is_holiday(day):
        day += timedelta(days=1)
        if day - today > HOLIDAYS_AHEAD:
            raise SnoozePhraseError("no public holidays in the next four months")
    back = calendar.next_business_day(day)
    return datetime.combine(back, time(wake_hour), tzinfo=zone).astimezone(timezone.utc)

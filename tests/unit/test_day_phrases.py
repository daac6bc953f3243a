"""Reading the day a short phrase names (`followup.domain.away.parse_day`): the same day as
asking dateparser against the mail's own date, for every day of the year, while dateparser
reads a repeated phrase only a handful of times."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import dateparser
import pytest

from followup.domain import away
from followup.domain.away import LANGUAGES, parse_day


def dateparser_reading(phrase: str, base: date, languages: tuple[str, ...]) -> date | None:
    found = dateparser.parse(phrase, languages=list(languages), settings={
        "RELATIVE_BASE": datetime.combine(base, datetime.min.time()), "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY", "PARSERS": away.PARSERS})
    return None if found is None else found.date()


def dateparser_against(phrase: str, base: date, languages: tuple[str, ...]) -> date | None:
    """What parse_day gave before any memo: dateparser against the base itself, the longest
    readable run of leading words, within the away limits."""
    words = phrase.split()
    for end in range(min(len(words), 5), 0, -1):
        found = dateparser_reading(" ".join(words[:end]), base, languages)
        if found is not None:
            limit = away.MAX_AWAY_DAYS if any(c.isdigit() for c in phrase) else away.MAX_AWAY_DAYS_WITHOUT_A_DAY
            return found if 0 <= (found - base).days <= limit else None
    return None


def forget_readings() -> None:
    for memo in (away._dateparser_reading, away._reads_at_all, away._distance_by_weekday):
        memo.cache_clear()
    away._YEARLESS.clear()


# Every fifth day over fourteen months: each weekday, both sides of a year's end and of
# 29 February 2028, short months and long ones.
BASES = [date(2027, 12, 1) + timedelta(days=5 * i) for i in range(85)]


@pytest.mark.parametrize("phrase, languages", [
    ("Friday", ("en",)), ("next Tuesday", ("en",)), ("tomorrow", ("en",)), ("in 3 days", ("en",)),
    ("next week", ("en",)), ("Freitag schicken", ("de",)), ("morgen", ("de",)), ("vendredi", ("fr",)),
    ("lunes", ("es",)), ("venerdì", ("it",)), ("vrijdag", ("nl",)), ("sexta-feira", ("pt",)),
    # Readings that hang on more than the weekday: the day of the month, the month's or the
    # year's length, the year itself.
    ("12 March", ("en",)), ("20 mars", ("fr",)), ("29 February", ("en",)), ("the 20th", ("en",)),
    ("next month", ("en",)), ("in 2 months", ("en",)), ("next year", ("en",)), ("12 March 2028", ("en",)),
    ("15 de diciembre", ("es",)), ("18 dicembre", ("it",)), ("11 december", ("nl",)), ("14 de dezembro", ("pt",)),
    ("Freitag, 12. März", ("de",)), ("12/3", ("en",)),
    ("30 November with limited access", LANGUAGES), ("devis avant le 20 mars", ("fr",)),
    ("the revised drawings", ("en",)),
])
def test_a_phrase_reads_as_dateparser_reads_it_against_the_mails_own_day(phrase, languages):
    expected = {base: dateparser_against(phrase, base, languages) for base in BASES}
    forget_readings()
    assert {base: parse_day(phrase, base, languages) for base in BASES} == expected
    forget_readings()  # mail comes in any order: days read from later bases first
    assert {base: parse_day(phrase, base, languages) for base in random.Random(1).sample(BASES, len(BASES))} == expected
    # ...and so does the reading itself, before the limits ("next month" is no day at all).
    assert [away._read(phrase, base, languages) for base in BASES] == [
        dateparser_reading(phrase, base, languages) for base in BASES]


def test_a_weekday_phrase_read_all_year_asks_dateparser_at_most_twice_a_weekday():
    forget_readings()
    first = date(2026, 1, 1)
    days = [parse_day("Friday", first + timedelta(days=i), ("en",)) for i in range(365)]
    assert days[0] == date(2026, 1, 2) and days[1] == date(2026, 1, 9)  # Thu 1 Jan, Fri 2 Jan
    assert away._dateparser_reading.cache_info().misses <= 2 * 7


def test_a_day_and_month_read_all_year_asks_dateparser_about_once_a_year():
    forget_readings()
    first = date(2026, 1, 1)
    days = [parse_day("12 March", first + timedelta(days=i), ("en",)) for i in range(365)]
    assert days[0] == days[69] == date(2026, 3, 12)  # up to Wed 11 March
    assert days[70] == days[364] == date(2027, 3, 12)  # from the day itself on: next year's
    # Two readings per weekday tell it hangs on more than the weekday, then one a year.
    assert away._dateparser_reading.cache_info().misses <= 2 * 7 + 2

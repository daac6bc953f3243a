"""When a contact who sent an out-of-office notice is back: the date in "until 30 November",
"bis zum 30.11.", "jusqu'au 30 novembre", "hasta el 30 de noviembre", "fino al 30 novembre",
"tot 30 november", "até 30 de novembro".

Only the short phrase after the keyword goes to dateparser (a kept parser for the seven
languages, offline), with the notice's own date as the base for "Monday" or "30.11." and
dates preferred in the future; a phrase it cannot read gives None and the usual threshold
applies. `parse_day` is the one home of reading a day, for promises too: dateparser takes
about half a millisecond a phrase once its language data is loaded (a fifth of a second, the
first time), so a phrase is read once per weekday of the base or once a year where it can be
(see `_read`), not once for every mail's date.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from datetime import date, datetime, timedelta
from functools import lru_cache

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")

MAX_AWAY_DAYS = 366
"""A return date further than this after the notice is taken as misread."""

MAX_AWAY_DAYS_WITHOUT_A_DAY = 14
"""...and this, for a phrase with no day number ("Thursday", "next week"): "until November"
is no day at all (dateparser would say a year from now)."""

_UNTIL = re.compile(
    r"\b(?:(?P<back>back on|return(?:ing)? on|au retour le|de retour le)|until|till|through|bis(?: zum| einschlie(?:ß|ss)lich)?|jusqu[’'] ?(?:au|à)"
    r"|hasta(?: el)?|fino al?|tot(?: en met)?|até(?: ao?| dia)?)\s+"
    r"(?P<phrase>[^\n,;:!?()]{3,40})",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    r"\s+(?:with|and|und|et|y|e|en|inclus|inclusive|einschlie(?:ß|ss)lich|incluso|incluso|compreso|"
    r"and will|nicht|im|je|sans|sin|senza|zonder|sem)\b.*$|[.\s]+$", re.IGNORECASE)


def return_date(text: str, sent_at: datetime) -> date | None:
    """The last day of absence an out-of-office notice names ("until 30 November"; "back on
Tuesday" is until Monday), or None."""
    match = _UNTIL.search(text[:600])
    if match is None:
        return None
    phrase = _TRAILING.sub("", match.group("phrase")).strip()
    if not phrase:
        return None
    day = parse_day(phrase, sent_at.date())
    if day is not None and match.group("back"):
        day -= timedelta(days=1)  # "back on Monday": away until the day before
    return day


_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?(?=\s|$)")


def parse_day(phrase: str, base: date, languages: tuple[str, ...] = LANGUAGES) -> date | None:
    """The day a short phrase names ("Friday", "12 May", "18.11.", "vendredi"), on or after
    `base` (the mail's own date in its own zone), or None. The one home of date reading.
    `languages`: those the phrase may be in, when the caller knows (each one dateparser
    tries costs time)."""
    short = _DAY_MONTH.match(phrase)
    if short:  # "18.11." without a year reads as the time 18:11: give it the notice's year
        day, month = int(short.group(1)), int(short.group(2))
        for year in (base.year, base.year + 1):
            try:
                found = date(year, month, day)
            except ValueError:
                return None
            if found >= base:
                return found
        return None

    words = phrase.split()
    # "30 November with limited access": try the phrase, then fewer words from its end.
    for end in range(min(len(words), 5), 0, -1):
        day = _read(" ".join(words[:end]), base, languages)
        if day is not None:
            limit = MAX_AWAY_DAYS if any(c.isdigit() for c in phrase) else MAX_AWAY_DAYS_WITHOUT_A_DAY
            return day if 0 <= (day - base).days <= limit else None
    return None


# Reading a phrase costs dateparser about half a millisecond, and mail repeats the same few phrases
# ("on Friday", "bis Freitag", "by 12 March") against thousands of different days. Most of them
# read the same *distance* from any base of the same weekday, so each phrase is read against two
# canonical bases of that weekday, far apart in the calendar, and when both give the same distance
# that distance is the reading for every base of that weekday. The bases differ in what a
# relative-looking reading could still hang on: the day of the month (12-18 against 18-24),
# the month's length ("next month": 31 days against 30) and the year's (2004 is a leap year,
# 2001 not), so "the 20th", "next month", "next year" or "12 March" give different distances
# and are read against the mail's own day instead (a day and month without a year: `_YEARLESS`).
_CANONICAL_BASES = tuple((date(2004, 1, 12) + timedelta(days=w), date(2001, 6, 18) + timedelta(days=w))
                         for w in range(7))
"""For each weekday (Monday first): a day in mid-January of a leap year and one in late June."""

_BASE_DEPENDENT = object()
"""The phrase's reading hangs on more than the base's weekday: read it against the base itself."""


def _read(phrase: str, base: date, languages: tuple[str, ...]) -> date | None:
    """dateparser's reading of `phrase` against `base`, from the canonical bases where it can be."""
    if not _reads_at_all(phrase, languages):
        return None
    distance = _distance_by_weekday(phrase, languages, base.weekday())
    if distance is _BASE_DEPENDENT:
        return _read_against(phrase, base, languages)
    return base + distance


@lru_cache(maxsize=16384)
def _reads_at_all(phrase: str, languages: tuple[str, ...]) -> bool:
    """Whether dateparser reads the phrase at all: a matter of its words, not of the base (most
    phrases tried are not dates: "le devis avant le 20" before "20 mars"), so two bases settle it."""
    return any(_dateparser_reading(phrase, canonical, languages)[0] is not None
               for canonical in _CANONICAL_BASES[0])


@lru_cache(maxsize=16384)
def _distance_by_weekday(phrase: str, languages: tuple[str, ...], weekday: int) -> timedelta | object:
    """The distance the phrase reads from any base of that weekday, or `_BASE_DEPENDENT`."""
    first, second = _CANONICAL_BASES[weekday]
    day_first = _dateparser_reading(phrase, first, languages)[0]
    day_second = _dateparser_reading(phrase, second, languages)[0]
    if day_first is None or day_second is None or day_first - first != day_second - second:
        return _BASE_DEPENDENT
    return day_first - first


_YEARLESS: dict[tuple[str, tuple[str, ...]], list[tuple[date, date]]] = {}
"""For a day and month without a year ("12 March", "20 mars"): (base, the day read) pairs. With
dates preferred in the future dateparser reads the first such day after the base, so the same
day holds for every base from that one up to the day before it: one reading a year."""

YEARLESS_PHRASES = 4096
"""Day-and-month phrases whose readings are remembered (then the memo starts afresh)."""


def _read_against(phrase: str, base: date, languages: tuple[str, ...]) -> date | None:
    """The reading against the base itself, or a year-less day already read from an earlier base."""
    key = (phrase, languages)
    known = _YEARLESS.get(key, ())
    at = bisect_right(known, (base, date.max)) - 1  # the latest base read on or before this one
    if at >= 0 and base < known[at][1]:
        return known[at][1]
    day, parts = _dateparser_reading(phrase, base, languages)
    if day is not None and day > base and parts == ("month", "day"):
        if key not in _YEARLESS and len(_YEARLESS) >= YEARLESS_PHRASES:
            _YEARLESS.clear()
        insort(_YEARLESS.setdefault(key, []), (base, day))
    return day


@lru_cache(maxsize=16384)
def _dateparser_reading(phrase: str, base: date, languages: tuple[str, ...]) -> tuple[date | None, tuple[str, ...]]:
    """The one call to dateparser: the day (dates preferred from `base` on, days before months)
    and the parts of it the phrase names (("month", "day") for "12 March")."""
    from dateparser import DateDataParser  # loaded on the first phrase to read, not for every detection pass

    found = DateDataParser(languages=list(languages), settings={
        "RELATIVE_BASE": datetime.combine(base, datetime.min.time()),
        "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "PARSERS": PARSERS,
    }).get_date_data(phrase)
    return (None, ()) if found.date_obj is None else (found.date_obj.date(), tuple(found.parts or ()))


PARSERS = ["relative-time", "absolute-time"]
"""dateparser's readers of words and of written dates; not its Unix timestamps or digits without
separators ("20261203"), which no one writes for a day in a mail, and which cost a third of a
reading."""


def dateparser_readings() -> int:
    """How many times this process has asked dateparser (the detection bench prints it)."""
    return _dateparser_reading.cache_info().misses

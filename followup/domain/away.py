"""When a contact who sent an out-of-office notice is back: the date in "until 30 November",
"bis zum 30.11.", "jusqu'au 30 novembre", "hasta el 30 de noviembre", "fino al 30 novembre",
"tot 30 november", "até 30 de novembro".

Only the short phrase after the keyword goes to dateparser (a kept parser for the seven
languages, offline), with the notice's own date as the base for "Monday" or "30.11." and
dates preferred in the future; a phrase it cannot read gives None and the usual threshold
applies. About a millisecond a phrase once its language data is loaded, and memoised.
"""

from __future__ import annotations

import re
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


@lru_cache(maxsize=4096)
def parse_day(phrase: str, base: date, languages: tuple[str, ...] = LANGUAGES) -> date | None:
    """The day a short phrase names ("Friday", "12 May", "18.11.", "vendredi"), on or after
    `base` (the mail's own date in its own zone), or None. The one home of date reading.
    `languages`: those the phrase may be in, when the caller knows (each one dateparser
    tries costs time)."""
    import dateparser  # loaded on the first notice with a date, not for every detection pass

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
        found = dateparser.parse(" ".join(words[:end]), languages=list(languages), settings={
            "RELATIVE_BASE": datetime.combine(base, datetime.min.time()),
            "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
        })
        if found is not None:
            day = found.date()
            limit = MAX_AWAY_DAYS if any(c.isdigit() for c in phrase) else MAX_AWAY_DAYS_WITHOUT_A_DAY
            return day if 0 <= (day - base).days <= limit else None
    return None

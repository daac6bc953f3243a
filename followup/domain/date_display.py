"""How a moment is shown to a person, everywhere (list, thread, board, digest, API
`*_display`): in their time zone and language, in one format.

* `absolute`: "Tue, Dec 1, 2026, 2:05 PM" (en) / "Di., 1. Dez. 2026, 14:05" (de): the CLDR
  pattern of the language (Babel), never a hand-written strftime, so every page agrees.
* `day`: the same date without the time (a snooze ends at a day's morning).
* `relative`: "in 3 days", "2 hours ago": shown in lists, with `absolute` on hover.

`now` is a parameter; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, format_timedelta

DEFAULT_LANGUAGE = "en"
DATE_SKELETON = "yMMMEd"  # weekday, day, abbreviated month, year: in the language's order


def zone_of(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, UTC when it is missing or unknown (a stale setting shows UTC, not an error)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=64)
def locale_of(language: str | None) -> Locale:
    """"de", "pt-BR", "en_GB" -> its Babel locale; English for what CLDR does not know."""
    try:
        return Locale.parse((language or DEFAULT_LANGUAGE).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT_LANGUAGE)


def pick_language(preferred: Iterable[str]) -> str:
    """The first of the browser's languages (Accept-Language, best first) that CLDR knows."""
    for tag in preferred:
        try:
            Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        return tag.replace("-", "_")
    return DEFAULT_LANGUAGE


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def day(value: datetime, zone: str | None, language: str | None = None) -> str:
    """"Tue, Dec 1, 2026": the local date of `value`."""
    local = _aware(value).astimezone(zone_of(zone))
    return format_skeleton(DATE_SKELETON, local, locale=locale_of(language))


def absolute(value: datetime, zone: str | None, language: str | None = None) -> str:
    """"Tue, Dec 1, 2026, 2:05 PM": the local date and time of `value`."""
    locale = locale_of(language)
    local = _aware(value).astimezone(zone_of(zone))
    pattern = str(locale.datetime_formats.get("medium", "{1}, {0}"))
    # The language's glue between date and time ("{1}, {0}", "{1} 'um' {0}"), quotes removed.
    glue = pattern.replace("'", "")
    return glue.replace("{1}", format_skeleton(DATE_SKELETON, local, locale=locale)).replace(
        "{0}", format_time(local, "short", locale=locale))


def time_of_day(value: datetime, zone: str | None, language: str | None = None) -> str:
    """"2:05 PM" / "14:05": the time part of `absolute`."""
    return format_time(_aware(value).astimezone(zone_of(zone)), "short", locale=locale_of(language))


def relative(value: datetime, now: datetime, language: str | None = None) -> str:
    """"in 3 days", "2 hours ago", "in 5 minutes": how far `value` is from `now`."""
    delta = _aware(value) - _aware(now)
    # Minutes at the finest: the list is re-rendered once a minute (web.view_cache).
    return format_timedelta(delta, add_direction=True, threshold=1.5, granularity="minute",
                            locale=locale_of(language))

"""How the rules write days and quotes in nudges and reasons ("Mon 30 Nov", "5 business days")."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import lru_cache

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=65536)
def short_day(moment: datetime, tz: tzinfo) -> str:
    """"Mon 2 Mar" in the user's zone (memoised: the same dates recur in every outcome)."""
    local = moment.astimezone(tz)
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"


def days_text(n: int, business: bool = True) -> str:
    unit = "business day" if business else "day"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def day_text(value: date | datetime) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def quoted(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def promised_text(who: str, what: str, day: str, nothing_came: bool) -> str:
    """"You promised the drawings by Fri 4 Dec" / "Dana promised the PO by Tue 12 May: nothing came"."""
    return f"{who} promised {what} by {day}" + (": nothing came" if nothing_came else "")

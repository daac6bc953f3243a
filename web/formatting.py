"""The clock and the ways times, ages and labels are shown: Jinja filters and helpers.

`now()` is the app's notion of the current time: `FOLLOWUP_NOW` when the app was started
with a fixed time (the demo's `--now`, the tests), else the clock. Times are shown in the
signed-in user's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, g, has_request_context, request
from markupsafe import Markup, escape

from followup.domain import date_display
from followup.domain.bidi import BIDI_CONTROL_RE, control_marker, control_title
from followup.domain.company_names import person_from_display_name
from followup.domain.vocabulary import TaskKind
from followup.domain.snooze_phrases import read_snooze

KIND_TITLES = {
    TaskKind.AWAITING_REPLY: "Awaiting reply",
    TaskKind.NEEDS_REPLY: "Needs your reply",
    TaskKind.POST_SALE_CHECKIN: "Post-sale check-in",
    TaskKind.COMPLAINT: "Complaint",
    TaskKind.DORMANT_CUSTOMER: "Dormant customer",
    TaskKind.ANNIVERSARY: "Anniversary",
    TaskKind.BOUNCED: "Bounced",
    TaskKind.PROMISE: "Promise",
}

# Snoozed tasks wake up at this local hour.
WAKE_HOUR = 8


def now() -> datetime:
    fixed = current_app.config.get("FOLLOWUP_NOW")
    if fixed is not None:
        return fixed if fixed.tzinfo else fixed.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def user_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_morning(day: date, zone: ZoneInfo) -> datetime:
    """WAKE_HOUR on `day` in `zone`, as aware UTC."""
    return datetime.combine(day, time(WAKE_HOUR), tzinfo=zone).astimezone(timezone.utc)


def snooze_until(choice: str, zone_name: str | None, at: datetime, on_date: str | None = None, *,
                 phrase: str | None = None, languages: tuple[str, ...] = (), calendar=None) -> datetime:
    """When a snooze chosen as "tomorrow", "next_week", "date" (with `on_date`: a day, or a
    day and time from the date-time picker) or "phrase" ("in 3 days", `read_snooze`) ends.

    Raises ValueError with a message fit for the user when the choice is not usable.
    """
    zone = user_zone(zone_name)
    if choice == "phrase":
        return read_snooze(phrase or "", at, zone, languages=languages, wake_hour=WAKE_HOUR, calendar=calendar)
    if choice == "date" and on_date and "T" in on_date:
        try:
            picked = datetime.fromisoformat(on_date.strip()).replace(tzinfo=zone)
        except ValueError:
            raise ValueError("pick a date and time to snooze until") from None
        if picked <= at:
            raise ValueError("the snooze must end in the future")
        if picked - at > timedelta(days=366):
            raise ValueError("snooze for at most a year")
        return picked.astimezone(timezone.utc)
    today = at.astimezone(zone).date()
    if choice == "tomorrow":
        return local_morning(today + timedelta(days=1), zone)
    if choice == "next_week":
        return local_morning(today + timedelta(days=7 - today.weekday()), zone)
    if choice == "date":
        try:
            day = date.fromisoformat((on_date or "").strip())
        except ValueError:
            raise ValueError("pick a date to snooze until") from None
        if day <= today:
            raise ValueError("the snooze date must be after today")
        if day > today + timedelta(days=366):
            raise ValueError("snooze for at most a year")
        return local_morning(day, zone)
    raise ValueError("choose tomorrow, next week or a date")


def humanize_delta(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def age(value: datetime | None) -> str:
    if value is None:
        return ""
    return humanize_delta(now() - value)


def time_left(value: datetime | None) -> str:
    if value is None:
        return ""
    delta = value - now()
    if delta.total_seconds() >= 0:
        return f"{humanize_delta(delta)} left"
    return f"overdue by {humanize_delta(delta)}"


def display_language() -> str:
    """The language dates are shown in: the browser's first language CLDR knows (Accept-Language)."""
    if not has_request_context():
        return date_display.DEFAULT_LANGUAGE
    if "display_language" not in g:
        g.display_language = date_display.pick_language(request.accept_languages.values())
    return g.display_language


def local_time(value: datetime | None, zone_name: str | None = None) -> str:
    """The one absolute format of a moment (`followup.domain.date_display.absolute`)."""
    if value is None:
        return ""
    return date_display.absolute(value, zone_name, display_language())


def local_day(value: datetime | None, zone_name: str | None = None) -> str:
    if value is None:
        return ""
    return date_display.day(value, zone_name, display_language())


def when(value: datetime | None, zone_name: str | None = None, prefix: str = "") -> Markup:
    """"in 3 days" as a <time> whose hover (title) is the absolute date and time."""
    if value is None:
        return Markup("")
    language = display_language()
    absolute = date_display.absolute(value, zone_name, language)
    relative = date_display.relative(value, now(), language)
    return Markup('<time datetime="{}" title="{}">{}{}</time>').format(
        value.isoformat(), absolute, prefix, relative)


def kind_title(kind: str) -> str:
    try:
        return KIND_TITLES[TaskKind(kind)]
    except ValueError:
        return kind.replace("_", " ").capitalize()


def nudge_why(nudge: str | None) -> str:
    """The nudge in a few words for the list's line: the rules write "No reply in 5 days — Dana
    Smith (Acme), 'Quote'" and the line already shows who; its lead ("No reply in 5 days") and a
    reminder count stay. The whole nudge unfolds below the line."""
    parts = (nudge or "").split(" — ")
    return " — ".join([parts[0], *(p for p in parts[1:] if p.startswith("reminder "))])


def from_mail(value) -> Markup:
    """A string from someone's mail, isolated (<bdi>) so it cannot reorder the page around it,
    with each bidi control shown as a marker that names it. Markup (highlighted text) is kept;
    `|from_mail|striptags` gives the plain text for a <title>."""
    html = value if isinstance(value, Markup) else escape("" if value is None else str(value))
    html = Markup(BIDI_CONTROL_RE.sub(
        lambda match: f'<span class="bidi-control" title="{control_title(match[0])}">'
                      f"{control_marker(match[0])}</span>", html))
    return Markup("<bdi>") + html + Markup("</bdi>")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(age=age, time_left=time_left, local_time=local_time, local_day=local_day,
                                 when=when, kind_title=kind_title, from_mail=from_mail,
                                 person=person_from_display_name, why=nudge_why)
    app.jinja_env.globals.update(now=now, KIND_TITLES=KIND_TITLES)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

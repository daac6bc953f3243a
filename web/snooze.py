"""Snooze phrases shown back before saving: as the rep types "next Monday 9am" beside a
follow-up, htmx asks for the moment it means and shows it ("Mon 7 Dec, 09:00") or why it
cannot be read. The snooze itself is the row's form (web.tasks.act, action snooze_phrase)."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required
from markupsafe import escape

from followup.domain.calendar import BusinessCalendar, CalendarError, parse_working_days
from web.auth import signed_in_user
from web.formatting import local_time, now, snooze_until

bp = Blueprint("snooze", __name__)


def user_calendar(user) -> BusinessCalendar | None:
    """The user's working calendar ("after the holidays"), or None when their settings are unusable."""
    try:
        return BusinessCalendar(user.timezone, parse_working_days(user.working_days), user.holiday_country)
    except CalendarError:
        return None


def request_languages() -> tuple[str, ...]:
    """The browser's languages (Accept-Language), as two-letter codes, preferred first."""
    return tuple(dict.fromkeys(code.split("-")[0].lower() for code in request.accept_languages.values()))


@bp.route("/tasks/snooze-preview")
@login_required
def preview():
    user = signed_in_user()
    phrase = request.args.get("when", "")
    if not phrase.strip():
        return ""
    try:
        until = snooze_until("phrase", user.timezone, now(), phrase=phrase, languages=request_languages(),
                             calendar=user_calendar(user))
    except ValueError as exc:
        return f'<span class="error">{escape(str(exc))}</span>'
    return f'<span class="when">{escape(local_time(until, user.timezone))}</span>'

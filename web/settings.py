"""The user's settings: thresholds per kind (business days), each contact's own pace on or
off, working week, time zone,
holiday country, ignore list, the daily digest, write-back into the mailbox, the API
token (shown once, only its hash is kept), the password, and for a team lead the team's
complaint webhook."""

from __future__ import annotations

import logging
import zoneinfo
from functools import lru_cache

from urllib.parse import urlparse

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_login.config import COOKIE_NAME
from sqlmodel import delete, select

from followup.db.session import session_scope
from followup.db.types import utcnow
from followup.detection.service import detect_account, request_detection
from followup.db.models import IgnoreRule, MailAccount, Team
from followup.db.users import MIN_PASSWORD_LENGTH, UserError, change_password, issue_api_token
from web.auth import signed_in_user, start_session
from web.database import get_db, get_runtime
from web.ids import ascii_digits
from web.scoping import is_lead, user_accounts

log = logging.getLogger(__name__)

bp = Blueprint("settings", __name__, url_prefix="/settings")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# (field, label, help, minimum, maximum)
NUMBER_FIELDS = (
    ("awaiting_reply_days", "No reply to your mail after", "business days", 1, 60),
    ("needs_reply_days", "A mail that asks you something, unanswered after", "business days", 0, 30),
    ("complaint_response_days", "First response to a complaint within", "business days", 0, 30),
    ("dormant_days", "A customer counts as dormant after", "days of silence", 14, 3650),
    ("max_nudges", "Stop nudging about one thread after", "nudges", 1, 20),
)
MAX_IGNORE_RULES = 500


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


@lru_cache(maxsize=1)
def holiday_countries() -> list[str]:
    import holidays

    return sorted(code for code in holidays.list_supported_countries() if len(code) == 2)


def _whole_number(raw: str, low: int, high: int) -> int | None:
    """The form value as a whole number from *low* to *high*, or None."""
    if not ascii_digits(raw) or len(raw) > 6 or not low <= int(raw) <= high:
        return None
    return int(raw)


def _render(user, errors=(), token=None, status=200, password_errors=()):
    db = get_db()
    rules = db.exec(select(IgnoreRule).where(IgnoreRule.user_id == user.id).order_by(IgnoreRule.pattern)).all()
    return render_template(
        "settings/index.html", user=user, errors=list(errors), token=token, password_errors=list(password_errors),
        min_password_length=MIN_PASSWORD_LENGTH,
        number_fields=NUMBER_FIELDS, weekdays=WEEKDAYS, zones=time_zones(),
        countries=holiday_countries(), ignore_text="\n".join(r.pattern for r in rules),
        accounts=db.exec(user_accounts(user)).all(),
        working=set((user.working_days or "").split(",")),
        team=db.get(Team, user.team_id) if is_lead(user) else None,
        smtp_configured=bool(get_runtime().settings.smtp_url),
    ), status


@bp.route("/", methods=["GET"])
@login_required
def index():
    return _render(signed_in_user())


@bp.route("/", methods=["POST"])
@login_required
def save():
    db = get_db()
    user = db.merge(signed_in_user())
    form = request.form
    errors = []
    values = {}
    for name, label, unit, low, high in NUMBER_FIELDS:
        values[name] = _whole_number(form.get(name, "").strip(), low, high)
        if values[name] is None:
            errors.append(f"“{label}” must be a whole number from {low} to {high}.")
    days = sorted({d for d in form.getlist("working_days") if d in {str(i) for i in range(7)}})
    if not days:
        errors.append("Choose at least one working day.")
    zone = form.get("timezone", "UTC")
    if zone not in time_zones():
        errors.append("Choose a time zone from the list.")
    country = form.get("holiday_country", "").strip().upper() or None
    if country and country not in holiday_countries():
        errors.append("Choose a holiday country from the list, or none.")
    hour = _whole_number(form.get("digest_hour", "8"), 0, 23)
    if hour is None:
        errors.append("The digest hour must be from 0 to 23.")
    patterns, pattern_errors = _parse_ignore_list(form.get("ignore", ""))
    errors.extend(pattern_errors)
    if errors:
        db.rollback()
        return _render(user, errors, status=400)
    for name, value in values.items():
        setattr(user, name, value)
    user.working_days = ",".join(days)
    user.timezone = zone
    user.holiday_country = country
    user.digest_enabled = bool(form.get("digest_enabled"))
    user.contact_pace = bool(form.get("contact_pace"))
    user.digest_hour = hour
    db.exec(delete(IgnoreRule).where(IgnoreRule.user_id == user.id))
    for pattern in patterns:
        db.add(IgnoreRule(user_id=user.id, pattern=pattern))
    for account in db.exec(user_accounts(user)):  # the rules read these settings: look again
        request_detection(db, account.id)
    db.commit()
    flash("Settings saved. They apply from the next detection run, or now with “Recalculate now”.")
    return redirect(url_for("settings.index"))


@bp.route("/recalculate", methods=["POST"])
@login_required
def recalculate():
    """Run detection now over the user's mailboxes (the threads that saving flagged), so
    changed thresholds show at once instead of after the next sync."""
    db = get_db()
    account_ids = [a.id for a in db.exec(user_accounts(signed_in_user()))]
    db.close()  # each account's pass in its own unit of work
    opened = closed = 0
    now = utcnow()
    for account_id in account_ids:
        with session_scope(get_runtime().engine) as session:
            report = detect_account(session, account_id, now)
        opened, closed = opened + report.opened + report.reopened, closed + report.closed
    flash(f"Recalculated {len(account_ids)} mailbox{'es' if len(account_ids) != 1 else ''}: "
          f"{opened} follow-up{'s' if opened != 1 else ''} opened, {closed} closed.")
    return redirect(url_for("settings.index"))


def _parse_ignore_list(text: str) -> tuple[list[str], list[str]]:
    """One sender (`someone@x.com`) or domain (`x.com`, `@x.com`) a line."""
    patterns: list[str] = []
    errors: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        item = line.strip().lower()
        if not item:
            continue
        if item.startswith("@"):
            item = item[1:]
        local, _, domain = item.rpartition("@")
        if " " in item or "." not in domain or (not local and "@" in item) or len(item) > 320:
            errors.append(f"“{line.strip()[:100]}” is neither an address nor a domain.")
            continue
        if item not in patterns:
            patterns.append(item)
    if len(patterns) > MAX_IGNORE_RULES:
        errors.append(f"The ignore list holds at most {MAX_IGNORE_RULES} entries.")
    return patterns, errors


@bp.route("/writeback", methods=["POST"])
@login_required
def writeback():
    db = get_db()
    user = signed_in_user()
    enabled = {int(v) for v in request.form.getlist("writeback") if v.isdigit()}
    for account in db.exec(select(MailAccount).where(MailAccount.user_id == user.id)):
        account.writeback = account.id in enabled
        db.add(account)
    db.commit()
    flash("Write-back saved: threads that need a follow-up get a keyword in your mailbox.")
    return redirect(url_for("settings.index"))


@bp.route("/team", methods=["POST"])
@login_required
def team_webhook():
    """The team lead sets (or clears) the incoming webhook that new complaints are posted to."""
    db = get_db()
    user = signed_in_user()
    if not is_lead(user):
        abort(403)
    url = request.form.get("complaint_webhook_url", "").strip()
    parsed = urlparse(url)
    if url and (parsed.scheme not in ("https", "http") or not parsed.hostname or len(url) > 2000):
        db.rollback()
        return _render(user, ["The complaint webhook must be an http(s) URL (for Slack: https://hooks.slack.com/…)."],
                       status=400)
    team = db.get(Team, user.team_id)
    team.complaint_webhook_url = url or None
    db.add(team)
    db.commit()
    flash("Complaint webhook saved: new complaints are posted there." if url else "Complaint webhook removed.")
    return redirect(url_for("settings.index"))


@bp.route("/team/triage", methods=["POST"])
@login_required
def team_triage():
    """The team lead turns team triage (complaints round robin) on or off."""
    db = get_db()
    user = signed_in_user()
    if not is_lead(user):
        abort(403)
    team = db.get(Team, user.team_id)
    team.complaint_round_robin = request.form.get("complaint_round_robin") == "1"
    db.add(team)
    db.commit()
    log.info("team %s: complaint round robin %s by user %s", team.id,
             "on" if team.complaint_round_robin else "off", user.id)
    flash("Team triage on: new complaints go round robin among the members." if team.complaint_round_robin
          else "Team triage off: a complaint belongs to the owner of the mailbox it arrived in.")
    return redirect(url_for("settings.index"))


@bp.route("/token", methods=["POST"])
@login_required
def token():
    """A new API token, shown on this response only; the previous one stops working."""
    db = get_db()
    user = db.merge(signed_in_user())
    new_token = issue_api_token(user)
    db.commit()
    log.info("user %s issued a new API token", user.id)
    return _render(user, token=new_token)


@bp.route("/token/revoke", methods=["POST"])
@login_required
def revoke_token():
    db = get_db()
    user = db.merge(signed_in_user())
    user.api_token_hash = None
    db.commit()
    flash("API token revoked.")
    return redirect(url_for("settings.index"))


@bp.route("/password", methods=["POST"])
@login_required
def password():
    """The user's own password change: every other session ends, this one goes on."""
    db = get_db()
    user = db.merge(signed_in_user())
    form = request.form
    new = form.get("new_password", "")
    try:
        if new != form.get("new_password2", ""):
            raise UserError("the two new passwords differ")
        change_password(user, form.get("current_password", ""), new, get_runtime().settings.password_hash)
    except UserError as exc:
        db.rollback()
        return _render(user, password_errors=[str(exc).capitalize() + "."], status=400)
    db.commit()
    log.info("user %s changed their password", user.id)
    # This browser's remember-me cookie carries the old version: give it a new one if it had one.
    start_session(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies)
    flash("Password changed. Every other session is signed out.")
    return redirect(url_for("settings.index"))

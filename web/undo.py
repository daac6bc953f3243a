"""The Undo button shown for `UNDO_SECONDS` after done, snooze, dismiss, mute, relabel and
assign (a toast with htmx, the same form in the page's messages without JavaScript).

The button carries the action's `followup.undo.UndoStep`, signed with the app's secret key
(itsdangerous, which Flask already uses for sessions) so a client can neither forge nor
alter it; the signed-in user's scoping still decides which task or thread it may touch.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request
from flask_login import login_required
from itsdangerous import BadSignature, URLSafeSerializer

from followup.detection.service import detect_account
from followup.tasks import TaskError
from followup.undo import UndoStep, undo
from web.auth import _safe_next, signed_in_user
from web.database import get_db
from web.formatting import now
from web.scoping import get_user_message_or_404, get_user_task_or_404, get_user_thread_or_404

bp = Blueprint("undo", __name__)

UNDO_SECONDS = 10
"""How long the Undo button is shown."""

UNDO_GRACE = timedelta(seconds=5)
"""Accepted after the button went away: a click at 9.9 s still arrives over a slow network."""

_SALT = "followup-undo"


@bp.app_context_processor
def _undo_seconds():
    return {"undo_seconds": UNDO_SECONDS}


def undo_token(step: UndoStep) -> str:
    """The signed step, bound to the signed-in user: nobody else's session can use it."""
    return URLSafeSerializer(current_app.secret_key, salt=_SALT).dumps(
        {**step.to_dict(), "by": signed_in_user().id})


def flash_undo(message: str, step: UndoStep) -> None:
    """The message and its Undo button, for the next page (the form without JavaScript)."""
    flash(message)
    flash(undo_token(step), "undo")


def _read(token: str) -> UndoStep | None:
    try:
        data = URLSafeSerializer(current_app.secret_key, salt=_SALT).loads(token)
        if not isinstance(data, dict) or data.get("by") != signed_in_user().id:
            return None
        return UndoStep.from_dict(data)
    except (BadSignature, TypeError, ValueError):
        return None


@bp.route("/undo", methods=["POST"])
@login_required
def take_back():
    user = signed_in_user()
    db = get_db()
    step = _read(request.form.get("token", ""))
    at = now()
    if step is None:
        return _answer("This Undo button is not valid.", error=True)
    if at - step.done_at > timedelta(seconds=UNDO_SECONDS) + UNDO_GRACE:
        return _answer("Too late to undo; reopen the follow-up from the Closed or Snoozed view.", error=True)
    task = get_user_task_or_404(db, user, step.task_id) if step.task_id is not None else None
    thread = get_user_thread_or_404(db, user, step.thread_id) if step.thread_id is not None else None
    message = get_user_message_or_404(db, user, step.message_id) if step.message_id is not None else None
    try:
        undo(db, step, task, thread, user, at=at, message=message)
        if message is not None:
            detect_account(db, message.account_id, at)
        db.commit()
    except TaskError as exc:
        db.rollback()
        return _answer(f"Could not undo: {exc}.", error=True)
    return _answer("Undone.")


def _answer(message: str, *, error: bool = False):
    flash(message, "error" if error else "message")
    if request.headers.get("HX-Request") == "true":
        return "", 204, {"HX-Refresh": "true"}  # the page comes back as it was, the message on it
    return redirect(_safe_next(request.form.get("next")))

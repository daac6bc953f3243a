"""Settings → Draft texts: the user's own wording of the drafted follow-ups, per kind and
language. An empty text, or the package's own, means the package's (no row is kept)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlmodel import delete, select

from followup.drafts import PLACEHOLDERS, DraftError, check_draft_text, draft_languages
from followup.db.models import DraftText
from followup.domain.vocabulary import TaskKind
from web.auth import signed_in_user
from web.database import get_db
from web.formatting import now

bp = Blueprint("draft_settings", __name__, url_prefix="/settings/drafts")


def _language() -> str:
    code = request.values.get("language", "en")
    return code if code in draft_languages() else "en"


@bp.route("", methods=["GET"])
@login_required
def edit():
    return _page(_language())


@bp.route("", methods=["POST"])
@login_required
def save():
    user = signed_in_user()
    db = get_db()
    language = _language()
    defaults = draft_languages()[language].kinds
    typed = {kind.value: request.form.get(f"text_{kind.value}", "") for kind in TaskKind}
    errors, checked = {}, {}
    for kind, text in typed.items():
        try:
            checked[kind] = check_draft_text(text)
        except DraftError as exc:
            errors[kind] = str(exc)
    if errors:
        return _page(language, typed=typed, errors=errors), 400
    at = now()
    db.exec(delete(DraftText).where(DraftText.user_id == user.id, DraftText.language == language))
    own = 0
    for kind, text in checked.items():
        if text and text != defaults.get(kind, "").strip():
            db.add(DraftText(user_id=user.id, language=language, kind=kind, text=text, updated_at=at))
            own += 1
    db.commit()
    name = draft_languages()[language].name
    flash(f"Draft texts in {name} saved ({own} of your own)." if own else f"Draft texts in {name}: the standard ones.")
    return redirect(url_for("draft_settings.edit", language=language))


def _page(language: str, *, typed: dict | None = None, errors: dict | None = None):
    user = signed_in_user()
    own = {row.kind: row.text for row in get_db().exec(
        select(DraftText).where(DraftText.user_id == user.id, DraftText.language == language))}
    defaults = draft_languages()[language].kinds
    texts = typed or {kind.value: own.get(kind.value, defaults.get(kind.value, "").strip()) for kind in TaskKind}
    return render_template("settings/drafts.html", language=language, languages=draft_languages(),
                           kinds=list(TaskKind), texts=texts, own=own, errors=errors or {},
                           placeholders=PLACEHOLDERS)

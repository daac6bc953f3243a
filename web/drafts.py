"""The draft editor: a task's follow-up mail, prefilled (followup.drafts), edited by the
rep, then saved into their Drafts folder over IMAP or downloaded as an .eml file.

Saving into a mailbox is for the mailbox's owner only; a teammate or a lead who can see the
task may read and download the draft. The IMAP work runs with no database transaction open.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from followup.drafting import IMPORT_ONLY, can_save, save_task_draft
from followup.drafts import Draft, DraftError, draft_languages, load_draft
from followup.db.models import MailAccount
from inbox_sync.imap_errors import ImapError
from web.auth import signed_in_user
from web.database import get_db, get_runtime
from web.formatting import now
from web.reply_links import reply_link
from web.scoping import get_user_task_or_404

bp = Blueprint("drafts", __name__)


def _language() -> str | None:
    code = request.values.get("language") or None
    return code if code in draft_languages() else None


@bp.route("/tasks/<id:task_id>/draft", methods=["GET"])
@login_required
def edit(task_id: int):
    user = signed_in_user()
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    draft = load_draft(db, task, language=_language())
    return _editor(task, draft, db.get(MailAccount, task.account_id), user)


@bp.route("/tasks/<id:task_id>/draft", methods=["POST"])
@login_required
def act(task_id: int):
    """`action` save (into Drafts) or download (.eml), with the edited to, cc, subject and text."""
    user = signed_in_user()
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    account = db.get(MailAccount, task.account_id)
    prefilled = load_draft(db, task, language=_language())
    form = request.form
    try:
        draft = prefilled.edited(to=form.get("to", ""), cc=form.get("cc", ""), subject=form.get("subject", ""),
                                 text=form.get("text", ""))
    except DraftError as exc:
        return _editor(task, prefilled, account, user, form=form, error=str(exc)), 400
    action = form.get("action", "")
    at = now()
    if action == "download":
        filename = f"follow-up-{task.id}.eml"
        return draft.to_email(at).as_bytes(), 200, {
            "Content-Type": "message/rfc822", "Content-Disposition": f'attachment; filename="{filename}"'}
    if action != "save":
        abort(400, description="Choose Save to my Drafts or Download .eml.")
    if account.user_id != user.id:
        return _editor(task, prefilled, account, user, form=form,
                       error="only the mailbox's owner can save into its Drafts; download the .eml instead"), 403
    if not can_save(account):
        return _editor(task, prefilled, account, user, form=form, error=IMPORT_ONLY), 400
    db.rollback()  # no transaction stays open while the server is busy
    try:
        saved = save_task_draft(get_runtime(), draft, user, at)
    except (DraftError, ImapError) as exc:
        return _editor(task, prefilled, account, user, form=form,
                       error=f"The draft was not saved: {exc}"), 502
    done = "replaced the earlier draft" if saved.replaced else "saved"
    flash(f"Draft {done} in “{saved.folder}” of {account.name or account.addresses[0]}: "
          "open your mail app to check and send it.")
    return redirect(url_for("drafts.edit", task_id=task.id, language=draft.language))


def _editor(task, draft: Draft, account: MailAccount, user, *, form=None, error: str | None = None):
    values = {"to": ", ".join(draft.to), "cc": ", ".join(draft.cc), "subject": draft.subject, "text": draft.text}
    if form is not None:
        values.update({name: form.get(name, "") for name in values})
    link_label, link_url = reply_link(account, draft)
    return render_template(
        "drafts/edit.html", task=task, draft=draft, account=account, values=values, error=error,
        languages=draft_languages(), can_save=can_save(account) and account.user_id == user.id,
        link_label=link_label, link_url=link_url,
    )

"""The thread view: the messages in order, each with its label, confidence and evidence,
and the follow-ups on the thread. Relabelling a message takes effect at once
(followup.relabel: the label changes and detection reruns for the thread) and is kept as a
`LabelFeedback` row for the classifier to learn from."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlmodel import select

from followup.db.models import FollowUpTask, LabelFeedback, MailAccount, Message
from followup.detection.service import detect_account
from followup.domain.vocabulary import OPEN_STATUSES, Label
from followup.drafts import load_draft
from followup.relabel import relabel_message
from followup.undo import step_before
from web.auth import signed_in_user
from web.database import get_db
from web.highlight import distinct_evidence, highlight, with_promise
from web.scoping import get_user_message_or_404, get_user_thread_or_404, visible_task_clause
from web.formatting import now, user_zone
from web.reply_links import reply_link
from web.task_actions import TaskActionError, mute as mute_thread, unmute as unmute_thread
from web.undo import flash_undo

bp = Blueprint("threads", __name__, url_prefix="/threads")


@bp.route("/<id:thread_id>")
@login_required
def show(thread_id: int):
    user = signed_in_user()
    db = get_db()
    thread = get_user_thread_or_404(db, user, thread_id)
    messages = db.exec(
        select(Message).where(Message.thread_id == thread.id).order_by(Message.sent_at, Message.id)
    ).all()
    feedback = {}
    if messages:
        for row in db.exec(
            select(LabelFeedback)
            .where(LabelFeedback.user_id == user.id,
                   LabelFeedback.message_id.in_([m.id for m in messages]))
            .order_by(LabelFeedback.created_at, LabelFeedback.id)
        ):
            feedback[row.message_id] = row
    tasks = db.exec(
        select(FollowUpTask)
        .where(FollowUpTask.thread_id == thread.id, visible_task_clause(user))
        .order_by(FollowUpTask.due_at)
    ).all()
    # The mail the first open follow-up is about leads; the rest of the thread folds below it.
    triggers = [t.trigger_message_id for t in tasks if t.status in OPEN_STATUSES and t.trigger_message_id]
    lead = next((m for m in messages if triggers and m.id == triggers[0]), None)
    others = [m for m in messages if m is not lead] if lead else messages
    account = db.get(MailAccount, thread.account_id)
    zone = user_zone(user.timezone)
    evidence = {m.id: with_promise(m.body_text, m.evidence, m.sent_at.astimezone(zone)) for m in messages}
    reply_links = {task.id: reply_link(account, load_draft(db, task))
                   for task in tasks if task.status in OPEN_STATUSES and account is not None}
    return render_template(
        "threads/show.html", thread=thread, messages=messages, lead=lead, others=others, feedback=feedback, tasks=tasks,
        account=account, labels=list(Label), highlight=highlight, distinct_evidence=distinct_evidence, user=user, reply_links=reply_links,
        evidence=evidence,
        own=account is not None and account.user_id == user.id,
    )


@bp.route("/messages/<id:message_id>/label", methods=["POST"])
@login_required
def relabel(message_id: int):
    user = signed_in_user()
    db = get_db()
    message = get_user_message_or_404(db, user, message_id)
    label = request.form.get("label", "")
    if label not in {l.value for l in Label}:
        abort(400, description="Choose one of the labels.")
    at = now()
    step_extra = {"message_id": message.id, "label": message.label, "confidence": message.confidence}
    feedback = relabel_message(db, message, label, user, at=at)
    detect_account(db, message.account_id, at)
    db.commit()
    flash_undo(f"Relabelled as {label}: the follow-ups of this thread follow the new label, "
               "and the classifier learns from it.",
               step_before("relabel", None, at, feedback_id=feedback.id, **step_extra))
    return redirect(url_for("threads.show", thread_id=message.thread_id, _anchor=f"message-{message.id}"))


@bp.route("/<id:thread_id>/mute", methods=["POST"])
@login_required
def mute(thread_id: int):
    user = signed_in_user()
    db = get_db()
    thread = get_user_thread_or_404(db, user, thread_id)
    at = now()
    try:
        mute_thread(db, thread, user, at=at)
        db.commit()
    except TaskActionError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        flash_undo("Thread muted; it will not bring follow-ups any more.",
                   step_before("mute", None, at, thread_id=thread.id))
    return redirect(url_for("threads.show", thread_id=thread.id))


@bp.route("/<id:thread_id>/unmute", methods=["POST"])
@login_required
def unmute(thread_id: int):
    """Undo a mute: the thread is checked again and brings follow-ups from the next detection."""
    user = signed_in_user()
    db = get_db()
    thread = get_user_thread_or_404(db, user, thread_id)
    back = unmute_thread(db, thread, user, at=now())
    db.commit()
    flash("Thread unmuted; it will bring follow-ups again."
          + (f" {back} follow-up{'s' if back != 1 else ''} the mute closed {'are' if back != 1 else 'is'} back." if back else ""))
    return redirect(url_for("threads.show", thread_id=thread.id))

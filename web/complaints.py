"""The team's complaint board: new (nobody owns it yet), assigned, answered.

A lead sees every complaint of the team and can hand any of them to a teammate; a member
sees their own and those handed to them. Each card shows the priority and the
first-response deadline with the time left.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlmodel import select

from followup.db.models import Contact, FollowUpTask, Thread, User
from followup.domain.vocabulary import TaskStatus
from followup.undo import step_before
from web.auth import signed_in_user
from web.database import get_db
from web.formatting import now
from web.ids import whole_number
from followup.tasks import open_task_clause
from web.scoping import get_user_task_or_404, is_lead, team_complaints, teammates
from web.task_actions import TaskActionError, assign
from web.undo import flash_undo

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

ANSWERED_WINDOW = timedelta(days=14)
ANSWERED_STATUSES = (TaskStatus.RESOLVED, TaskStatus.DONE)


@bp.route("/")
@login_required
def board():
    user = signed_in_user()
    db = get_db()
    at = now()
    base = team_complaints(user).subquery()
    rows = db.exec(
        select(FollowUpTask, Thread.subject, Contact.name, Contact.email, Contact.company)
        .join(base, base.c.id == FollowUpTask.id)
        .outerjoin(Thread, Thread.id == FollowUpTask.thread_id)
        .outerjoin(Contact, Contact.id == FollowUpTask.contact_id)
        .where(
            open_task_clause(at)
            | (FollowUpTask.status.in_(ANSWERED_STATUSES) & (FollowUpTask.closed_at >= at - ANSWERED_WINDOW))
        )
        .order_by(FollowUpTask.priority.desc(), FollowUpTask.due_at, FollowUpTask.id)
        .limit(500)
    ).all()
    columns = {"new": [], "assigned": [], "answered": []}
    for task, subject, contact_name, contact_email, company in rows:
        card = {"task": task, "subject": subject, "contact": contact_name or contact_email or "",
                "company": company or ""}
        if task.status in ANSWERED_STATUSES:
            columns["answered"].append(card)
        elif task.assignee_id is None:
            columns["new"].append(card)
        else:
            columns["assigned"].append(card)
    team = teammates(db, user)
    names = {u.id: u.display_name or u.email for u in team}
    return render_template(
        "complaints/board.html", columns=columns, team=team, names=names, lead=is_lead(user), user=user,
    )


@bp.route("/<id:task_id>/assign", methods=["POST"])
@login_required
def assign_to(task_id: int):
    user = signed_in_user()
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    if task.kind != "complaint":
        abort(404)
    assignee_id = whole_number(request.form, "assignee_id")
    assignee = db.get(User, assignee_id) if assignee_id else None
    if assignee is None or assignee.id not in {u.id for u in teammates(db, user)}:
        abort(400, description="Choose a member of your team.")
    at = now()
    step = step_before("assign", task, at)
    try:
        assign(db, task, assignee, user, at=at)
        db.commit()
    except TaskActionError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        flash_undo(f"Assigned to {assignee.display_name or assignee.email}.", step)
    return redirect(url_for("complaints.board"))

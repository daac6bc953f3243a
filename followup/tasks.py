"""What people do with follow-up tasks, and how open tasks are listed.

The actions (snooze, done, dismiss, mute, assign) are the user's word: detection respects
them. A done or dismissed task is not reopened by detection unless a new trigger arrives
(a new complaint, a new mail of the user's that waits for an answer); a snoozed task stays
out of the list until its date, or until a new trigger or a reply. Every change is
recorded as a `TaskEvent`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from followup.domain.vocabulary import OPEN_STATUSES, STARTS_WHEN_DUE, TaskKind, TaskStatus
from followup.db.models import Contact, FollowUpTask, LabelFeedback, MailAccount, TaskEvent, Thread, User
from followup.db.types import utcnow
from followup.errors import FollowupError


def started_clause(at):
    """The task's follow-up may start by `at`: any kind but those that start when due
    (`STARTS_WHEN_DUE`), or those once due. `at` is a value or a bind parameter."""
    return or_(FollowUpTask.kind.not_in([str(k) for k in STARTS_WHEN_DUE]), FollowUpTask.due_at <= at)


def awake_clause(at):
    """Open, or snoozed and woken up by `at`."""
    return or_(FollowUpTask.status == TaskStatus.OPEN,
               and_(FollowUpTask.status == TaskStatus.SNOOZED, FollowUpTask.snooze_until <= at))


def open_task_clause(at):
    """What every open count and list means: awake and started."""
    return and_(awake_clause(at), started_clause(at))


def upcoming_task_clause(at):
    """Awake but not started yet ("from Thu 3 Dec"): listed as upcoming, out of the open count.
    A check-in snoozed to a day before its window opens is upcoming once that day comes."""
    return and_(awake_clause(at), FollowUpTask.kind.in_([str(k) for k in STARTS_WHEN_DUE]),
                FollowUpTask.due_at > at)


class TaskError(FollowupError, ValueError):
    """A task action that cannot be applied as asked."""


def record_event(session: Session, task: FollowUpTask, event: str, *, actor: User | None = None,
                 detail: str = "", at: datetime | None = None) -> TaskEvent:
    row = TaskEvent(task_id=task.id, at=at or utcnow(), event=event,
                    actor_id=actor.id if actor else None, detail=detail)
    session.add(row)
    return row


def _require_open(task: FollowUpTask) -> None:
    if task.status not in OPEN_STATUSES:
        raise TaskError(f"task {task.id} is already {task.status}")


def _close(session: Session, task: FollowUpTask, status: TaskStatus, actor: User | None,
           at: datetime | None, detail: str = "") -> None:
    at = at or utcnow()
    task.status = status
    task.closed_at = at
    task.snooze_until = None
    task.updated_at = at
    session.add(task)
    record_event(session, task, str(status), actor=actor, detail=detail, at=at)


def snooze_task(session: Session, task: FollowUpTask, until: datetime, actor: User | None,
                *, at: datetime | None = None) -> None:
    """Hide the task until `until`; a reply or a new trigger still closes or wakes it."""
    _require_open(task)
    if until.tzinfo is None:
        raise TaskError("the snooze date needs a time zone")
    at = at or utcnow()
    if until <= at:
        raise TaskError("the snooze must end in the future")
    task.status = TaskStatus.SNOOZED
    task.snooze_until = until
    task.updated_at = at
    session.add(task)
    record_event(session, task, "snoozed", actor=actor, detail=f"until {until.isoformat()}", at=at)


def complete_task(session: Session, task: FollowUpTask, actor: User | None, *, at: datetime | None = None) -> None:
    """The user followed up."""
    _require_open(task)
    _close(session, task, TaskStatus.DONE, actor, at)


def dismiss_task(session: Session, task: FollowUpTask, actor: User | None, *, at: datetime | None = None) -> None:
    """No follow-up was needed: closed, and recorded as feedback for the classifier."""
    _require_open(task)
    _close(session, task, TaskStatus.DISMISSED, actor, at)
    if task.trigger_message_id is not None and actor is not None:
        session.add(LabelFeedback(message_id=task.trigger_message_id, user_id=actor.id, needs_reply=False,
                                  created_at=at or utcnow()))


def mute_thread(session: Session, thread: Thread, actor: User | None, *, at: datetime | None = None) -> int:
    """No follow-ups for this thread any more; its open tasks are dismissed. Returns how many."""
    at = at or utcnow()
    thread.muted = True
    thread.updated_at = at
    session.add(thread)
    tasks = session.exec(select(FollowUpTask).where(
        FollowUpTask.thread_id == thread.id, FollowUpTask.status.in_(OPEN_STATUSES))).all()
    for task in tasks:
        _close(session, task, TaskStatus.DISMISSED, actor, at, detail="thread muted")
    return len(tasks)


def unmute_thread(session: Session, thread: Thread, actor: User | None, *, at: datetime | None = None) -> None:
    thread.muted = False
    thread.needs_detection = True
    thread.updated_at = at or utcnow()
    session.add(thread)


def assign_task(session: Session, task: FollowUpTask, assignee: User, actor: User | None,
                *, at: datetime | None = None) -> None:
    """Give the task to someone (a lead assigning a complaint); detection keeps the choice."""
    at = at or utcnow()
    task.assignee_id = assignee.id
    task.updated_at = at
    session.add(task)
    by = f" by {actor.email}" if actor is not None else ""
    record_event(session, task, "assigned", actor=actor, detail=f"to {assignee.email}{by}", at=at)


# ------------------------------------------------------------------------------ listing


@dataclass(frozen=True)
class TaskRow:
    """An open task as the list, the digest and `followup tasks --json` show it."""

    id: int
    kind: str
    status: str
    account: int
    account_name: str
    thread_id: int | None
    subject: str
    contact: str | None
    contact_name: str
    due_at: datetime
    expires_at: datetime | None
    overdue: bool
    priority: int
    reason: str
    nudge: str
    nudge_count: int
    assignee: str | None
    snooze_until: datetime | None
    created_at: datetime

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("due_at", "expires_at", "snooze_until", "created_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data


def list_open_tasks(
    session: Session,
    now: datetime,
    *,
    account_ids: list[int] | None = None,
    kind: TaskKind | str | None = None,
    assignee_id: int | None = None,
    upcoming: bool = False,
) -> list[TaskRow]:
    """Open tasks (and snoozed ones whose date has come), most urgent first: priority, then due
    date; with `upcoming`, those not started yet instead (`upcoming_task_clause`)."""
    assignee = User.__table__.alias("assignee")
    query = (
        select(FollowUpTask, Thread.subject, Contact.email, Contact.name, MailAccount.name, assignee.c.email)
        .join(MailAccount, MailAccount.id == FollowUpTask.account_id)
        .outerjoin(Thread, Thread.id == FollowUpTask.thread_id)
        .outerjoin(Contact, Contact.id == FollowUpTask.contact_id)
        .outerjoin(assignee, assignee.c.id == FollowUpTask.assignee_id)
        .where(upcoming_task_clause(now) if upcoming else open_task_clause(now))
        .order_by(FollowUpTask.priority.desc(), FollowUpTask.due_at, FollowUpTask.id)
    )
    if account_ids is not None:
        query = query.where(FollowUpTask.account_id.in_(account_ids))
    if kind is not None:
        query = query.where(FollowUpTask.kind == str(kind))
    if assignee_id is not None:
        query = query.where(FollowUpTask.assignee_id == assignee_id)
    rows = []
    for task, subject, email, name, account_name, assignee_email in session.exec(query):
        rows.append(TaskRow(
            id=task.id, kind=task.kind,
            status=TaskStatus.OPEN if task.status == TaskStatus.SNOOZED else task.status,
            account=task.account_id, account_name=account_name or "", thread_id=task.thread_id,
            subject=subject or "", contact=email, contact_name=name or "",
            due_at=task.due_at, expires_at=task.expires_at, overdue=task.due_at <= now,
            priority=task.priority, reason=task.reason, nudge=task.nudge, nudge_count=task.nudge_count,
            assignee=assignee_email, snooze_until=task.snooze_until, created_at=task.created_at,
        ))
    return rows

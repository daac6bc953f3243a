"""Taking an action back: reopening a closed task, waking a snoozed one, undoing the last
action (done, snooze, dismiss, mute, relabel, assign) and unmuting a thread with the tasks
the mute closed.

An `UndoStep` says what an action changed, enough to put it back: the task's status,
snooze date and assignee before, and the feedback row the action added. The web app signs
it into the Undo button (web.undo); `undo` checks the task is still as the action left it
(a sync may have closed it meanwhile) and restores it. Every change is a `TaskEvent`
("reopened", "woken", "undone"), like any other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from followup.db.models import FollowUpTask, LabelFeedback, Message, TaskEvent, Thread, User
from followup.domain.vocabulary import TaskStatus
from followup.relabel import set_label
from followup.domain.rules.unanswered import NOT_A_COMPLAINT
from followup.tasks import TaskError, record_event, unmute_thread
from followup.db.types import utcnow

MUTE_DETAIL = "thread muted"
"""The detail `followup.tasks.mute_thread` records on each task it closes."""

UNDOABLE = ("done", "snooze", "dismiss", "mute", "relabel", "assign")


@dataclass(frozen=True)
class UndoStep:
    """What one action changed (see the module docstring); `at` is when it was done."""

    action: str
    task_id: int | None
    at: str  # ISO 8601
    status: str | None = None
    snooze_until: str | None = None
    assignee_id: int | None = None
    thread_id: int | None = None
    feedback_id: int | None = None
    message_id: int | None = None  # a relabel: the message, its label and confidence before
    label: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "UndoStep":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    @property
    def done_at(self) -> datetime:
        return datetime.fromisoformat(self.at)


def step_before(action: str, task: FollowUpTask | None, at: datetime, **extra) -> UndoStep:
    """The undo step of `action` on `task`, taken before the action changes it."""
    if action not in UNDOABLE:
        raise TaskError(f"{action!r} cannot be undone")
    return UndoStep(
        action=action, task_id=task.id if task is not None else None, at=at.isoformat(),
        status=str(task.status) if task is not None else None,
        snooze_until=task.snooze_until.isoformat() if task is not None and task.snooze_until else None,
        assignee_id=task.assignee_id if task is not None else None, **extra,
    )


def reopen_task(session: Session, task: FollowUpTask, actor: User | None, *, at: datetime | None = None,
                event: str = "reopened", detail: str = "", user_dismissal: bool = True) -> None:
    """Back on the list: a closed task reopened, a snoozed one woken now. Reopening a task
    the user dismissed takes back the "not needed" feedback the dismissal gave (not when
    a mute or a rule closed it: `user_dismissal` False)."""
    at = at or utcnow()
    if task.status == TaskStatus.OPEN:
        raise TaskError(f"task {task.id} is already open")
    if task.status == TaskStatus.DISMISSED and user_dismissal:
        _forget_not_needed(session, task, actor)
    task.status = TaskStatus.OPEN
    task.closed_at = None
    task.snooze_until = None
    task.updated_at = at
    session.add(task)
    record_event(session, task, event, actor=actor, detail=detail, at=at)


def unmute_and_reopen(session: Session, thread: Thread, actor: User | None, *, at: datetime | None = None) -> int:
    """Unmute the thread and reopen the tasks its mute closed (not those closed otherwise).
    Returns how many came back."""
    at = at or utcnow()
    was_muted = thread.muted
    unmute_thread(session, thread, actor, at=at)
    if not was_muted:
        return 0
    return _reopen_closed_by(session, thread.id, MUTE_DETAIL, actor, at, "thread unmuted")


def undo(session: Session, step: UndoStep, task: FollowUpTask | None, thread: Thread | None,
         actor: User, *, at: datetime | None = None, message: Message | None = None) -> None:
    """Put back what `step` changed; `TaskError` when the task has moved on since. A relabel
    undone flags its thread for detection, which the caller runs."""
    at = at or utcnow()
    detail = f"{step.action} undone"
    if step.action == "mute":
        if thread is None or not thread.muted:
            raise TaskError("the thread is no longer muted")
        unmute_and_reopen(session, thread, actor, at=at)
        return
    if step.action == "relabel":
        if step.feedback_id is not None:
            session.exec(delete(LabelFeedback).where(LabelFeedback.id == step.feedback_id,
                                                     LabelFeedback.user_id == actor.id))
        if message is not None:
            set_label(session, message, step.label, step.confidence, at=at)
            _reopen_closed_by(session, message.thread_id, NOT_A_COMPLAINT, actor, at, "relabel undone")
        return
    if task is None:
        raise TaskError("the follow-up is gone")
    if step.action == "assign":
        task.assignee_id = step.assignee_id
        task.updated_at = at
        session.add(task)
        record_event(session, task, "undone", actor=actor, detail=detail, at=at)
        return
    left = {"done": TaskStatus.DONE, "dismiss": TaskStatus.DISMISSED, "snooze": TaskStatus.SNOOZED}[step.action]
    if task.status != left:
        raise TaskError(f"the follow-up changed since: it is {task.status} now")
    if step.status == TaskStatus.SNOOZED and step.snooze_until and datetime.fromisoformat(step.snooze_until) > at:
        if task.status == TaskStatus.DISMISSED:
            _forget_not_needed(session, task, actor)
        task.status = TaskStatus.SNOOZED
        task.snooze_until = datetime.fromisoformat(step.snooze_until)
        task.closed_at = None
        task.updated_at = at
        session.add(task)
        record_event(session, task, "undone", actor=actor, detail=detail, at=at)
        return
    reopen_task(session, task, actor, at=at, event="undone", detail=detail)


def _reopen_closed_by(session: Session, thread_id: int | None, reason: str, actor: User | None,
                      at: datetime, detail: str) -> int:
    """Reopen the closed tasks of the thread whose last event is `reason`; returns how many."""
    reopened = 0
    for task in session.exec(select(FollowUpTask).where(
            FollowUpTask.thread_id == thread_id, FollowUpTask.status.not_in([TaskStatus.OPEN, TaskStatus.SNOOZED]))):
        last = session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id)
                            .order_by(TaskEvent.at.desc(), TaskEvent.id.desc())).first()
        if last is not None and last.detail == reason:
            reopen_task(session, task, actor, at=at, detail=detail, user_dismissal=False)
            reopened += 1
    return reopened


def _forget_not_needed(session: Session, task: FollowUpTask, actor: User | None) -> None:
    """The "no follow-up was needed" feedback the dismissal gave no longer holds."""
    if task.trigger_message_id is None or actor is None:
        return
    row = session.exec(select(LabelFeedback).where(
        LabelFeedback.message_id == task.trigger_message_id, LabelFeedback.user_id == actor.id,
        LabelFeedback.needs_reply.is_(False), LabelFeedback.label.is_(None),
    ).order_by(LabelFeedback.created_at.desc(), LabelFeedback.id.desc())).first()
    if row is not None:
        session.delete(row)


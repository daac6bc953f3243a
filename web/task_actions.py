"""What a user can do to a task from the UI or the API, in one place.

The state changes themselves (events, "not needed" feedback, what detection respects)
belong to the domain (`followup.tasks`); this module checks the request and calls them
with the app's notion of now, so the HTML views, the htmx views and the JSON API behave
the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from followup import tasks as domain
from followup.domain.vocabulary import OPEN_STATUSES, TaskStatus
from followup.db.models import FollowUpTask, Thread, User
from followup.errors import FollowupError
from followup.undo import reopen_task, unmute_and_reopen

ACTIONS = ("done", "snooze", "dismiss", "mute", "reopen", "wake")


class TaskActionError(FollowupError, ValueError):
    """The action cannot be applied (message fit for the user)."""


def apply_action(
    session: Session,
    task: FollowUpTask,
    action: str,
    actor: User,
    *,
    until: datetime | None = None,
    at: datetime | None = None,
) -> None:
    if action not in ACTIONS:
        raise TaskActionError(f"unknown action {action!r}")
    if action in ("reopen", "wake"):
        if action == "wake" and task.status != TaskStatus.SNOOZED:
            raise TaskActionError(f"this follow-up is {task.status}, not snoozed")
        try:
            reopen_task(session, task, actor, at=at, event="woken" if action == "wake" else "reopened")
        except domain.TaskError as exc:
            raise TaskActionError(str(exc)) from None
        return
    if task.status not in OPEN_STATUSES:
        raise TaskActionError(f"this follow-up is already {task.status}")
    try:
        if action == "done":
            domain.complete_task(session, task, actor, at=at)
        elif action == "dismiss":
            domain.dismiss_task(session, task, actor, at=at)
        elif action == "snooze":
            if until is None:
                raise TaskActionError("a snooze needs a time to wake up")
            domain.snooze_task(session, task, until, actor, at=at)
        elif action == "mute":
            if task.thread_id is None:
                raise TaskActionError("this follow-up has no thread to mute")
            domain.mute_thread(session, session.get(Thread, task.thread_id), actor, at=at)
    except domain.TaskError as exc:
        raise TaskActionError(str(exc)) from None


def mute(session: Session, thread: Thread, actor: User, *, at: datetime | None = None) -> None:
    try:
        domain.mute_thread(session, thread, actor, at=at)
    except domain.TaskError as exc:
        raise TaskActionError(str(exc)) from None


def assign(session: Session, task: FollowUpTask, assignee: User, actor: User, *, at: datetime | None = None) -> None:
    try:
        domain.assign_task(session, task, assignee, actor, at=at)
    except domain.TaskError as exc:
        raise TaskActionError(str(exc)) from None


def unmute(session: Session, thread: Thread, actor: User, *, at: datetime | None = None) -> int:
    """Unmute, and bring back the tasks the mute closed; returns how many."""
    return unmute_and_reopen(session, thread, actor, at=at)

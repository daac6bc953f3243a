"""What a user can do to a task from the UI or the API, in one place.

The state changes themselves (events, feedback, reopening) belong to detection
(`followups.detection`); this module checks the request and calls them, so the HTML views,
the htmx views and the JSON API behave the same.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from followups.models import OPEN_STATUSES, FollowUpTask, Thread, User

ACTIONS = ("done", "snooze", "dismiss", "mute")


class TaskActionError(ValueError):
    """The action cannot be applied (message fit for the user)."""


def _detection():
    try:
        from followups import detection
    except ImportError as exc:  # the detection feature has not landed in this build
        raise TaskActionError(f"task actions are unavailable: {exc}") from None
    return detection


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
    if task.status not in OPEN_STATUSES:
        raise TaskActionError(f"this follow-up is already {task.status}")
    detection = _detection()
    if action == "done":
        detection.complete_task(session, task, actor)
    elif action == "dismiss":
        detection.dismiss_task(session, task, actor)
    elif action == "snooze":
        if until is None:
            raise TaskActionError("a snooze needs a time to wake up")
        if at is not None and until <= at:
            raise TaskActionError("the snooze must end in the future")
        detection.snooze_task(session, task, until, actor)
    elif action == "mute":
        if task.thread_id is None:
            raise TaskActionError("this follow-up has no thread to mute")
        thread = session.get(Thread, task.thread_id)
        detection.mute_thread(session, thread, actor)


def assign(session: Session, task: FollowUpTask, assignee: User, actor: User) -> None:
    _detection().assign_task(session, task, assignee, actor)

"""A user's relabel of a message takes effect at once: the message carries the user's label
from now on (the classifier's confidence no longer applies to it), the correction is kept
as `LabelFeedback` for training, and the thread is flagged so that the detection pass run
right after (`followup.detection.service.detect_account`) opens and closes its tasks by the new
label: a complaint relabelled `other` no longer keeps a complaint task open.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from followup.db.models import LabelFeedback, Message, Thread, User
from followup.domain.vocabulary import Label


def relabel_message(session: Session, message: Message, label: str, user: User, *, at: datetime) -> LabelFeedback:
    if label not in {l.value for l in Label}:
        raise ValueError(f"{label!r} is not a label")
    feedback = LabelFeedback(message_id=message.id, user_id=user.id, label=label, created_at=at)
    session.add(feedback)
    set_label(session, message, label, None, at=at)
    session.flush()
    return feedback


def set_label(session: Session, message: Message, label: str | None, confidence: float | None, *, at: datetime) -> None:
    """The message's label (and the classifier's confidence in it, None for the user's own)."""
    message.label = label
    message.confidence = confidence
    session.add(message)
    if message.thread_id is not None:
        thread = session.get(Thread, message.thread_id)
        thread.needs_detection = True
        thread.updated_at = at
        session.add(thread)

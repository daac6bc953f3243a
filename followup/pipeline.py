"""What runs after mail is stored: classify the new messages, then detect follow-ups.

The sync job, the import command, the worker and the demo all call `process_account`, so
the order (store → nlp → followups) is written down once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import select

from followup.bootstrap import Runtime
from followups.db import session_scope
from followups.detection import detect_account
from followups.models import Message, Thread
from followups.types import utcnow

CLASSIFY_BATCH = 1000


def process_account(rt: Runtime, account_id: int, now: datetime | None = None) -> dict:
    """Classify what is unclassified, then run an incremental detection pass."""
    now = now or utcnow()
    classified = classify_pending(rt, account_id)
    with session_scope(rt.engine) as session:
        report = detect_account(session, account_id, now)
    return {"classified": classified, "detection": report.to_json()}


def classify_pending(rt: Runtime, account_id: int) -> int:
    """Label every message of the account that has no label yet; returns how many."""
    from nlp import load_classifier  # imported on first use: commands that never classify stay fast

    classifier = None
    total = 0
    while True:
        # One batch per transaction: no transaction is held while the model runs.
        with session_scope(rt.engine) as session:
            rows = session.exec(
                select(Message.id, Message.thread_id, Message.subject, Message.body_text)
                .where(Message.account_id == account_id, Message.classified_at.is_(None))
                .order_by(Message.id).limit(CLASSIFY_BATCH)
            ).all()
        if not rows:
            return total
        classifier = classifier or load_classifier()  # not loaded when nothing is new
        results = list(classifier.classify_many((subject, text) for _, _, subject, text in rows))
        stamp = utcnow()
        with session_scope(rt.engine) as session:
            for (message_id, _, _, _), result in zip(rows, results):
                session.execute(
                    update(Message).where(Message.id == message_id).values(
                        label=result.label,
                        confidence=result.confidence,
                        needs_reply=result.needs_reply,
                        evidence=[e.__dict__ for e in result.evidence],
                        model_version=classifier.model_version,
                        classified_at=stamp,
                    )
                )
            thread_ids = {thread_id for _, thread_id, _, _ in rows if thread_id is not None}
            if thread_ids:
                session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(needs_detection=True, updated_at=stamp))
        total += len(rows)

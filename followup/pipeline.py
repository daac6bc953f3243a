"""What runs after mail is stored: classify the new messages, then detect follow-ups.

The sync job, the import command, the worker and the demo all call `process_account`, so
the order (store → nlp → followups) is written down once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
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
        table = Message.__table__
        columns = ("label", "confidence", "needs_reply", "evidence", "model_version", "classified_at")
        # Bound names differ from the column names: SQLAlchemy reserves those for SET.
        labelled = [
            {"pk": message_id, "v_label": r.label, "v_confidence": r.confidence,
             "v_needs_reply": r.needs_reply, "v_evidence": [e.__dict__ for e in r.evidence],
             "v_model_version": classifier.model_version, "v_classified_at": stamp}
            for (message_id, _, _, _), r in zip(rows, results)
        ]
        with session_scope(rt.engine) as session:
            # One executemany for the batch: a statement per message would cost more than the model.
            session.connection().execute(
                update(table).where(table.c.id == bindparam("pk"))
                .values({name: bindparam(f"v_{name}") for name in columns}),
                labelled,
            )
            thread_ids = {thread_id for _, thread_id, _, _ in rows if thread_id is not None}
            if thread_ids:
                session.execute(update(Thread).where(Thread.id.in_(thread_ids)).values(needs_detection=True, updated_at=stamp))
        total += len(rows)

"""What runs after mail is stored: classify the new messages, then detect follow-ups.

The sync job, the import command, the worker and the demo all call `process_account`, so
the order (store → nlp → detection) is written down once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, update
from sqlmodel import select

from followup.bootstrap import Runtime
from followup.db.session import session_scope
from followup.detection.service import DetectionReport, detect_account
from followup.domain.vocabulary import Label
from followup.db.models import Message, Thread
from followup.db.types import utcnow
from followup.model_store import active_model_path

if TYPE_CHECKING:
    from nlp.classifier import Classification

log = logging.getLogger(__name__)

CLASSIFY_BATCH = 1000


@dataclass
class ProcessReport:
    """What one pass after storing did: how many messages were labelled, the ones the
    classifier failed on (stored as ``other``), and the detection pass."""
    classified: int
    detection: DetectionReport
    classify_errors: list[dict] = field(default_factory=list)  # {"message_id", "error"}

    def to_dict(self) -> dict:
        return {"classified": self.classified, "classify_errors": self.classify_errors,
                "detection": self.detection.to_dict()}


class PendingClassifier:
    """Labels an account's pending mail each time it is called, adding up what the passes did.

    The import calls it after each batch it stores, so the model runs while the next batch
    is parsed in a worker process rather than after the whole mailbox is stored; then
    `process_account` labels what is left (`finish`) and reports the sum."""

    def __init__(self, rt: Runtime, account_id: int) -> None:
        self.rt = rt
        self.account_id = account_id
        self.classified = 0
        self.errors: list[dict] = []
        self.failure: Exception | None = None

    def __call__(self) -> None:
        """One pass. What it fails with (a model that does not load) is kept for `finish` to
        raise: the import goes on storing, as it did when labelling came after it."""
        if self.failure is not None:
            return
        try:
            self._label()
        except Exception as exc:  # raised again by finish(), once every batch is stored
            self.failure = exc

    def finish(self) -> None:
        """The last pass; raises what an earlier pass failed with."""
        if self.failure is not None:
            raise self.failure
        self._label()

    def _label(self) -> None:
        classified, errors = classify_pending(self.rt, self.account_id)
        self.classified += classified
        self.errors += errors


def process_account(rt: Runtime, account_id: int, now: datetime | None = None,
                    classifier: PendingClassifier | None = None) -> ProcessReport:
    """Classify what is unclassified, then run an incremental detection pass. `classifier`:
    the one that already labelled part of the mail (its count and errors are reported)."""
    now = now or utcnow()
    classifier = classifier or PendingClassifier(rt, account_id)
    classifier.finish()
    with session_scope(rt.engine) as session:
        report = detect_account(session, account_id, now)
    return ProcessReport(classifier.classified, report, classifier.errors)


def classify_pending(rt: Runtime, account_id: int) -> tuple[int, list[dict]]:
    """Label every message of the account that has no label yet.

    Returns how many, and ``{"message_id", "error"}`` for each message the classifier failed
    on: such a message is stored as ``other`` with ``classify_error`` set, so it is not pending
    again and the messages after it are still labelled.
    """
    pending = (Message.account_id == account_id, Message.classified_at.is_(None))
    with session_scope(rt.engine) as session:
        if session.exec(select(Message.id).where(*pending).limit(1)).first() is None:
            return 0, []
    # Imported here, once there is mail to label: importing nlp loads spaCy (~0.7 s), which a
    # no-change sync must not pay.
    from nlp import BODY_CHARS, evidence_to_json, load_classifier

    classifier = load_classifier(active_model_path(rt.settings))
    # The model reads the body's first BODY_CHARS characters only (one more tells it where the
    # text was cut), so only those are read from the database.
    body_start = func.substr(Message.body_text, 1, BODY_CHARS + 1)
    total, errors = 0, []
    while True:
        # One batch per transaction: no transaction is held while the model runs.
        with session_scope(rt.engine) as session:
            rows = session.exec(
                select(Message.id, Message.thread_id, Message.subject, body_start)
                .where(*pending).order_by(Message.id).limit(CLASSIFY_BATCH)
            ).all()
        if not rows:
            return total, errors
        outcomes = classify_rows(classifier, rows)
        stamp = utcnow()
        table = Message.__table__
        columns = ("label", "confidence", "needs_reply", "evidence", "model_version", "classified_at",
                   "classify_error")
        # Bound names differ from the column names: SQLAlchemy reserves those for SET.
        labelled = [
            {"pk": message_id, "v_label": r.label, "v_confidence": r.confidence,
             "v_needs_reply": r.needs_reply, "v_evidence": evidence_to_json(r.evidence),
             "v_model_version": classifier.model_version, "v_classified_at": stamp, "v_classify_error": error}
            for (message_id, _, _, _), (r, error) in zip(rows, outcomes)
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
        errors += [{"message_id": row[0], "error": error} for row, (_, error) in zip(rows, outcomes) if error]
        total += len(rows)


def classify_rows(classifier, rows) -> list[tuple[Classification, str | None]]:
    """(classification, error) per row. A batch the model fails on is classified message by
    message, so one bad message cannot keep the account's other mail unlabelled for ever."""
    try:
        return [(r, None) for r in classifier.classify_many((subject, text) for _, _, subject, text in rows)]
    except Exception as exc:  # whatever the model raised: the one-by-one pass finds the message
        log.warning("classifying a batch of %d failed (%s); classifying its messages one by one",
                    len(rows), type(exc).__name__)
    from nlp.classifier import Classification

    failed = Classification(label=Label.OTHER, confidence=0.0, needs_reply=False)
    outcomes = []
    for message_id, _, subject, text in rows:
        try:
            outcomes.append((classifier.classify(subject, text), None))
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
            log.warning("message %s could not be classified: %s", message_id, error)
            outcomes.append((failed, error))
    return outcomes

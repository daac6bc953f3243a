"""Relabel stored mail with the active model, then rerun detection where a label changed.

`followup nlp reclassify [--account ID] [--since DATE]` runs it after a retrain or a
`followup nlp use`. A message a user corrected (any `LabelFeedback` row) keeps the user's
label: the correction is the truth the model is trained towards, never overwritten by it.
Only threads with a message whose label or needs-reply changed are flagged for detection,
so the detection pass that follows touches only them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import select

from followup.bootstrap import Runtime
from followup.db.models import LabelFeedback, MailAccount, Message, Thread
from followup.db.session import session_scope
from followup.db.types import utcnow
from followup.detection.service import detect_account
from followup.model_store import active_model_path
from followup.pipeline import CLASSIFY_BATCH, classify_rows


@dataclass
class ReclassifyReport:
    model_version: str = ""
    examined: int = 0
    kept_user_label: int = 0
    changed: int = 0
    threads_flagged: int = 0
    errors: list[dict] = field(default_factory=list)
    detection: dict[int, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"model_version": self.model_version, "examined": self.examined,
                "kept_user_label": self.kept_user_label, "changed": self.changed,
                "threads_flagged": self.threads_flagged, "errors": self.errors,
                "detection": {str(k): v for k, v in self.detection.items()}}


def reclassify(rt: Runtime, *, account_ids: list[int] | None = None, since: datetime | None = None,
               now: datetime | None = None) -> ReclassifyReport:
    """Relabel the messages of ``account_ids`` (default: every account) sent at or after
    ``since`` (default: all), in batches of one transaction each; then detect per account."""
    from nlp import evidence_to_json, load_classifier  # spaCy: only for this command

    now = now or utcnow()
    classifier = load_classifier(active_model_path(rt.settings))
    report = ReclassifyReport(model_version=classifier.model_version)
    with session_scope(rt.engine) as session:
        query = select(MailAccount.id).order_by(MailAccount.id)
        if account_ids is not None:
            query = query.where(MailAccount.id.in_(account_ids))
        accounts = list(session.exec(query))
    table = Message.__table__
    for account_id in accounts:
        last_id = 0
        while True:
            with session_scope(rt.engine) as session:
                query = (select(Message.id, Message.thread_id, Message.subject, Message.body_text,
                                Message.label, Message.needs_reply)
                         .where(Message.account_id == account_id, Message.id > last_id)
                         .order_by(Message.id).limit(CLASSIFY_BATCH))
                if since is not None:
                    query = query.where(Message.sent_at >= since)
                rows = session.exec(query).all()
                if not rows:
                    break
                last_id = rows[-1][0]
                corrected = set(session.exec(select(LabelFeedback.message_id).where(
                    LabelFeedback.message_id.in_([row[0] for row in rows]))))
            todo = [row for row in rows if row[0] not in corrected]
            report.examined += len(rows)
            report.kept_user_label += len(rows) - len(todo)
            outcomes = classify_rows(classifier, [row[:4] for row in todo])
            stamp = utcnow()
            values, flagged = [], set()
            for (message_id, thread_id, _, _, old_label, old_reply), (r, error) in zip(todo, outcomes):
                values.append({"pk": message_id, "v_label": r.label, "v_confidence": r.confidence,
                               "v_needs_reply": r.needs_reply, "v_evidence": evidence_to_json(r.evidence),
                               "v_model_version": classifier.model_version, "v_classified_at": stamp,
                               "v_classify_error": error})
                if error:
                    report.errors.append({"message_id": message_id, "error": error})
                if r.label != old_label or r.needs_reply != old_reply:
                    report.changed += 1
                    if thread_id is not None:
                        flagged.add(thread_id)
            with session_scope(rt.engine) as session:
                if values:
                    columns = ("label", "confidence", "needs_reply", "evidence", "model_version",
                               "classified_at", "classify_error")
                    session.connection().execute(
                        update(table).where(table.c.id == bindparam("pk"))
                        .values({name: bindparam(f"v_{name}") for name in columns}), values)
                if flagged:
                    session.execute(update(Thread).where(Thread.id.in_(flagged))
                                    .values(needs_detection=True, updated_at=stamp))
            report.threads_flagged += len(flagged)
        with session_scope(rt.engine) as session:
            report.detection[account_id] = detect_account(session, account_id, now).to_dict()
    return report

"""Mail text with the classifier's evidence marked, built safely.

Mail is only ever shown as text: each piece of the message is escaped with markupsafe and
the only markup added is `<mark>` around the evidence spans. Evidence items are
`{kind, text, start, end}` with character offsets into the message's own text
(`Message.body_text`), except those whose kind starts with `subject:`, which point into the
subject (see the docstring of `nlp.classifier`). An item whose offsets do not match its
text is looked up by its text instead, and one that cannot be found is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from followup.domain.rules.promise import find_promise


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


SUBJECT_PREFIX = "subject:"


def evidence_spans(text: str, evidence: list[dict] | None, *, subject: bool = False) -> list[Span]:
    """Non-overlapping spans in `text`, in order (the first, then the longest, wins).
    `subject` picks the evidence found in the subject instead of the body."""
    found: list[Span] = []
    for item in evidence or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("kind") or "evidence")
        if kind.startswith(SUBJECT_PREFIX) != subject:
            continue
        kind = kind.removeprefix(SUBJECT_PREFIX)
        phrase = item.get("text")
        start, end = item.get("start"), item.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
                and (not phrase or text[start:end] == phrase)):
            if not phrase or not isinstance(phrase, str):
                continue
            start = text.find(phrase)
            if start < 0:
                continue
            end = start + len(phrase)
        found.append(Span(start, end, kind))
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    spans: list[Span] = []
    for span in found:
        if spans and span.start < spans[-1].end:
            continue
        spans.append(span)
    return spans


def with_promise(text: str, evidence: list[dict] | None, sent_at: datetime) -> list[dict]:
    """The classifier's evidence and, when the text makes a dated promise, its span (kind
    `promise`), found by the same rule detection uses (`sent_at` in the user's zone)."""
    items = list(evidence or [])
    promise = find_promise(text or "", sent_at)
    if promise is not None:
        items.append({"kind": "promise", "text": promise.span(text), "start": promise.start, "end": promise.end})
    return items


def highlight(text: str, evidence: list[dict] | None, *, subject: bool = False) -> Markup:
    out = Markup()
    pos = 0
    text = text or ""
    for span in evidence_spans(text, evidence, subject=subject):
        out += escape(text[pos:span.start])
        out += Markup('<mark class="evidence" data-kind="{0}" title="{0}">{1}</mark>').format(
            span.kind, text[span.start:span.end]
        )
        pos = span.end
    out += escape(text[pos:])
    return out


def distinct_evidence(evidence: list[dict] | None) -> list[dict]:
    """The evidence items, less those inside a longer one of the same place ("Please" inside
    "Please advise"): each phrase counted once in the list under a message."""
    items = [e for e in evidence or [] if isinstance(e, dict) and isinstance(e.get("text"), str) and e["text"]]

    def place(e: dict) -> bool:
        return str(e.get("kind") or "").startswith(SUBJECT_PREFIX)

    def inside(e: dict, other: dict) -> bool:
        if other is e or place(other) != place(e) or len(other["text"]) <= len(e["text"]):
            return False
        start, end, o_start, o_end = e.get("start"), e.get("end"), other.get("start"), other.get("end")
        if all(isinstance(v, int) for v in (start, end, o_start, o_end)):
            return o_start <= start and end <= o_end
        return e["text"].lower() in other["text"].lower()

    kept, seen = [], set()
    for e in items:
        key = (place(e), e["text"].lower(), e.get("start"))
        if key in seen or any(inside(e, other) for other in items):
            continue
        seen.add(key)
        kept.append(e)
    return kept

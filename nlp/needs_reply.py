"""Does a message ask its reader for an answer or an action?

The pipeline's ``needs_reply`` text categoriser gives a score (``doc.cats["NEEDS_REPLY"]``)
learnt from the team's corpus; the evidence rules find questions and requests addressed to
the reader ("please send", "can you", "let me know", a sentence opening with an imperative).
The decision combines both: a confident model decides alone, and a rule hit lowers the bar.
"""

from __future__ import annotations

from typing import Iterable

THRESHOLD = 0.5
"""The model's score at or above which a message needs a reply whatever the rules say."""

THRESHOLD_WITH_CUE = 0.3
"""The lower bar for a message in which the rules found a question or a request."""

ASK_KINDS = frozenset({"question", "request"})


def decide_needs_reply(score: float, evidence_kinds: Iterable[str]) -> bool:
    """Combine the model's score with the question/request evidence found in the body."""
    if score >= THRESHOLD:
        return True
    return score >= THRESHOLD_WITH_CUE and any(kind in ASK_KINDS for kind in evidence_kinds)

"""The keyword baseline, written the obvious way, to show what the model gains.

Count complaint, sale and inquiry keywords; the label with most hits wins (ties go to
complaint, then sale, then inquiry); no hit means ``other``. A message needs a reply when
it has a question mark or "please". No evidence, confidence 1.0 for any hit.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from nlp.classifier import Classification

KEYWORDS = {
    "complaint": ["refund", "broken", "damaged", "defective", "not working", "complaint", "wrong",
                  "late", "never arrived", "disappointed", "terrible", "worst", "unacceptable", "charged twice",
                  "dispute", "fraud", "cancel"],
    "sale": ["order", "buy", "purchase", "payment", "paid", "invoice", "renew", "booking", "book",
             "contract", "upgrade", "subscribe", "receipt"],
    "inquiry": ["price", "quote", "how much", "available", "availability", "information", "info",
                "demo", "do you", "can i", "how do", "how can", "interested", "cost"],
}
_PATTERNS = {label: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
             for label, words in KEYWORDS.items()}
_REPLY = re.compile(r"\?|\bplease\b", re.IGNORECASE)


class KeywordBaseline:
    """Same interface as :class:`~nlp.classifier.Classifier`, no model."""

    model_version = "keyword-baseline"

    def classify(self, subject: str | None, text: str | None) -> Classification:
        full = f"{subject or ''}\n{text or ''}"
        counts = {label: len(pattern.findall(full)) for label, pattern in _PATTERNS.items()}
        best = max(counts, key=lambda k: counts[k])  # dict order breaks ties: complaint, sale, inquiry
        label = best if counts[best] else "other"
        return Classification(label=label, confidence=1.0, needs_reply=bool(_REPLY.search(full)),
                              evidence=[], classified_text=text or "")

    def classify_many(self, items: Iterable[tuple[str | None, str | None]],
                      batch_size: int = 256) -> Iterator[Classification]:
        for subject, text in items:
            yield self.classify(subject, text)

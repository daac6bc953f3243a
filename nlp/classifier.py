"""The classifier as the rest of the product sees it: load once, classify text, get evidence.

Which string the evidence offsets refer to
------------------------------------------
The model reads ``compose_input(subject, text)``: the subject, a blank line, then the
message's own text (just the text when there is no subject). The web UI highlights evidence
in the message's body, so :class:`Evidence` offsets are **character offsets into ``text``**
(the body, ``Classification.classified_text``). Evidence found in the subject keeps its kind
with a ``subject:`` prefix (``subject:order_number``) and offsets into the subject string;
a span that would straddle the two is dropped.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.tokens import Doc

from nlp import architectures  # also registers the architecture
from nlp import evidence as _evidence  # noqa: F401  (registers the evidence factory)
from nlp import tokenizer as _tokenizer  # noqa: F401  (registers the tokenizer)
from nlp.evidence import EVIDENCE_KEY
from nlp.needs_reply import decide_needs_reply

LABELS = ("inquiry", "sale", "complaint", "other")
NEEDS_REPLY = "NEEDS_REPLY"
MODEL_DIR = Path(__file__).resolve().parent / "model"
SUBJECT_PREFIX = "subject:"
# The common reply/forward prefixes; inbox_sync.threading knows more for threading, but nlp
# imports nothing above it; these cover the replies and forwards of the common mail clients.
REPLY_SUBJECT = re.compile(r"\s*(re|aw|sv|antw|fwd?|wg|tr)\s*(\[\d+\])?\s*:", re.IGNORECASE)
BODY_CHARS = 1000
"""How much of the own text the model reads: the label lives in the subject and the first
lines, and the tokenizer's time grows with every character. At 1,000 a mail of 1,000 words
costs what one of ~160 words does; dev_nlp (every text under 1,240 characters) and the team
dev split score the same as uncut (docs/classifier.md)."""
MAX_LEXEMES = 100_000
"""Words the vocabulary may learn before a loaded classifier starts afresh from its files. Each
new word of the mail read stays in the vocabulary (and spaCy's tokenizer cache, which keeps at
most 10,000 chunks, keeps its splits); a worker that reads mail for months would otherwise grow
without bound. 100,000 new words take ~55 MB; reloading costs ~0.2 s."""


@dataclass(frozen=True)
class Evidence:
    """A phrase that decided: its kind, its text and its character offsets."""

    kind: str
    text: str
    start: int
    end: int

    @staticmethod
    def to_json(items: Iterable["Evidence"]) -> list[dict]:
        """A list of evidence as JSON data (a list of objects): what `Message.evidence` stores."""
        # Spelled out: dataclasses.asdict deep-copies every field; it was 2.5 s of a 15.5 s
        # classify pass over 4,000 imported messages (cProfile of `followup import`).
        return [{"kind": e.kind, "text": e.text, "start": e.start, "end": e.end} for e in items]

    @staticmethod
    def from_json(data: str | list | None) -> list["Evidence"]:
        """The inverse of :meth:`to_json`; accepts that list or the same as a JSON string."""
        if not data:
            return []
        items = json.loads(data) if isinstance(data, str) else data
        return [Evidence(kind=d["kind"], text=d["text"], start=int(d["start"]), end=int(d["end"])) for d in items]


def evidence_to_json(items: Iterable[Evidence]) -> list[dict]:
    return Evidence.to_json(items)


def evidence_from_json(data: str | list | None) -> list[Evidence]:
    return Evidence.from_json(data)


@dataclass(frozen=True)
class Classification:
    """What the classifier says about one message."""

    label: str
    confidence: float
    needs_reply: bool
    evidence: list[Evidence] = field(default_factory=list)
    classified_text: str = ""  # the string the (non-subject) evidence offsets refer to
    scores: dict[str, float] = field(default_factory=dict)
    needs_reply_score: float = 0.0

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "needs_reply": self.needs_reply,
            "needs_reply_score": round(self.needs_reply_score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "evidence": Evidence.to_json(self.evidence),
        }


def compose_input(subject: str | None, text: str | None) -> str:
    """The string the model reads: subject, blank line, body (or the body alone), the body cut
    at the last word end within its first :data:`BODY_CHARS` characters. A prefix of the body,
    so evidence offsets past the subject still index the full body.

    A reply's or forward's subject is the thread's: the question in "Re: Do you have it in
    stock?" was asked by the first message, and "Thanks, all sorted" under it asks nothing. So
    the question marks of such a subject are read as spaces (same length: offsets still hold).
    """
    text = _beginning(text or "")
    if subject and subject.strip():
        if "?" in subject and REPLY_SUBJECT.match(subject):
            subject = subject.replace("?", " ")
        return f"{subject}\n\n{text}"
    return text


def _beginning(text: str) -> str:
    if len(text) <= BODY_CHARS:
        return text
    cut = max(text.rfind(space, 0, BODY_CHARS + 1) for space in " \n\t")
    return text[:cut] if cut > 0 else text[:BODY_CHARS]


def _body_offset(subject: str | None) -> int:
    return len(subject) + 2 if subject and subject.strip() else 0


def classification_from_doc(doc: Doc, subject: str | None, text: str | None) -> Classification:
    """Turn a processed Doc of ``compose_input(subject, text)`` into a Classification."""
    text = text or ""
    if not len(doc):
        # Nothing to read. spaCy scores a batch of only empty docs 0 and an empty doc among
        # others by the biases alone: neither is a judgement, and they would differ by batch.
        return Classification(label="other", confidence=1.0, needs_reply=False, classified_text=text,
                              scores={label: float(label == "other") for label in LABELS})
    offset = _body_offset(subject)
    raw = {label: float(doc.cats.get(label, 0.0)) for label in LABELS}
    total = sum(raw.values()) or 1.0
    cats = {label: value / total for label, value in raw.items()}  # one-vs-rest scores → shares
    label = max(LABELS, key=lambda k: cats[k])
    evidence: list[Evidence] = []
    seen = set()
    for kind, start, end in doc.user_data.get(EVIDENCE_KEY, []):
        if offset and start >= offset:
            start, end = start - offset, end - offset
            value = text[start:end]
        elif offset and end <= offset - 2:
            kind = SUBJECT_PREFIX + kind
            value = subject[start:end]
        elif offset:
            continue
        else:
            value = text[start:end]
        key = (kind, start, end)
        if key not in seen:
            seen.add(key)
            evidence.append(Evidence(kind, value, start, end))  # by position: half the time of keywords
    score = float(doc.cats.get(NEEDS_REPLY, 0.0))
    # A generator: the kinds are read only when the score alone does not decide.
    needs = decide_needs_reply(score, (e.kind for e in evidence if not e.kind.startswith(SUBJECT_PREFIX)))
    return Classification(label=label, confidence=cats[label], needs_reply=needs, evidence=evidence,
                          classified_text=text, scores=cats, needs_reply_score=score)


class Classifier:
    """A loaded pipeline. Thread-safe for reading; one per process is enough."""

    def __init__(self, nlp: Language, reload: Callable[[], Language] | None = None):
        """``reload`` gives the same pipeline afresh (see :data:`MAX_LEXEMES`); without it
        (a pipeline just trained in memory) the vocabulary grows with what is read."""
        self.nlp = nlp
        self._reload = reload
        meta = nlp.meta.get("followup", {}) if isinstance(nlp.meta, dict) else {}
        self.model_version: str = meta.get("model_version", nlp.meta.get("version", "unknown"))
        self._lock = threading.Lock()

    def classify(self, subject: str | None, text: str | None) -> Classification:
        return next(self.classify_many([(subject, text)]))

    def classify_many(self, items: Iterable[tuple[str | None, str | None]],
                      batch_size: int = 256) -> Iterator[Classification]:
        """Classify (subject, text) pairs in batches (as ``nlp.pipe`` would: :func:`run_pipeline`), in order."""
        batch: list[tuple[str | None, str | None]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, batch: list[tuple[str | None, str | None]]) -> list[Classification]:
        texts = [compose_input(s, t) for s, t in batch]
        # No spaCy memory_zone: inside one the tokenizer caches nothing and makes every word's
        # lexeme again, which made classifying 3x slower (2,300 vs 6,000 messages per
        # CPU-second on bench/import.py's mail). The growth it prevented is bounded here instead.
        with self._lock:
            if self._reload is not None and len(self.nlp.vocab) > MAX_LEXEMES:
                self.nlp = self._reload()
            docs = run_pipeline(self.nlp, texts)
            return [classification_from_doc(doc, s, t) for doc, (s, t) in zip(docs, batch)]


def run_pipeline(nlp: Language, texts: list[str]) -> list[Doc]:
    """``list(nlp.pipe(texts))`` for one batch, the categoriser reading each doc's tokens once for
    all its layers (:func:`nlp.architectures.predict`)."""
    docs = [nlp.make_doc(text) for text in texts]
    for _, component in nlp.pipeline:
        if isinstance(component, TextCategorizer):
            component.set_annotations(docs, architectures.predict(component, docs))
        else:
            docs = list(component.pipe(docs)) if hasattr(component, "pipe") else [component(doc) for doc in docs]
    return docs


def load_pipeline(path: str | Path | None = None) -> Language:
    """The spaCy pipeline saved at ``path`` (default: the one shipped in the package)."""
    path = Path(path) if path else MODEL_DIR
    if not (path / "config.cfg").exists():
        raise FileNotFoundError(f"no trained classifier at {path}: run `followup nlp train`")
    # The tokenizer is spaCy's English one, unchanged: the config rebuilds it, so its rules are
    # not saved and not read back (reading them again would double the load time).
    return spacy.load(path, exclude=[] if (path / "tokenizer").exists() else ["tokenizer"])


@lru_cache(maxsize=4)
def _cached(path: str) -> Classifier:
    return Classifier(load_pipeline(path), reload=lambda: load_pipeline(path))


def load_classifier(path: str | Path | None = None) -> Classifier:
    """The classifier at ``path`` (default: the shipped one), loaded once per process."""
    return _cached(str(Path(path).resolve() if path else MODEL_DIR))

"""Build and train the pipeline reproducibly.

The pipeline, on ``spacy.blank("en")`` (tokenizer: ``followup.TextKeepingTokenizer.v2``,
spaCy's English tokenizer that also keeps the input string for the rules and gives each
lexeme a lemma-like norm, :func:`nlp.tokenizer.crude_norm`):

1. ``textcat`` — one multi-label categoriser with the labels inquiry / sale / complaint /
   other and ``NEEDS_REPLY``: a bag of unigrams and bigrams of both the lower-cased words and
   their norms, scaled to unit length, hashed into a sparse linear layer
   (``followup.TextCatBOWLower.v1``), plus a dense layer on the mean of the words' static
   vectors (:mod:`nlp.word_vectors`, :data:`WORD_VECTORS`), with a logistic output per label. The
   message label is the best of the four; ``NEEDS_REPLY`` is trained on whole messages and
   on single sentences (rows without a label leave the four label outputs untouched: spaCy's
   multi-label categoriser masks missing values). One categoriser reads the n-grams once,
   nearly twice as fast as an exclusive categoriser plus a separate needs-reply one
   (``merged=False`` still builds that, for comparison);
2. ``evidence`` — the rule component ``followup_evidence_v1`` (no training).

The training rows (:func:`corpus_rows`) are the team corpus's ``train.jsonl``, its
multilingual ``train_multilingual.jsonl`` (:mod:`nlp.corpus.multilingual`) and the real
labelled sources in ``corpus/real/`` as :mod:`nlp.corpus.sources` maps them.

Training is seeded (``fix_random_seed`` plus a seeded shuffle), so the same corpus, extra
examples and seed give the same weights.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from nlp import architectures as _architectures  # noqa: F401
from nlp import evidence as _evidence  # noqa: F401
from nlp import tokenizer as _tokenizer  # noqa: F401
from nlp.classifier import LABELS, MODEL_DIR, NEEDS_REPLY, Classifier, compose_input
from nlp.corpus.sources import real_rows
from nlp.version import MODEL_VERSION

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
EPOCHS = 12
BATCH_SIZE = 32
NGRAM_SIZE = 2
LENGTH = 2**17
"""Rows of the hashed feature table: 2**17 keeps the shipped model near 2.5 MB."""
FEATURE_ATTR = "LOWER+NORM"
"""What the n-grams are read from: "LOWER" (the lower-cased text, as up to model 2026.11.29-1),
"NORM" (the lemma-like lexeme norm of :func:`nlp.tokenizer.crude_norm`: "ordered" → "order",
digits → "0") or "LOWER+NORM" (both, as separate features). On the shared dev_nlp set,
averaged over three corpus seeds, "LOWER+NORM" with "l2" values (scale 4) gave macro-F1 0.815 against
0.789 for "LOWER" with counts, needs-reply F1 on needs_reply_dev 0.736 against 0.733."""
FEATURE_VALUES = "l2"
"""The value of each n-gram: "count" (spaCy's), "binary" or "l2" (counts scaled to a fixed
length, so a long colleague email does not score higher only by having more words)."""
L2_SCALE = 2.0
"""The length of an "l2" feature vector. Over corpus seeds 13/14/15, dev_nlp macro-F1 and
needs_reply_dev F1: 8 → 0.813 / 0.732, 4 → 0.815 / 0.736, 2 → 0.815 / 0.743,
1 → 0.798 / 0.745, 0.5 → 0.780 / 0.746."""
SOURCE_WEIGHTS = {"bitext": 1, "cfpb": 1, "enron": 1, "parakweet": 1}
"""How many times each real source's rows (:mod:`nlp.corpus.sources`) are repeated in training."""
WORD_VECTORS: str | None = "minilm-m2v"
"""The static word-vector table (:mod:`nlp.word_vectors`) whose mean feeds the categoriser
beside the n-grams; None trains on the n-grams alone."""
VECTORS_SCALE = 4.0
"""The length of the mean word vector beside the n-grams' (:data:`L2_SCALE`). On dev_nlp (all /
without the customer-service utterances / tweets), seed 0: no vectors 0.813 / 0.725 / 0.632,
scale 0.25 0.821 / 0.731 / 0.642, 1 0.815 / 0.693 / 0.598, 4 0.834 / 0.715 / 0.641."""
TRAIN_MULTILINGUAL = True
"""Whether training reads ``train_multilingual.jsonl`` (de/fr/es/it/nl/pt). On since model
2026.12.03-1. First tried 2026-12-02 (seed 0): dev_nlp 0.834 -> 0.825, 0.715 -> 0.696, 0.641 -> 0.619.
On 2026-12-03, with 190-245 fragments per language and the support-tweet and colleague fragments
(``tweet_3``, ``colleague_*_2``), training seeds 0/1/2: mean 0.831 / 0.718 / 0.642, needs-reply
0.919 (the English-only model 0.834 / 0.715 / 0.641 / 0.919), per language 0.85-0.96 (English-only
0.14-0.31): English equal within the seeds' spread (up to 0.04), six languages read at all.
Training on half the multilingual rows did not give English more (0.820 / 0.696 / 0.619).
docs/classifier.md has the table."""
FEEDBACK_WEIGHT = 3
"""How many times each user correction is repeated in training: one correction outweighs a
generic example, since it is about the team's own mail."""


def read_jsonl(path: str | Path) -> list[dict]:
    """Rows of a JSONL file in the evaluate format; blank lines are skipped."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise ValueError(f'{path}:{number}: expected an object with a "text" string')
            label = row.get("label")
            if label is not None and label not in LABELS:
                raise ValueError(f"{path}:{number}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
            rows.append(row)
    return rows


def build_pipeline(length: int = LENGTH, ngram_size: int = NGRAM_SIZE, merged: bool = True,
                   attr: str = FEATURE_ATTR, values: str = FEATURE_VALUES,
                   l2_scale: float = L2_SCALE, vectors: str | None = WORD_VECTORS,
                   vectors_scale: float = VECTORS_SCALE) -> Language:
    """An untrained pipeline: the text categoriser(s) and the evidence rules.

    ``merged`` (the default) puts the four labels and ``NEEDS_REPLY`` in one multi-label
    categoriser, which reads the n-grams once: nearly twice as fast as two categorisers.
    ``attr`` and ``values``: see :data:`FEATURE_ATTR` and :data:`FEATURE_VALUES`; a norm-reading
    ``attr`` takes the tokenizer that sets the crude norms.
    """
    tokenizer = "followup.TextKeepingTokenizer.v2" if "NORM" in attr else "followup.TextKeepingTokenizer.v1"
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": tokenizer}}})
    model = {"@architectures": "followup.TextCatBOWLower.v1", "exclusive_classes": not merged,
             "ngram_size": ngram_size, "no_output_layer": False, "length": length}
    if attr != "LOWER" or values != "count":
        model.update(attr=attr, values=values)
    if values == "l2":
        model["l2_scale"] = l2_scale
    if vectors:
        model.update(vectors=vectors, vectors_scale=vectors_scale)
    if merged:
        textcat = nlp.add_pipe("textcat_multilabel", name="textcat", config={"model": model})
        for label in (*LABELS, NEEDS_REPLY):
            textcat.add_label(label)
    else:
        textcat = nlp.add_pipe("textcat", config={"model": model})
        for label in LABELS:
            textcat.add_label(label)
        nr_model = dict(model, exclusive_classes=False)
        needs = nlp.add_pipe("textcat_multilabel", name="needs_reply", config={"model": nr_model})
        needs.add_label(NEEDS_REPLY)
    nlp.add_pipe("followup_evidence_v1", name="evidence")
    return nlp


@dataclass
class TrainResult:
    path: Path
    n_label_examples: int
    n_needs_reply_examples: int
    n_extra: int
    dev: dict | None


def _examples(nlp: Language, rows: Iterable[dict], merged: bool) -> tuple[list[Example], list[Example]]:
    """(examples for the label categoriser, examples for the needs-reply one); merged: one list."""
    label_examples, reply_examples = [], []
    for row in rows:
        doc = nlp.make_doc(compose_input(row.get("subject"), row["text"]))
        cats = {}
        if row.get("label") in LABELS:
            cats = {label: float(label == row["label"]) for label in LABELS}
        reply = {NEEDS_REPLY: float(row["needs_reply"])} if isinstance(row.get("needs_reply"), bool) else {}
        if merged:
            if cats or reply:
                label_examples.append(Example.from_dict(doc, {"cats": {**cats, **reply}}))
            continue
        if cats:
            label_examples.append(Example.from_dict(doc, {"cats": cats}))
        if reply:
            reply_examples.append(Example.from_dict(doc.copy(), {"cats": reply}))
    return label_examples, reply_examples


def corpus_rows(corpus_dir: Path, source_weights: dict[str, int] | None = None) -> list[dict]:
    """The training rows of a corpus folder: its ``train.jsonl`` (and ``train_multilingual.jsonl``
    when present and :data:`TRAIN_MULTILINGUAL`) and, when it has a ``real/``
    folder, the real sources' rows, each repeated its weight's times; rows with no text and no
    subject are dropped (an empty document trains nothing)."""
    weights = SOURCE_WEIGHTS if source_weights is None else source_weights
    rows = read_jsonl(corpus_dir / "train.jsonl")
    multilingual = corpus_dir / "train_multilingual.jsonl"  # de/fr/es/it/nl/pt, nlp.corpus.multilingual
    if TRAIN_MULTILINGUAL and multilingual.exists():
        rows += read_jsonl(multilingual)
    for source, source_rows in real_rows(corpus_dir / "real").items():
        rows += [row for row in source_rows for _ in range(weights.get(source, 1))]
    return [row for row in rows if row["text"].strip() or str(row.get("subject") or "").strip()]


def train(output_dir: str | Path | None = None, extra_examples: list[dict] | None = None, seed: int = 0,
          *, epochs: int = EPOCHS, corpus_dir: str | Path | None = None, length: int = LENGTH,
          source_weights: dict[str, int] | None = None,
          ngram_size: int = NGRAM_SIZE, merged: bool = True, attr: str = FEATURE_ATTR,
          values: str = FEATURE_VALUES, l2_scale: float = L2_SCALE, vectors: str | None = WORD_VECTORS,
          vectors_scale: float = VECTORS_SCALE, log: Callable[[str], None] | None = None) -> TrainResult:
    """Train on the team corpus and the real sources (plus ``extra_examples``, e.g. user
    corrections) and save.

    ``extra_examples`` are rows in the evaluate format (``text``, optional ``subject``,
    ``label`` and/or ``needs_reply``). Returns where the pipeline went and its dev scores.
    """
    from nlp.evaluation import evaluate

    log = log or (lambda message: None)
    output_dir = Path(output_dir) if output_dir else MODEL_DIR
    corpus_dir = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    fix_random_seed(seed)
    rng = random.Random(seed)

    rows = corpus_rows(corpus_dir, source_weights)
    extra = [row for row in extra_examples or [] if row["text"].strip() or str(row.get("subject") or "").strip()]
    rows += [row for row in extra for _ in range(FEEDBACK_WEIGHT)]
    nlp = build_pipeline(length=length, ngram_size=ngram_size, merged=merged, attr=attr, values=values,
                         l2_scale=l2_scale, vectors=vectors, vectors_scale=vectors_scale)
    label_examples, reply_examples = _examples(nlp, rows, merged)
    if not label_examples:
        raise ValueError("no labelled examples to train on")
    nlp.get_pipe("textcat").initialize(lambda: label_examples, nlp=nlp)
    if not merged:
        nlp.get_pipe("needs_reply").initialize(lambda: reply_examples or label_examples[:1], nlp=nlp)
    optimizer = nlp.create_optimizer()

    for epoch in range(epochs):
        rng.shuffle(label_examples)
        rng.shuffle(reply_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(label_examples, size=BATCH_SIZE):
            nlp.update(batch, sgd=optimizer, losses=losses, exclude=["needs_reply"] if not merged else [])
        for batch in minibatch(reply_examples, size=BATCH_SIZE):
            nlp.update(batch, sgd=optimizer, losses=losses, exclude=["textcat"])
        log(f"epoch {epoch + 1}/{epochs}: " + ", ".join(f"{k} loss {v:.3f}" for k, v in sorted(losses.items())))

    nlp.meta.update({
        "name": "followup_classifier",
        "version": "0.1.0",
        "description": "followup: inquiry / sale / complaint / other, needs-reply, evidence spans",
        "followup": {"model_version": MODEL_VERSION, "seed": seed, "epochs": epochs,
                     "n_extra_examples": len(extra),
                     "source_weights": SOURCE_WEIGHTS if source_weights is None else source_weights,
                     "length": length, "ngram_size": ngram_size,
                     "merged": merged, "attr": attr, "values": values,
                     "l2_scale": l2_scale if values == "l2" else None, "vectors": vectors,
                     "vectors_scale": vectors_scale if vectors else None},
    })
    dev = None
    dev_path = corpus_dir / "dev.jsonl"
    if dev_path.exists():
        dev = evaluate(Classifier(nlp), read_jsonl(dev_path))
        nlp.meta["followup"]["dev"] = {k: dev[k] for k in ("macro_f1", "accuracy", "needs_reply_f1", "n")}
        log(f"dev: macro-F1 {dev['macro_f1']:.3f}, needs-reply F1 {dev['needs_reply_f1']:.3f}")
    output_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir, exclude=["tokenizer"])  # rebuilt from the config at load
    (output_dir / "tokenizer").unlink(missing_ok=True)  # a stale one would be read back, slowing the load
    n_labelled = sum(any(label in eg.reference.cats for label in LABELS) for eg in label_examples)
    return TrainResult(path=output_dir, n_label_examples=n_labelled,
                       n_needs_reply_examples=len(reply_examples) if not merged else
                       sum(NEEDS_REPLY in eg.reference.cats for eg in label_examples),
                       n_extra=len(extra), dev=dev)

"""The classifier: inquiry, sale, complaint or other, whether a reply is needed, and why.

A spaCy pipeline built on ``spacy.blank("en")``, trained on the team's corpus
(``nlp/corpus/``) and shipped in ``nlp/model/``; loading needs no network.

    from nlp import load_classifier
    result = load_classifier().classify(subject, body_text)
    result.label, result.confidence, result.needs_reply, result.evidence

The model reads the subject and the first ``BODY_CHARS`` characters of the body.
Evidence offsets are character offsets into the body text (``result.classified_text``);
evidence found in the subject has a kind prefixed with ``subject:`` and offsets into the
subject (see :mod:`nlp.classifier`). The package imports nothing from the rest of the product.
"""

from nlp.classifier import (
    BODY_CHARS,
    LABELS,
    MODEL_DIR,
    Classification,
    Classifier,
    Evidence,
    compose_input,
    evidence_from_json,
    evidence_to_json,
    load_classifier,
)
from nlp.version import MODEL_VERSION


def train(output_dir=None, extra_examples=None, seed=0, **kwargs):
    """Train the pipeline into ``output_dir`` (default: the package's model folder)."""
    from nlp.training import train as _train

    return _train(output_dir, extra_examples=extra_examples, seed=seed, **kwargs)


def evaluate(classifier, rows):
    """Scores of ``classifier`` on evaluate-format rows (see :mod:`nlp.evaluation`)."""
    from nlp.evaluation import evaluate as _evaluate

    return _evaluate(classifier, rows)


__all__ = ["BODY_CHARS", "LABELS", "MODEL_DIR", "MODEL_VERSION", "Classification", "Classifier", "Evidence", "compose_input",
           "evidence_from_json", "evidence_to_json", "evaluate", "load_classifier", "train"]

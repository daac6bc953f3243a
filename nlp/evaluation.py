"""Scores of a classifier on JSONL rows, and their human-readable report.

A row is ``{"text", "subject"?, "label"?, "needs_reply"?, "source"?}``; each metric is computed
over the rows that carry its key. When rows name their ``source`` (the shared eval file's
``support-tweet``, ``customer-service-utterance``, ...), the scores are also given per source,
for all rows, and for all rows but the templated customer-service utterances. ``evaluate`` works with anything that has ``classify_many``
(the spaCy :class:`~nlp.classifier.Classifier` or the :class:`~nlp.baseline.KeywordBaseline`).
"""

from __future__ import annotations

from typing import Iterable, Protocol

from nlp.classifier import LABELS, Classification


class SupportsClassifyMany(Protocol):
    def classify_many(self, items: Iterable[tuple[str | None, str | None]],
                      batch_size: int = 256) -> Iterable[Classification]: ...


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


TEMPLATED_SOURCE = "customer-service-utterance"
"""The eval source generated from templates: a model can score well on it by memorising
them, so ``per_source`` also gives the figures without it."""


def evaluate(classifier: SupportsClassifyMany, rows: list[dict]) -> dict:
    """Per-label precision/recall/F1, macro-F1, accuracy, confusion matrix, needs-reply P/R/F1.

    ``macro_f1`` is ``None`` when no row has a label; ``needs_reply_f1`` is ``None`` when no
    row has ``needs_reply``. The confusion matrix is ``matrix[gold][predicted]`` in
    ``labels`` order. ``per_source`` (``None`` when no row has a ``source``) maps each source,
    ``"all"`` and ``"without customer-service-utterance"`` to their ``n``, ``macro_f1`` and
    ``needs_reply_f1``; ``per_language`` the same for each row ``language``.
    """
    predictions = list(classifier.classify_many((row.get("subject"), row["text"]) for row in rows))
    result = score(rows, predictions)
    result["per_source"] = per_source(rows, predictions)
    result["per_language"] = per_language(rows, predictions)
    return result


def per_language(rows: list[dict], predictions: list[Classification]) -> dict | None:
    """The headline figures of :func:`score` for each row ``language`` (ISO 639-1, as the
    team's multilingual dev split names it); ``None`` when no row has a ``language``."""
    languages = sorted({row["language"] for row in rows if isinstance(row.get("language"), str)})
    if not languages:
        return None
    figures = {}
    for language in languages:
        pairs = [(row, pred) for row, pred in zip(rows, predictions) if row.get("language") == language]
        scores = score([row for row, _ in pairs], [pred for _, pred in pairs])
        figures[language] = {key: scores[key] for key in ("n", "macro_f1", "needs_reply_f1")}
    return figures


def per_source(rows: list[dict], predictions: list[Classification]) -> dict | None:
    """The headline figures of :func:`score` for each row ``source`` (see :func:`evaluate`)."""
    sources = sorted({row["source"] for row in rows if isinstance(row.get("source"), str)})
    if not sources:
        return None
    groups = {"all": lambda row: True,
              f"without {TEMPLATED_SOURCE}": lambda row: row.get("source") != TEMPLATED_SOURCE}
    groups.update({source: (lambda row, source=source: row.get("source") == source) for source in sources})
    figures = {}
    for name, belongs in groups.items():
        pairs = [(row, pred) for row, pred in zip(rows, predictions) if belongs(row)]
        scores = score([row for row, _ in pairs], [pred for _, pred in pairs])
        figures[name] = {key: scores[key] for key in ("n", "macro_f1", "needs_reply_f1")}
    return figures


def score(rows: list[dict], predictions: list[Classification]) -> dict:
    """The figures of :func:`evaluate` (but ``per_source`` and ``per_language``) for rows and their predictions."""
    labelled = [(row["label"], pred.label) for row, pred in zip(rows, predictions) if row.get("label") in LABELS]
    replies = [(bool(row["needs_reply"]), pred.needs_reply) for row, pred in zip(rows, predictions)
               if isinstance(row.get("needs_reply"), bool)]

    matrix = [[0] * len(LABELS) for _ in LABELS]
    for gold, pred in labelled:
        matrix[LABELS.index(gold)][LABELS.index(pred)] += 1
    per_label = {}
    for i, label in enumerate(LABELS):
        tp = matrix[i][i]
        fp = sum(matrix[g][i] for g in range(len(LABELS))) - tp
        fn = sum(matrix[i]) - tp
        p, r, f = precision_recall_f1(tp, fp, fn)
        per_label[label] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                            "support": sum(matrix[i])}
    present = [label for label in LABELS if per_label[label]["support"]]
    macro = round(sum(per_label[label]["f1"] for label in present) / len(present), 4) if labelled else None
    accuracy = round(sum(g == p for g, p in labelled) / len(labelled), 4) if labelled else None

    result = {
        "n": len(rows),
        "n_labelled": len(labelled),
        "macro_f1": macro,
        "accuracy": accuracy,
        "per_label": per_label,
        "confusion": {"labels": list(LABELS), "matrix": matrix},
        "n_needs_reply": len(replies),
        "needs_reply_precision": None,
        "needs_reply_recall": None,
        "needs_reply_f1": None,
    }
    if replies:
        tp = sum(g and p for g, p in replies)
        fp = sum(p and not g for g, p in replies)
        fn = sum(g and not p for g, p in replies)
        p, r, f = precision_recall_f1(tp, fp, fn)
        result.update(needs_reply_precision=round(p, 4), needs_reply_recall=round(r, 4), needs_reply_f1=round(f, 4))
    return result


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def format_report(result: dict, baseline: dict | None = None) -> str:
    """The scores as text, with the keyword baseline's beside the model's when given."""
    lines = [f"{result['n']} lines, {result['n_labelled']} with a label, {result['n_needs_reply']} with needs_reply"]
    if result["n_labelled"]:
        head = f"{'label':<10} {'prec':>6} {'rec':>6} {'F1':>6} {'n':>5}"
        if baseline:
            head += f"   | baseline {'prec':>6} {'rec':>6} {'F1':>6}"
        lines += ["", head]
        for label in LABELS:
            m = result["per_label"][label]
            line = f"{label:<10} {_fmt(m['precision']):>6} {_fmt(m['recall']):>6} {_fmt(m['f1']):>6} {m['support']:>5}"
            if baseline:
                b = baseline["per_label"][label]
                line += f"   |          {_fmt(b['precision']):>6} {_fmt(b['recall']):>6} {_fmt(b['f1']):>6}"
            lines.append(line)
        line = f"{'macro-F1':<10} {'':>6} {'':>6} {_fmt(result['macro_f1']):>6} {result['n_labelled']:>5}"
        if baseline:
            line += f"   |          {'':>6} {'':>6} {_fmt(baseline['macro_f1']):>6}"
        lines.append(line)
        line = f"{'accuracy':<10} {'':>6} {'':>6} {_fmt(result['accuracy']):>6}"
        if baseline:
            line += f"   |          {'':>6} {'':>6} {_fmt(baseline['accuracy']):>6}"
        lines.append(line)
        if result.get("per_source"):
            lines += ["", f"{'source':<42} {'n':>5} {'macro-F1':>8} {'reply F1':>8}"]
            for name, m in result["per_source"].items():
                lines.append(f"{name:<42} {m['n']:>5} {_fmt(m['macro_f1']):>8} {_fmt(m['needs_reply_f1']):>8}")
        if result.get("per_language"):
            lines += ["", f"{'language':<42} {'n':>5} {'macro-F1':>8} {'reply F1':>8}"]
            for name, m in result["per_language"].items():
                lines.append(f"{name:<42} {m['n']:>5} {_fmt(m['macro_f1']):>8} {_fmt(m['needs_reply_f1']):>8}")
        lines += ["", "confusion (rows: gold, columns: predicted)",
                  f"{'':<10} " + " ".join(f"{label:>9}" for label in LABELS)]
        for label, row in zip(LABELS, result["confusion"]["matrix"]):
            lines.append(f"{label:<10} " + " ".join(f"{v:>9}" for v in row))
    if result["n_needs_reply"]:
        lines += ["", f"{'needs-reply':<12} {'prec':>6} {'rec':>6} {'F1':>6}",
                  f"{'model':<12} {_fmt(result['needs_reply_precision']):>6} {_fmt(result['needs_reply_recall']):>6} "
                  f"{_fmt(result['needs_reply_f1']):>6}"]
        if baseline:
            lines.append(f"{'baseline':<12} {_fmt(baseline['needs_reply_precision']):>6} "
                         f"{_fmt(baseline['needs_reply_recall']):>6} {_fmt(baseline['needs_reply_f1']):>6}")
    return "\n".join(lines)

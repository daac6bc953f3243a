"""How far could this model get on a needs-reply eval file if it were allowed to learn from it?

    .venv/bin/python scripts/needs_reply_ceiling.py [../shared/eval/needs_reply_dev.jsonl] [--folds 5]

A diagnostic, not a recipe: for each of the folds, train the shipped recipe on the team corpus
plus the other folds of FILE, and measure needs-reply F1 on the held-out fold. The pooled
figure is what the same bag-of-n-grams model reaches when the file's own kind of text and its
annotators' sense of "needs a reply" are in the training data, so it bounds what a better team
corpus could do. Everything is written to a temporary folder; the shipped model never sees FILE.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from pathlib import Path

from nlp.classifier import Classifier, load_pipeline
from nlp.evaluation import precision_recall_f1
from nlp.training import CORPUS_DIR, read_jsonl, train

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "needs_reply_dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    rows = [row for row in read_jsonl(args.file) if "needs_reply" in row]
    random.Random(0).shuffle(rows)
    corpus = (CORPUS_DIR / "train.jsonl").read_text(encoding="utf-8").rstrip("\n") + "\n"
    shipped = Classifier(load_pipeline())
    totals = {"shipped": [0, 0, 0], "with folds": [0, 0, 0]}
    work = Path(tempfile.mkdtemp(prefix="needs-reply-ceiling-"))
    try:
        for k in range(args.folds):
            held = rows[k::args.folds]
            learn = [row for i, row in enumerate(rows) if i % args.folds != k]
            folder = work / f"fold{k}"
            folder.mkdir()
            (folder / "train.jsonl").write_text(
                corpus + "".join(_line(row) for row in learn), encoding="utf-8")
            train(folder / "model", corpus_dir=folder)
            trained = Classifier(load_pipeline(folder / "model"))
            for name, model in (("shipped", shipped), ("with folds", trained)):
                results = model.classify_many((row.get("subject"), row["text"]) for row in held)
                for row, result in zip(held, results):
                    gold, said = bool(row["needs_reply"]), result.needs_reply
                    totals[name][0] += gold and said
                    totals[name][1] += said and not gold
                    totals[name][2] += gold and not said
            print(f"fold {k + 1}/{args.folds}: " + ", ".join(
                f"{name} F1 {precision_recall_f1(*t)[2]:.3f}" for name, t in totals.items()), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.file.name}, {len(rows)} lines, {args.folds}-fold, pooled over held-out folds")
    print(f"{'model':<34} prec    rec     F1")
    for name, label in (("shipped", "shipped (team corpus only)"),
                        ("with folds", "team corpus + other folds of FILE")):
        precision, recall, score = precision_recall_f1(*totals[name])
        print(f"{label:<34} {precision:.3f}  {recall:.3f}  {score:.3f}")


def _line(row: dict) -> str:
    return json.dumps({"text": row["text"], "needs_reply": bool(row["needs_reply"])}, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    main()

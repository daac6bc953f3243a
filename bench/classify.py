"""Throughput and load time of the classifier, beside the keyword baseline.

    python bench/classify.py [--docs 10000] [--words 150] [--batch-size 256]

Builds N synthetic emails of about W words from the team corpus (nlp/corpus/train.jsonl),
then prints: the pipeline's load time (a fresh process, so nothing is cached), docs/s of
``nlp.pipe`` over the whole pipeline (textcat, needs_reply, evidence), docs/s of the full
``Classifier.classify_many`` path (pipe plus turning Docs into Classifications), and the
keyword baseline's docs/s. Run it on an idle machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
import nlp
t1 = time.perf_counter()
nlp.load_classifier()
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""


def make_emails(n: int, words: int, seed: int = 0) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (ROOT / "nlp" / "corpus" / "train.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if "label" in r]
    rng = random.Random(seed)
    emails = []
    for _ in range(n):
        parts, count = [], 0
        while count < words:
            text = rng.choice(rows)["text"]
            parts.append(text)
            count += len(text.split())
        body = " ".join("\n".join(parts).split(" ")[: words + 5])
        emails.append((rng.choice(rows).get("subject", ""), body))
    return emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--load-runs", type=int, default=3)
    args = parser.parse_args()

    loads = []
    for _ in range(args.load_runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], cwd=ROOT, capture_output=True, text=True, check=True)
        imp, load = map(float, out.stdout.split())
        loads.append((imp, load))
    best_import, best_load = min(loads, key=lambda x: x[1])

    import nlp
    from nlp.baseline import KeywordBaseline
    from nlp.classifier import compose_input

    clf = nlp.load_classifier()
    emails = make_emails(args.docs, args.words)
    texts = [compose_input(s, t) for s, t in emails]
    mean_words = sum(len(t.split()) for t in texts) / len(texts)

    list(clf.nlp.pipe(texts[:500], batch_size=args.batch_size))  # warm up
    t = time.perf_counter()
    for _ in clf.nlp.pipe(texts, batch_size=args.batch_size):
        pass
    pipe_s = time.perf_counter() - t

    t = time.perf_counter()
    for _ in clf.classify_many(emails, batch_size=args.batch_size):
        pass
    many_s = time.perf_counter() - t

    tok = clf.nlp.tokenizer
    t = time.perf_counter()
    for text in texts:
        tok(text)
    tok_s = time.perf_counter() - t

    base = KeywordBaseline()
    t = time.perf_counter()
    for _ in base.classify_many(emails):
        pass
    base_s = time.perf_counter() - t

    n = len(texts)
    print(f"model {clf.model_version}: {n} emails, {mean_words:.0f} words on average, batch size {args.batch_size}")
    print(f"load time (fresh process, best of {args.load_runs}): {best_load:.3f} s (+ {best_import:.3f} s to import spacy and nlp)")
    print(f"nlp.pipe (textcat + needs_reply + evidence): {n / pipe_s:,.0f} docs/s")
    print(f"classify_many (pipe + Classification objects): {n / many_s:,.0f} docs/s")
    print(f"tokenizer alone (the ceiling): {n / tok_s:,.0f} docs/s")
    print(f"keyword baseline: {n / base_s:,.0f} docs/s")


if __name__ == "__main__":
    main()

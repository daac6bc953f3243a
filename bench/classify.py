"""Throughput and load time of the classifier, beside the keyword baseline.

    python bench/classify.py [--docs 10000] [--words 150 1000] [--batch-size 256] [--model DIR] [--uncut]

For each mail size (default ~150 and ~1,000 words), builds N synthetic emails of about W words
from the team corpus (nlp/corpus/train.jsonl), then prints docs/s of ``nlp.pipe`` over the whole
pipeline (textcat with the labels and NEEDS_REPLY, evidence), of the full
``Classifier.classify_many`` path (what the product calls: the same pipeline run component by
component, ``nlp.classifier.run_pipeline``, plus turning Docs into Classifications), of the
tokenizer alone on the same input (the ceiling for anything spaCy does per doc) and of the
keyword baseline; and once the pipeline's load time (a fresh process, so nothing is cached).
``--uncut`` makes the model read the whole body instead of its first ``nlp.BODY_CHARS``
characters, to show what the cut saves. Each figure is the best of ``--repeat`` passes, the four
measured in turn in each pass; beside the wall-clock docs/s it prints docs per CPU-second of this
process, steadier on a shared machine (other processes lower the first far more than the second).
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
import sys, time
t0 = time.perf_counter()
import nlp
t1 = time.perf_counter()
nlp.load_classifier(sys.argv[1] if len(sys.argv) > 1 else None)
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
    parser.add_argument("--words", type=int, nargs="+", default=[150, 1000])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the emails; the best is printed")
    parser.add_argument("--model", default=None, help="a pipeline folder (default: the shipped one)")
    parser.add_argument("--uncut", action="store_true", help="read the whole body (as before the cut)")
    args = parser.parse_args()

    loads = []
    for _ in range(args.load_runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET, *([args.model] if args.model else [])], cwd=ROOT, capture_output=True, text=True, check=True)
        imp, load = map(float, out.stdout.split())
        loads.append((imp, load))
    best_import, best_load = min(loads, key=lambda x: x[1])

    import nlp
    from nlp import classifier as classifier_module
    from nlp.baseline import KeywordBaseline
    from nlp.classifier import compose_input

    if args.uncut:
        classifier_module.BODY_CHARS = sys.maxsize
    clf = nlp.load_classifier(args.model)
    base = KeywordBaseline()
    print(f"model {clf.model_version}, batch size {args.batch_size}, best of {args.repeat} passes, "
          f"model reads {'the whole body' if args.uncut else f'the first {classifier_module.BODY_CHARS} characters'}")
    print(f"load time (fresh process, best of {args.load_runs}): {best_load:.3f} s "
          f"(+ {best_import:.3f} s to import spacy and nlp)")

    def best(*runs) -> list[tuple[float, float]]:
        """The best wall-clock and the best CPU time of each run, the runs taken in turn in each
        pass so that a load that comes and goes on a shared machine falls on all of them alike."""
        walls, cpus = [[] for _ in runs], [[] for _ in runs]
        for _ in range(args.repeat):
            for run, wall, cpu in zip(runs, walls, cpus):
                t, c = time.perf_counter(), time.process_time()
                run()
                wall.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
        return [(min(wall), min(cpu)) for wall, cpu in zip(walls, cpus)]

    for words in args.words:
        emails = make_emails(args.docs, words)
        texts = [compose_input(s, t) for s, t in emails]
        mean_words = sum(len(t.split()) for _, t in emails) / len(emails)
        list(clf.nlp.pipe(texts[:500], batch_size=args.batch_size))  # warm up

        # No memory_zone, as the product classifies (nlp.classifier: inside one the tokenizer
        # caches nothing); the ceiling is measured the same way.
        def pipe() -> None:
            for _ in clf.nlp.pipe(texts, batch_size=args.batch_size):
                pass

        def many() -> None:
            for _ in clf.classify_many(emails, batch_size=args.batch_size):
                pass

        def tokenize() -> None:
            for text in texts:
                clf.nlp.tokenizer(text)

        def baseline() -> None:
            for _ in base.classify_many(emails):
                pass

        (pipe_s, pipe_c), (many_s, many_c), (tok_s, tok_c), (base_s, base_c) = best(pipe, many, tokenize, baseline)
        n = len(texts)
        print(f"\n{n} emails of {mean_words:.0f} words on average (docs/s; per CPU-second; share of the tokenizer's):")
        print(f"  nlp.pipe (textcat: 4 labels + NEEDS_REPLY, evidence rules): {n / pipe_s:,.0f} docs/s; "
              f"{n / pipe_c:,.0f}; {tok_s / pipe_s:.2f}x ({tok_c / pipe_c:.2f}x by CPU)")
        print(f"  classify_many (the product's path: the pipeline + Classification objects): {n / many_s:,.0f} docs/s; "
              f"{n / many_c:,.0f}; {tok_s / many_s:.2f}x ({tok_c / many_c:.2f}x by CPU)")
        print(f"  tokenizer alone (the ceiling): {n / tok_s:,.0f} docs/s; {n / tok_c:,.0f}")
        print(f"  keyword baseline: {n / base_s:,.0f} docs/s; {n / base_c:,.0f}")


if __name__ == "__main__":
    main()

"""Contamination guard: no sentence of the team corpus or of the real sources we train on
(``nlp/corpus/real/``) may be a near-copy of shared/eval text.

The measure is :mod:`nlp.corpus.contamination`'s (its docstring says why it is shaped so).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.corpus.contamination import EvalIndex, corpus_sentences, near_copied_sentence
from nlp.corpus.sources import FILES, REAL_DIR, read_items
from tests.paths import REPO_ROOT as ROOT

CORPUS = ROOT / "nlp" / "corpus"
EVAL_DIR = ROOT.parent / "shared" / "eval"
EVAL_FILES = ("dev_nlp.jsonl", "needs_reply_dev.jsonl")


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


def test_measure_catches_paraphrases_and_spares_stock_phrases():
    index = EvalIndex(["I talked with Ken yesterday. He would like to keep David on until May 15 to\n"
                       "finish up some things he is working on for Ken.",
                       "And let me know what you think of it.", "Looking forward to hearing from you."])
    assert index.near_copy("He would like to keep David on until May to finish a few projects.")
    assert index.near_copy("he'd like to keep david on until may to finish up a few things")
    assert not index.near_copy("Let me know what you think.")
    assert not index.near_copy("Looking forward to hearing from you.")
    assert not index.near_copy("Ken wants Maria to stay on through June for the audit work.")


def test_corpus_has_no_near_copies_of_shared_eval():
    missing = [name for name in EVAL_FILES if not (EVAL_DIR / name).is_file()]
    if missing:
        pytest.skip(f"shared eval files not found in {EVAL_DIR} ({', '.join(missing)}): nothing to compare with")
    index = EvalIndex([text for name in EVAL_FILES for text in read_texts(EVAL_DIR / name)])
    seen: set[str] = set()
    copies = []
    for split in ("train.jsonl", "dev.jsonl", "train_multilingual.jsonl", "dev_multilingual.jsonl"):
        for text in read_texts(CORPUS / split):
            for sentence in corpus_sentences(text):
                if sentence in seen:
                    continue
                seen.add(sentence)
                match = index.near_copy(sentence)
                if match:
                    copies.append(f"{split}: {sentence!r}\n    eval: {' '.join(match.split())!r}")
    assert not copies, (f"{len(copies)} corpus sentence(s) are near-copies of shared/eval text; rewrite the "
                        "fragments in nlp/corpus/ as original text and regenerate:\n" + "\n".join(copies[:40]))


def test_real_sources_have_no_near_copies_of_shared_eval():
    """The copied real items, subject and text, against both eval files; the Parakweet folds
    are the needs-reply eval file's own train split, so they are compared with dev_nlp only."""
    missing = [name for name in EVAL_FILES if not (EVAL_DIR / name).is_file()]
    if missing:
        pytest.skip(f"shared eval files not found in {EVAL_DIR} ({', '.join(missing)}): nothing to compare with")
    both = EvalIndex([text for name in EVAL_FILES for text in read_texts(EVAL_DIR / name)])
    dev_nlp = EvalIndex(read_texts(EVAL_DIR / "dev_nlp.jsonl"))
    copies = []
    for source, name in FILES.items():
        index = dev_nlp if source == "parakweet" else both
        for item in read_items(REAL_DIR / name):
            sentence = near_copied_sentence(index, f"{item.get('subject') or ''}\n{item['text']}")
            if sentence:
                copies.append(f"{name}: {sentence!r}")
    assert not copies, f"{len(copies)} real item(s) are near-copies of shared/eval text:\n" + "\n".join(copies[:40])

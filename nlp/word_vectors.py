"""Static word vectors the text categoriser reads beside its n-grams: what words mean.

A bag of n-grams cannot know that "the parcel never showed up" and "order not delivered" say
the same; a pretrained sentence encoder does. ``nlp/vectors/minilm-m2v.npz`` holds one float16
vector per lower-cased word (keyed by spaCy's hash of it, the token's ``LOWER``), distilled
from all-MiniLM-L6-v2 with model2vec by ``scripts/build_word_vectors.py`` (build time only;
see ``nlp/vectors/SOURCE.md``). At run time a document's vector is the mean of its words'
vectors (words outside the table have none), scaled to unit length: numpy only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.attrs import LOWER
from thinc.api import Model

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
TABLES = {"minilm-m2v": VECTORS_DIR / "minilm-m2v.npz"}
"""The vector tables a model's config may name."""


class WordVectors:
    """A sorted key column and its rows; :meth:`mean` looks a document's words up in it."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray):
        self.keys = keys
        self.vectors = vectors
        self.width = vectors.shape[1]

    def mean(self, lower_keys: np.ndarray) -> np.ndarray:
        """The unit-length mean of the vectors of the keys found (zeros when none is)."""
        found = np.searchsorted(self.keys, lower_keys).clip(0, len(self.keys) - 1)
        rows = found[self.keys[found] == lower_keys]
        if not len(rows):
            return np.zeros(self.width, dtype="f")
        total = self.vectors[rows].astype("f").sum(axis=0)
        norm = float(np.sqrt((total * total).sum()))
        return total / norm if norm else total


@lru_cache(maxsize=2)
def load_table(name: str) -> WordVectors:
    """The named table of :data:`TABLES`, read once per process."""
    if name not in TABLES:
        raise ValueError(f"unknown word-vector table {name!r} (known: {', '.join(TABLES)})")
    with np.load(TABLES[name]) as data:
        return WordVectors(data["keys"], data["vectors"])


def mean_vectors(name: str) -> Model:
    """A layer from docs to their mean word vectors (one row per doc); it has no weights."""
    model: Model = Model("mean_word_vectors", _mean_forward, attrs={"table": name})
    return model


def _mean_forward(model: Model, docs, is_train: bool):
    table = load_table(model.attrs["table"])
    out = np.zeros((len(docs), table.width), dtype="f")
    for i, doc in enumerate(docs):
        if len(doc):
            out[i] = table.mean(doc.to_array(LOWER))
    return model.ops.asarray2f(out), lambda dY: []

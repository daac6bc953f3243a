"""Static word vectors the text categoriser reads beside its n-grams: what words mean.

A bag of n-grams cannot know that "the parcel never showed up" and "order not delivered" say
the same; a pretrained sentence encoder does. ``nlp/vectors/minilm-m2v.npz`` holds one float16
vector per lower-cased word (keyed by spaCy's hash of it, the token's ``LOWER``), distilled
from all-MiniLM-L6-v2 with model2vec by ``scripts/build_word_vectors.py`` (build time only;
see ``nlp/vectors/SOURCE.md``). At run time a document's vector is the mean of its words'
vectors (words outside the table have none), scaled to a fixed length: numpy only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.attrs import LOWER
from thinc.api import Model

from nlp.tokenizer import TokenColumns

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
TABLES = {"minilm-m2v": VECTORS_DIR / "minilm-m2v.npz"}
"""The vector tables a model's config may name."""


class WordVectors:
    """A sorted key column and its rows; :meth:`means` looks documents' words up in it."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray):
        self.keys = keys
        self.vectors = vectors.astype("f")  # float16 on disk; float32 in memory, so sums need no cast
        self.width = vectors.shape[1]
        self._slot_keys, self._slot_rows = _open_addressing(keys)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """Each key's row in the table, -1 for a key not in it. A hash table (linear probing,
        the keys' own low bits as the slot): a binary search for every word of a batch was
        half the cost of the mean vectors."""
        mask = len(self._slot_rows) - 1
        out = np.full(len(keys), -1, dtype=np.int64)
        todo = np.arange(len(keys))
        slots = (keys & np.uint64(mask)).astype(np.int64)
        while len(todo):
            rows = self._slot_rows[slots]
            taken = rows >= 0
            match = taken & (self._slot_keys[slots] == keys[todo])
            out[todo[match]] = rows[match]
            todo, slots = todo[taken & ~match], (slots[taken & ~match] + 1) & mask
        return out

    def means(self, docs_keys: list[np.ndarray]) -> np.ndarray:
        """One row per document: the unit-length mean of the vectors of its keys found in the
        table (zeros when none is). One lookup for the whole batch."""
        out = np.zeros((len(docs_keys), self.width), dtype="f")
        lengths = [len(keys) for keys in docs_keys]
        if not sum(lengths):
            return out
        found = self.rows(np.concatenate(docs_keys))
        ends = np.cumsum(lengths)
        for doc, (start, end) in enumerate(zip(ends - lengths, ends)):
            rows = found[start:end]
            rows = rows[rows >= 0]
            if len(rows):  # np.add.reduceat over the batch was 30x slower than this loop
                out[doc] = self.vectors.take(rows, axis=0).sum(axis=0)
        norms = np.sqrt((out * out).sum(axis=1, keepdims=True))
        return out / np.where(norms > 0, norms, 1)


def _open_addressing(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A linear-probing hash table of ``keys`` (at most a quarter full): slot keys, and slot rows
    (-1 for an empty slot). Filled a round at a time: each key not yet placed tries its next slot."""
    size = 1 << max(len(keys) * 4 - 1, 1).bit_length()
    slot_keys = np.zeros(size, dtype=np.uint64)
    slot_rows = np.full(size, -1, dtype=np.int64)
    pending = np.arange(len(keys))
    slots = (keys & np.uint64(size - 1)).astype(np.int64)
    while len(pending):
        free = np.flatnonzero(slot_rows[slots] < 0)
        _, first = np.unique(slots[free], return_index=True)  # one key per free slot
        placed = free[first]
        slot_rows[slots[placed]] = pending[placed]
        slot_keys[slots[placed]] = keys[pending[placed]]
        left = np.ones(len(pending), dtype=bool)
        left[placed] = False
        pending, slots = pending[left], (slots[left] + 1) & (size - 1)
    return slot_keys, slot_rows


@lru_cache(maxsize=2)
def load_table(name: str) -> WordVectors:
    """The named table of :data:`TABLES`, read once per process."""
    if name not in TABLES:
        raise ValueError(f"unknown word-vector table {name!r} (known: {', '.join(TABLES)})")
    with np.load(TABLES[name]) as data:
        return WordVectors(data["keys"], data["vectors"])


def mean_vectors(name: str, scale: float = 1.0) -> Model:
    """A layer from docs to their mean word vectors, of length ``scale`` (one row per doc); it
    has no weights."""
    model: Model = Model("mean_word_vectors", _mean_forward, attrs={"table": name, "scale": float(scale)})
    return model


def _mean_forward(model: Model, docs, is_train: bool):
    table = load_table(model.attrs["table"])
    if isinstance(docs, TokenColumns):
        lowers = docs.column(LOWER)
    else:
        lowers = [doc.to_array(LOWER) for doc in docs]
    out = table.means(lowers) * model.attrs["scale"]
    return model.ops.asarray2f(out), lambda dY: []

"""Model architectures registered with spaCy's registry.

``followup.TextCatBOWLower.v1`` is spaCy's ``TextCatBOW.v3`` (hashed n-gram bag of words
into a sparse linear layer) with one change: the n-grams are read from the lower-cased
token text (``LOWER``) instead of the verbatim text (``ORTH``). Support tweets and
complaint narratives are often written in lower case or in capitals, and a model that
has to learn "REFUND", "Refund" and "refund" separately wastes most of a small corpus.
Options (both default to that original behaviour): ``attr`` "NORM" or "LOWER+NORM" also reads
the lemma-like lexeme norm set by ``followup.TextKeepingTokenizer.v2``, and ``values`` "l2" or
"binary" replaces the raw n-gram counts (see :func:`extract_ngrams_multi`), and ``vectors``
names a static word-vector table (:mod:`nlp.word_vectors`) whose mean over the document's
words feeds the same output beside the n-grams.

Inference reads a batch at once: the n-grams of all its docs are hashed and counted together
(:func:`ngram_features`, the same keys and values as a doc at a time), and :func:`predict` gives
the model each doc's tokens read once (:class:`nlp.tokenizer.TokenColumns`) for both its layers.
"""

from __future__ import annotations

from functools import partial
from typing import List, Optional, cast

import numpy

from spacy.attrs import LOWER, NORM
from spacy.ml.models.textcat import resize_and_set_ref
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Linear, Logistic, Model, NumpyOps, SparseLinear_v2, add, chain, resizable, softmax_activation, with_cpu
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d

from nlp.tokenizer import TokenColumns
from nlp.word_vectors import mean_vectors

NEG_VALUE = -5000.0  # the bias spaCy gives labels that are added after training
READS_TOKEN_COLUMNS = "reads_token_columns"
"""Set in the attrs of a model whose layers take a :class:`nlp.tokenizer.TokenColumns` in place
of its docs (see :func:`predict`)."""


@registry.architectures("followup.TextCatBOWLower.v1")
def build_bow_lower(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    length: int = 2**17,
    nO: Optional[int] = None,
    attr: str = "LOWER",
    values: str = "count",
    l2_scale: float = 4.0,
    vectors: Optional[str] = None,
    vectors_scale: float = 1.0,
) -> Model[List[Doc], Floats2d]:
    """Bag of lower-cased n-grams → sparse linear → softmax (exclusive) or logistic.

    ``attr="NORM"`` reads the lexeme norm instead (with ``followup.TextKeepingTokenizer.v2``:
    lower case, digits collapsed, common suffixes cut; see :func:`nlp.tokenizer.crude_norm`).
    ``vectors`` (a table name of :data:`nlp.word_vectors.TABLES`) adds a dense linear layer on
    the document's mean word vector (of length ``vectors_scale``), summed with the n-grams'
    scores before the output.
    """
    length = 2 ** (length - 1).bit_length()
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    fill_defaults = {"b": 0, "W": 0}
    output_layer = None
    if not no_output_layer:
        fill_defaults["b"] = NEG_VALUE
        output_layer = softmax_activation() if exclusive_classes else Logistic()
    resizable_layer = resizable(
        sparse_linear, resize_layer=partial(resize_linear_weighted, fill_defaults=fill_defaults)
    )
    extract = extract_ngrams_multi(ngram_size, attr, values, l2_scale)
    model = chain(extract, resizable_layer)
    model = with_cpu(model, model.ops)
    dense = None
    if vectors:
        dense = Linear(nO=nO, init_W=_zeros)
        model = add(model, chain(mean_vectors(vectors, vectors_scale), dense))
    if output_layer:
        model = chain(model, with_cpu(output_layer, output_layer.ops))
    if nO is not None:
        model.set_dim("nO", cast(int, nO))
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs[READS_TOKEN_COLUMNS] = True
    model.attrs["resize_output"] = partial(_resize_output, resizable_layer=resizable_layer, dense=dense)
    return model


def predict(textcat, docs: list[Doc]):
    """``textcat.predict(docs)`` (spaCy's text categoriser), reading the docs' tokens once when
    its model is one of these; any other model gets the docs as spaCy would give them."""
    if not any(len(doc) for doc in docs) or not textcat.model.attrs.get(READS_TOKEN_COLUMNS):
        return textcat.predict(docs)  # spaCy scores a batch without a word as zeros
    return textcat.model.predict(TokenColumns(docs))


def _zeros(ops, shape):
    # The dense weights start at zero, as the sparse ones do: both start from "no evidence".
    return ops.alloc2f(*shape)


def _resize_output(model: Model, new_nO: int, resizable_layer: Model, dense: Optional[Model]) -> Model:
    """spaCy's resize for the n-gram layer; the word-vector layer only before training (labels
    are added before the model is initialised; a trained one's dense weights cannot grow)."""
    if dense is not None:
        if dense.has_param("W"):
            raise ValueError("cannot add a label to a trained categoriser with word vectors: retrain it")
        dense.set_dim("nO", new_nO, force=True)
    return resize_and_set_ref(model, new_nO, resizable_layer)


_NORM_SALT = 0x9E3779B97F4A7C15  # keeps a norm n-gram's key apart from the same string's lower-case key


def extract_ngrams_multi(ngram_size: int, attr: str, values: str, l2_scale: float = 4.0) -> Model:
    """Like spaCy's ``extract_ngrams``, reading ``attr`` ("LOWER", "NORM" or "LOWER+NORM": both,
    as separate features) and giving each n-gram the value ``values``: "count" (spaCy's),
    "binary" (1 when present) or "l2" (counts scaled to the length ``l2_scale``, so a long
    email does not score higher than a short one only by having more words)."""
    model: Model = Model("extract_ngrams_multi", _extract_forward)
    model.attrs.update({"ngram_size": ngram_size, "attr": attr, "values": values, "l2_scale": float(l2_scale)})
    return model


def _extract_forward(model: Model, docs, is_train: bool):
    attrs = ATTRS[model.attrs["attr"]]
    if isinstance(docs, TokenColumns):
        tables = docs.columns(attrs)
    else:
        tables = [doc.to_array(attrs).reshape(len(doc), len(attrs)) for doc in docs]
    return ngram_features(tables, attrs, model.attrs["ngram_size"], model.attrs["values"],
                          model.attrs["l2_scale"]), lambda dY: []


ATTRS = {"LOWER": [LOWER], "NORM": [NORM], "LOWER+NORM": [LOWER, NORM]}
"""The token attributes (the columns of ``doc.to_array``) each ``attr`` option reads."""
_EMPTY = numpy.uint64(2**64 - 1)  # pads the batch's grid of keys; sorts after every real key
MAX_PADDING = 4
"""The batch is sorted as one grid of (docs x the longest doc's keys); when that grid would be more
than this many times the keys themselves (one long doc among short ones), each doc is counted alone."""


def ngram_features(tables: list[numpy.ndarray], attrs: list[int], ngram_size: int, values: str,
                   l2_scale: float) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The input of the sparse linear layer for a batch: each doc's distinct n-gram keys (sorted),
    their values and the number per doc. ``tables`` holds each doc's ``doc.to_array(attrs)``
    (one row per token, one column per attribute).

    The same as counting each doc alone (:func:`_doc_ngrams`, the plain version), for the batch
    at once: the n-grams of all docs are hashed in one call (those that cross from one doc into
    the next dropped), and one sort of a docs x keys grid counts them."""
    lengths = numpy.fromiter((len(t) for t in tables), dtype=numpy.int64, count=len(tables))
    total = int(lengths.sum())
    if not total:
        return numpy.zeros(0, "uint64"), numpy.zeros(0, "f"), numpy.zeros(len(tables), "int32")
    n_sizes = len(attrs) * ngram_size
    width = int(lengths.max()) * n_sizes
    if width * len(tables) > MAX_PADDING * total * n_sizes:
        parts = [_doc_ngrams(table, attrs, ngram_size) for table in tables]
        keys = numpy.concatenate([k for k, _ in parts])
        counts = numpy.concatenate([c for _, c in parts])
        per_doc = numpy.fromiter((len(k) for k, _ in parts), dtype=numpy.int64, count=len(parts))
        return keys, _values(counts, per_doc, values, l2_scale), per_doc.astype("int32")
    flat = numpy.concatenate(tables)
    doc_of = numpy.repeat(numpy.arange(len(tables)), lengths)
    ends = numpy.cumsum(lengths)
    # Each token's cell in the flattened grid: its doc's row, its position in the doc.
    cell = numpy.arange(total) + numpy.repeat(numpy.arange(len(tables)) * width - (ends - lengths), lengths)
    grid = numpy.full(len(tables) * width, _EMPTY, dtype="uint64")
    filled = numpy.zeros(len(tables), dtype=numpy.int64)  # keys written per doc so far
    for column, attr_id in enumerate(attrs):
        unigrams = _unigrams(flat[:, column], attr_id, attrs)
        for n in range(1, ngram_size + 1):
            if total < n:
                break
            grams = unigrams if n == 1 else NUMPY_OPS.ngrams(n, unigrams)
            for k in range(1, n):
                # The n-grams that start k tokens before a doc's end run into the next doc: made
                # empty, they land past this doc's keys, where the next n-grams written overwrite
                # them or the sort puts them after every key.
                crossing = ends - k
                grams[crossing[(lengths >= k) & (crossing < len(grams))]] = _EMPTY
            grid[cell[: len(grams)] + filled[doc_of[: len(grams)]]] = grams
            filled += numpy.maximum(lengths - (n - 1), 0)
    grid = grid.reshape(len(tables), width)
    grid.sort(axis=1)
    first = numpy.ones(grid.shape, dtype=bool)  # the first of a run of equal keys
    numpy.not_equal(grid[:, 1:], grid[:, :-1], out=first[:, 1:])
    first &= numpy.arange(width) < filled[:, None]
    per_doc = first.sum(axis=1)
    starts = numpy.flatnonzero(first)
    ends = numpy.empty_like(starts)  # a run ends where the next starts, or at its doc's last key
    ends[:-1] = starts[1:]
    has_keys = per_doc > 0
    ends[numpy.cumsum(per_doc)[has_keys] - 1] = (numpy.arange(len(tables)) * width + filled)[has_keys]
    return grid.ravel()[starts], _values(ends - starts, per_doc, values, l2_scale), per_doc.astype("int32")


NUMPY_OPS = NumpyOps()


def _unigrams(column: numpy.ndarray, attr_id: int, attrs: list[int]) -> numpy.ndarray:
    unigrams = numpy.ascontiguousarray(column)
    if attr_id == NORM and len(attrs) > 1:
        unigrams = unigrams ^ numpy.uint64(_NORM_SALT)
    return unigrams


def _doc_ngrams(table: numpy.ndarray, attrs: list[int], ngram_size: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """One doc's distinct n-gram keys, sorted, and their counts: the plain version."""
    ngrams = []
    for column, attr_id in enumerate(attrs):
        unigrams = _unigrams(table[:, column], attr_id, attrs)
        ngrams.append(unigrams)
        # thinc's ops.ngrams reads out of bounds on an empty array: a doc without words
        # (an empty message) beside others in a batch crashed the whole batch.
        for n in range(2, min(ngram_size, len(table)) + 1):
            ngrams.append(NUMPY_OPS.ngrams(n, unigrams))
    return numpy.unique(numpy.concatenate(ngrams), return_counts=True)


def _values(counts: numpy.ndarray, per_doc: numpy.ndarray, values: str, l2_scale: float) -> numpy.ndarray:
    """The n-grams' values from their counts, in float32 as the sparse layer reads them."""
    if values == "binary":
        return numpy.ones(counts.shape, dtype="f")
    if values != "l2":
        return counts.astype("f")
    # A doc's sum of squared counts is a whole number: exact in float32 as in int64 (below
    # 2**24), so the norm is the one a doc alone gets from float32 arithmetic.
    running = numpy.zeros(len(counts) + 1, dtype=numpy.int64)
    numpy.cumsum(counts * counts, out=running[1:])
    ends = numpy.cumsum(per_doc)
    norms = numpy.sqrt((running[ends] - running[ends - per_doc]).astype("f")).astype("f8")
    scale = (l2_scale / numpy.where(norms > 0, norms, 1.0)).astype("f")
    return counts.astype("f") * numpy.repeat(scale, per_doc)

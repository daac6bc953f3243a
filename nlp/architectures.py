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
"""

from __future__ import annotations

from functools import partial
from typing import List, Optional, cast

from spacy.attrs import LOWER, NORM
from spacy.ml.models.textcat import resize_and_set_ref
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Linear, Logistic, Model, SparseLinear_v2, add, chain, resizable, softmax_activation, with_cpu
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d

from nlp.word_vectors import mean_vectors

NEG_VALUE = -5000.0  # the bias spaCy gives labels that are added after training


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
    model.attrs["resize_output"] = partial(_resize_output, resizable_layer=resizable_layer, dense=dense)
    return model


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
    ops, xp = model.ops, model.ops.xp
    n_max, attr, mode = model.attrs["ngram_size"], model.attrs["attr"], model.attrs["values"]
    attrs = {"LOWER": [LOWER], "NORM": [NORM], "LOWER+NORM": [LOWER, NORM]}[attr]
    batch_keys, batch_vals = [], []
    for doc in docs:
        table = doc.to_array(attrs)
        ngrams = []
        for column, attr_id in enumerate(attrs):
            unigrams = ops.asarray(xp.ascontiguousarray(table[:, column]) if len(attrs) > 1 else table)
            if attr_id == NORM and len(attrs) > 1:
                unigrams = unigrams ^ xp.uint64(_NORM_SALT)
            ngrams.append(unigrams)
            # thinc's ops.ngrams reads out of bounds on an empty array: a doc without words
            # (an empty message) beside others in a batch crashed the whole batch.
            for n in range(2, min(n_max, len(doc)) + 1):
                ngrams.append(ops.ngrams(n, unigrams))
        keys, counts = xp.unique(xp.concatenate(ngrams), return_counts=True)
        if mode == "binary":
            vals = xp.ones(counts.shape, dtype="f")
        elif mode == "l2":
            vals = counts.astype("f")
            norm = float(xp.sqrt((vals * vals).sum())) or 1.0
            vals = vals * (model.attrs["l2_scale"] / norm)
        else:
            vals = counts
        batch_keys.append(keys)
        batch_vals.append(vals)
    lengths = ops.asarray([arr.shape[0] for arr in batch_keys], dtype="int32")
    keys = xp.concatenate(batch_keys)
    vals = ops.asarray(xp.concatenate(batch_vals), dtype="f")
    return (keys, vals, lengths), lambda dY: []

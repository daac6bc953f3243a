"""Model architectures registered with spaCy's registry.

``followup.TextCatBOWLower.v1`` is spaCy's ``TextCatBOW.v3`` (hashed n-gram bag of words
into a sparse linear layer) with one change: the n-grams are read from the lower-cased
token text (``LOWER``) instead of the verbatim text (``ORTH``). Support tweets and
complaint narratives are often written in lower case or in capitals, and a model that
has to learn "REFUND", "Refund" and "refund" separately wastes most of a small corpus.
"""

from __future__ import annotations

from functools import partial
from typing import List, Optional, cast

from spacy.attrs import LOWER
from spacy.ml.extract_ngrams import extract_ngrams
from spacy.ml.models.textcat import resize_and_set_ref
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear_v2, chain, resizable, softmax_activation, with_cpu
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d

NEG_VALUE = -5000.0  # the bias spaCy gives labels that are added after training


@registry.architectures("followup.TextCatBOWLower.v1")
def build_bow_lower(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    length: int = 2**17,
    nO: Optional[int] = None,
) -> Model[List[Doc], Floats2d]:
    """Bag of lower-cased n-grams → sparse linear → softmax (exclusive) or logistic."""
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
    model = chain(extract_ngrams(ngram_size, attr=LOWER), resizable_layer)
    model = with_cpu(model, model.ops)
    if output_layer:
        model = chain(model, with_cpu(output_layer, output_layer.ops))
    if nO is not None:
        model.set_dim("nO", cast(int, nO))
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model

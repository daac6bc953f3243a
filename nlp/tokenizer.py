"""A tokenizer that keeps the text it was given.

``Doc.text`` is rebuilt token by token on every access, which costs as much as a third of
the evidence component's time on a 150-word email. This wrapper around spaCy's English
tokenizer puts the original string in ``doc.user_data["text"]`` so the rules can read it
for free. Registered as ``followup.TextKeepingTokenizer.v1``; it saves and loads exactly as
the wrapped tokenizer does.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy
from spacy.attrs import LOWER, NORM
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

TEXT_KEY = "text"


class TextKeepingTokenizer:
    def __init__(self, inner: Any):
        self.inner = inner

    def __call__(self, text: str) -> Doc:
        doc = self.inner(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:  # to_disk, from_disk, memory_zone, explain, vocab, ...
        return getattr(self.inner, name)


def doc_text(doc: Doc) -> str:
    """The doc's text, from the tokenizer's copy when it is there and still matches."""
    text = doc.user_data.get(TEXT_KEY)
    if isinstance(text, str) and len(text) == (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        return text
    return doc.text


class TokenColumns:
    """A batch of docs with their tokens' ``LOWER`` and ``NORM`` read out once (``doc.to_array``
    costs ~10 µs a doc, as much as the rest of a layer's work on it). The categoriser's layers
    take it in place of the list of docs (:mod:`nlp.architectures`, :mod:`nlp.word_vectors`);
    thinc passes it through as it is."""

    ATTRS = (LOWER, NORM)

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.tables = [doc.to_array(self.ATTRS).reshape(len(doc), 2) for doc in docs]

    def __len__(self) -> int:
        return len(self.docs)

    def columns(self, attrs: list[int]) -> list[numpy.ndarray]:
        """Each doc's table of ``attrs`` (a subset of :data:`ATTRS`), as ``doc.to_array`` gives it."""
        if list(attrs) == list(self.ATTRS):
            return self.tables
        picked = [self.ATTRS.index(attr) for attr in attrs]
        return [table[:, picked] for table in self.tables]

    def column(self, attr: int) -> list[numpy.ndarray]:
        """Each doc's values of one attribute, as ``doc.to_array(attr)`` gives them."""
        return [table[:, self.ATTRS.index(attr)] for table in self.tables]


@registry.tokenizers("followup.TextKeepingTokenizer.v1")
def create_text_keeping_tokenizer() -> Callable[[Language], TextKeepingTokenizer]:
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> TextKeepingTokenizer:
        return TextKeepingTokenizer(default(nlp))

    return make


_DIGITS = re.compile(r"\d+")


def crude_norm(string: str) -> str:
    """A lemma-like lexeme norm: lower case, digit runs as ``0``, common suffixes cut.

    "Ordered", "orders" and "ordering" all become ``order``, "refunds" ``refund``, "#48213"
    ``#0`` and "$1,299.00" ``$0,0.0``: word forms and numbers the small corpus never showed
    share the weights of the ones it did. Computed once per lexeme (spaCy caches lexeme
    attributes in the vocab), so it costs nothing per document.
    """
    word = string.lower()
    if any(ch.isdigit() for ch in word):
        return _DIGITS.sub("0", word)
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "shipped" → "shipp" → "ship"
    return word


@registry.tokenizers("followup.TextKeepingTokenizer.v2")
def create_text_keeping_tokenizer_v2() -> Callable[[Language], TextKeepingTokenizer]:
    """As v1, and the vocab's lexeme ``NORM`` is :func:`crude_norm` (read by the classifier's
    n-grams when its architecture says ``attr = "NORM"``)."""
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> TextKeepingTokenizer:
        nlp.vocab.lex_attr_getters[NORM] = crude_norm
        for lexeme in nlp.vocab:  # the lexemes made before the getter was set
            lexeme.norm_ = crude_norm(lexeme.orth_)
        return TextKeepingTokenizer(default(nlp))

    return make

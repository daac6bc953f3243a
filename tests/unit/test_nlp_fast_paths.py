"""The classifier's batched paths give what the plain per-document versions give.

The text categoriser's n-grams are counted for a whole batch at once, and the word vectors
looked up for it at once (nlp.architectures, nlp.word_vectors): here each is checked against
the plain version, a document at a time, on the team's dev splits (English and the six other
languages), and the product's path (Classifier.classify_many) against spaCy's nlp.pipe."""

import json
from pathlib import Path

import numpy as np
import pytest
from spacy.attrs import NORM
from thinc.api import NumpyOps

from nlp import compose_input, load_classifier
from nlp.architectures import ATTRS, ngram_features

ROOT = Path(__file__).resolve().parents[2]
SALT = np.uint64(0x9E3779B97F4A7C15)


def corpus_texts() -> list[str]:
    texts = []
    for name in ("dev.jsonl", "dev_multilingual.jsonl"):
        for line in (ROOT / "nlp" / "corpus" / name).open(encoding="utf-8"):
            row = json.loads(line)
            texts.append(compose_input(row.get("subject"), row["text"]))
    return texts + ["", " ", "ok", "\n\n", "Re: x?\n\n?"]


@pytest.fixture(scope="module")
def docs():
    tokenizer = load_classifier().nlp.tokenizer
    return [tokenizer(text) for text in corpus_texts()]


def plain_ngrams(doc, attr: str, ngram_size: int, values: str, l2_scale: float):
    """One doc's keys and values as the categoriser computed them before batching (2026.12.02)."""
    ops = NumpyOps()
    attrs = ATTRS[attr]
    table = doc.to_array(attrs)
    ngrams = []
    for column, attr_id in enumerate(attrs):
        unigrams = np.ascontiguousarray(table[:, column]) if len(attrs) > 1 else table
        if attr_id == NORM and len(attrs) > 1:
            unigrams = unigrams ^ SALT
        ngrams.append(unigrams)
        for n in range(2, min(ngram_size, len(doc)) + 1):
            ngrams.append(ops.ngrams(n, unigrams))
    keys, counts = np.unique(np.concatenate(ngrams), return_counts=True)
    if values == "binary":
        return keys, np.ones(counts.shape, dtype="f")
    if values == "l2":
        vals = counts.astype("f")
        norm = float(np.sqrt((vals * vals).sum())) or 1.0
        return keys, vals * (l2_scale / norm)
    return keys, counts.astype("f")


@pytest.mark.parametrize("attr,ngram_size,values", [
    ("LOWER+NORM", 2, "l2"), ("LOWER", 1, "count"), ("NORM", 3, "binary"), ("LOWER+NORM", 3, "count"),
])
def test_batched_ngrams_are_the_plain_ones(docs, attr, ngram_size, values):
    for batch_size in (256, 7):
        for start in range(0, len(docs), batch_size):
            batch = docs[start:start + batch_size]
            tables = [doc.to_array(ATTRS[attr]).reshape(len(doc), len(ATTRS[attr])) for doc in batch]
            keys, vals, lengths = ngram_features(tables, ATTRS[attr], ngram_size, values, 2.0)
            assert lengths.dtype == np.int32 and vals.dtype == np.float32 and keys.dtype == np.uint64
            ends = np.cumsum(lengths)
            for doc, begin, end in zip(batch, ends - lengths, ends):
                plain_keys, plain_vals = plain_ngrams(doc, attr, ngram_size, values, 2.0)
                assert np.array_equal(keys[begin:end], plain_keys)
                assert np.array_equal(vals[begin:end], plain_vals)  # to the bit


def test_one_long_doc_among_short_ones_is_counted_alone(docs):
    tokenizer = load_classifier().nlp.tokenizer
    batch = [tokenizer("refund " * 5000), *docs[:3], tokenizer("")]
    tables = [doc.to_array(ATTRS["LOWER+NORM"]) for doc in batch]
    keys, vals, lengths = ngram_features(tables, ATTRS["LOWER+NORM"], 2, "l2", 2.0)
    ends = np.cumsum(lengths)
    for doc, begin, end in zip(batch, ends - lengths, ends):
        plain_keys, plain_vals = plain_ngrams(doc, "LOWER+NORM", 2, "l2", 2.0)
        assert np.array_equal(keys[begin:end], plain_keys) and np.array_equal(vals[begin:end], plain_vals)


def test_the_categoriser_scores_token_columns_as_it_scores_docs(docs):
    from nlp.tokenizer import TokenColumns

    from nlp.architectures import READS_TOKEN_COLUMNS

    model = load_classifier().nlp.get_pipe("textcat").model
    assert model.attrs.get(READS_TOKEN_COLUMNS)  # the shipped model takes the fast path
    for start in range(0, len(docs), 256):
        batch = docs[start:start + 256]
        assert np.array_equal(model.predict(TokenColumns(batch)), model.predict(batch))


def test_word_vector_rows_are_found_by_hash_as_by_binary_search():
    from nlp.word_vectors import load_table

    table = load_table("minilm-m2v")
    unknown = np.random.default_rng(0).integers(0, 2**63, 5000, dtype=np.int64).astype(np.uint64)
    keys = np.concatenate([table.keys, unknown, table.keys[::-7]])
    found = np.searchsorted(table.keys, keys).clip(0, len(table.keys) - 1)
    assert np.array_equal(table.rows(keys), np.where(table.keys[found] == keys, found, -1))


def test_classify_many_gives_what_nlp_pipe_gives():
    """The product's path (nlp.classifier.run_pipeline, the categoriser reading TokenColumns) against
    spaCy's own nlp.pipe, on every dev text: the same scores to the bit, the same evidence."""
    from nlp.classifier import classification_from_doc

    clf = load_classifier()
    items = []
    for name in ("dev.jsonl", "dev_multilingual.jsonl"):
        for line in (ROOT / "nlp" / "corpus" / name).open(encoding="utf-8"):
            row = json.loads(line)
            items.append((row.get("subject"), row["text"]))
    items += [("", ""), (None, None), ("Hi", " "), ("Re: ok?", "?")]
    docs = clf.nlp.pipe([compose_input(s, t) for s, t in items], batch_size=256)
    plain = [classification_from_doc(doc, s, t) for doc, (s, t) in zip(docs, items)]
    assert list(clf.classify_many(items)) == plain


def plain_sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """nlp.evidence._sentence_bounds as it was before it was spelled out (2026.12.02)."""
    start = max(text.rfind(c, 0, pos) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, pos) for c in ".!?\n") if i != -1]
    end = min(ends) + 1 if ends else len(text)
    while end < len(text) and text[end] in "?!.":
        end += 1
    while start < end and text[start] in " \t\r\n\"'-*>•":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return start, end


def test_sentence_bounds_are_the_plain_ones():
    import random

    from nlp.evidence import _sentence_bounds

    rng = random.Random(0)
    for _ in range(20_000):
        text = "".join(rng.choice("ab ?!.\n\t\r\"'-*>•") for _ in range(rng.randint(1, 14)))
        pos = rng.randrange(len(text))
        assert _sentence_bounds(text, pos) == plain_sentence_bounds(text, pos), (text, pos)

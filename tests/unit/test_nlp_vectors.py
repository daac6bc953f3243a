"""The static word vectors shipped beside the model: what is vendored, what they mean, and the
categoriser that reads them (trains, saves, loads back offline, takes empty mail)."""

import hashlib

import numpy as np
import pytest
from spacy.attrs import LOWER

import nlp
from nlp.classifier import load_pipeline
from nlp.word_vectors import TABLES, VECTORS_DIR, load_table
from tests.unit.training_corpus import write_corpus


def test_shipped_table_is_the_recorded_one():
    recorded = dict(reversed(line.split()) for line in (VECTORS_DIR / "SHA256").read_text().splitlines())
    path = TABLES["minilm-m2v"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[path.name]
    assert path.stat().st_size < 15e6
    assert (VECTORS_DIR / "LICENSE-Apache-2.0.txt").read_text().startswith(" " * 32 + "Apache License")
    table = load_table("minilm-m2v")
    with np.load(path) as data:
        assert data["vectors"].dtype == np.float16 and len(data["keys"]) == len(data["vectors"]) > 20000
    assert (table.keys[1:] > table.keys[:-1]).all()  # sorted and unique: looked up by binary search


def mean_of(text):
    return load_table("minilm-m2v").means([nlp.load_classifier().nlp.make_doc(text).to_array(LOWER)])[0]


def test_vectors_know_that_different_words_mean_the_same():
    late = mean_of("the parcel never showed up")
    assert late @ mean_of("my order was not delivered") > late @ mean_of("thanks for lunch, see you friday")
    assert abs(float(np.linalg.norm(late)) - 1) < 1e-3
    assert not mean_of("zxqv qwzx").any()  # words outside the table have no vector
    table = load_table("minilm-m2v")
    batch = [nlp.load_classifier().nlp.make_doc(t).to_array(LOWER) for t in ("zxqv", "the parcel never showed up", "")]
    assert np.allclose(table.means(batch), [np.zeros(table.width), late, np.zeros(table.width)], atol=1e-6)


@pytest.mark.parametrize("vectors", ["minilm-m2v", None])
def test_categoriser_with_and_without_vectors_round_trips(tmp_path, vectors):
    corpus = write_corpus(tmp_path / "corpus")
    nlp.train(tmp_path / "model", seed=0, epochs=4, corpus_dir=corpus, length=2**12, vectors=vectors)
    texts = ["The sofa arrived broken, I want a refund.", "", "How much do the routers cost?"]
    first = [doc.cats for doc in load_pipeline(tmp_path / "model").pipe(texts)]  # an empty doc in the batch too
    assert [doc.cats for doc in load_pipeline(tmp_path / "model").pipe(texts)] == first
    assert nlp.load_classifier(tmp_path / "model").classify("", texts[0]).label == "complaint"

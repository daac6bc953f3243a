"""Train → save → load offline round trip on a tiny corpus, and reproducibility."""


import pytest

import nlp
from nlp.classifier import load_pipeline
from tests.unit.training_corpus import write_corpus


def test_train_save_load_offline(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    extra = [{"text": "The widget squeaks and I am fed up with it.", "label": "complaint"},
             {"text": "No reply needed here.", "needs_reply": False}]
    result = nlp.train(tmp_path / "model", extra_examples=extra, seed=0, epochs=4, corpus_dir=corpus, length=2**12)
    assert (tmp_path / "model" / "config.cfg").exists()
    assert result.n_extra == 2 and result.dev is not None and result.dev["macro_f1"] is not None

    clf = nlp.load_classifier(tmp_path / "model")
    assert clf.model_version == nlp.MODEL_VERSION
    assert clf.classify("", "The sofa arrived broken, I want a refund.").label == "complaint"
    assert clf.classify("", "How much does the desk cost?").label == "inquiry"
    assert load_pipeline(tmp_path / "model").pipe_names == ["textcat", "evidence"]


def test_training_is_reproducible(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    for name in ("a", "b"):
        nlp.train(tmp_path / name, seed=3, epochs=3, corpus_dir=corpus, length=2**12)
    for component in ("textcat",):
        assert (tmp_path / "a" / component / "model").read_bytes() == (tmp_path / "b" / component / "model").read_bytes()


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nlp train"):
        load_pipeline(tmp_path)


def test_crude_norm_joins_word_forms_and_numbers():
    from nlp.tokenizer import crude_norm

    assert {crude_norm(w) for w in ("Ordered", "orders", "ordering", "order")} == {"order"}
    assert crude_norm("refunds") == crude_norm("refund") and crude_norm("shipped") == crude_norm("ship")
    assert crude_norm("#48213") == crude_norm("#907") == "#0"
    assert crude_norm("this") == "this" and crude_norm("business") == "business"


@pytest.mark.parametrize("options", [{"values": "l2"}, {"attr": "LOWER+NORM", "values": "l2"},
                                     {"attr": "NORM", "values": "binary"}])
def test_feature_options_round_trip(tmp_path, options):
    """Each n-gram option trains, saves and loads back to the same scores, offline."""
    corpus = write_corpus(tmp_path / "corpus")
    nlp.train(tmp_path / "model", seed=0, epochs=4, corpus_dir=corpus, length=2**12, **options)
    trained = load_pipeline(tmp_path / "model")
    texts = ["The sofa arrived broken, I want a refund.", "How much do the routers cost?", "Ordered 3 desks #4412"]
    first = [doc.cats for doc in trained.pipe(texts)]
    reloaded = load_pipeline(tmp_path / "model")
    assert [doc.cats for doc in reloaded.pipe(texts)] == first
    if "NORM" in options.get("attr", ""):  # the loaded vocab computes the crude norms, for new words too
        assert [t.norm_ for t in reloaded.make_doc("Ordered zorbs 4412")] == ["order", "zorb", "0"]
    clf = nlp.load_classifier(tmp_path / "model")
    assert clf.classify("", "The sofa arrived broken, I want a refund.").label == "complaint"

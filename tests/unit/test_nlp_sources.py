"""The real sources' labels mapped to ours, and the Parakweet fold held out of training."""

import json

import pytest

from nlp.corpus import sources
from nlp.corpus.sources import parakweet_fold, training_rows
from nlp.training import CORPUS_DIR, SOURCE_WEIGHTS, TRAIN_MULTILINGUAL, corpus_rows, read_jsonl
from tests.paths import REPO_ROOT

NEEDS_REPLY_DEV = REPO_ROOT.parent / "shared" / "eval" / "needs_reply_dev.jsonl"


def test_bitext_intents_map_to_our_labels_and_ambiguous_ones_are_dropped(monkeypatch):
    monkeypatch.setattr(sources, "NEEDS_REPLY_ONLY", frozenset())
    items = [{"text": "cancel order 1234", "intent": "cancel_order"},
             {"text": "where is order 1234", "intent": "track_order"},
             {"text": "I want my money back", "intent": "get_refund"},
             {"text": "edit my account", "intent": "edit_account"},
             {"text": "leaving a review", "intent": "review"},
             {"text": "how do I buy a lamp", "intent": "place_order"},
             {"text": "   ", "intent": "complaint"}]
    assert training_rows("bitext", items) == [
        {"text": "cancel order 1234", "label": "sale", "needs_reply": True},
        {"text": "where is order 1234", "label": "inquiry", "needs_reply": True},
        {"text": "I want my money back", "label": "complaint", "needs_reply": True},
        {"text": "edit my account", "label": "other", "needs_reply": True}]


def test_needs_reply_only_sources_train_no_label():
    assert training_rows("bitext", [{"text": "cancel order 1234", "intent": "cancel_order"}]) == [
        {"text": "cancel order 1234", "needs_reply": True}]


def test_bitext_is_capped_per_intent(monkeypatch):
    monkeypatch.setattr(sources, "BITEXT_PER_INTENT", 2)
    items = [{"text": f"cancel order {n}", "intent": "cancel_order"} for n in range(5)]
    assert [row["text"] for row in training_rows("bitext", items)] == ["cancel order 0", "cancel order 1"]


def test_cfpb_is_complaint_and_enron_is_other_with_its_subject():
    assert training_rows("cfpb", [{"text": "They charged me twice.", "product": "Mortgage"}]) == [
        {"text": "They charged me twice.", "label": "complaint"}]
    assert training_rows("enron", [{"subject": "Re: lunch", "text": "Fine by me.", "categories": ["1.2"]},
                                   {"subject": "empty", "text": ""}]) == [
        {"subject": "Re: lunch", "text": "Fine by me.", "label": "other"}]


def test_parakweet_fold_is_stable_and_about_a_fifth():
    assert parakweet_fold("Can you send me the file?") == parakweet_fold("can you  send me the FILE ?")
    folds = [parakweet_fold(f"sentence number {n}") for n in range(5000)]
    assert set(folds) == {1, 2, 3, 4, 5} and 900 < folds.count(5) < 1100


def test_shipped_corpus_reads_every_real_source_at_its_weight():
    team = [row for row in read_jsonl(CORPUS_DIR / "train.jsonl")
            + (read_jsonl(CORPUS_DIR / "train_multilingual.jsonl") if TRAIN_MULTILINGUAL else [])
            if row["text"].strip() or row.get("subject")]
    real = sources.real_rows()
    assert set(real) == {"bitext", "cfpb", "enron", "parakweet"} and all(real.values())
    rows = corpus_rows(CORPUS_DIR)
    assert len(rows) == len(team) + sum(len(r) * SOURCE_WEIGHTS[s] for s, r in real.items())
    assert len(corpus_rows(CORPUS_DIR, {"bitext": 0, "cfpb": 0, "enron": 0, "parakweet": 0})) == len(team)


def test_no_held_out_parakweet_sentence_is_trained_on():
    if not NEEDS_REPLY_DEV.is_file():
        pytest.skip(f"{NEEDS_REPLY_DEV} not found: nothing to compare with")
    with NEEDS_REPLY_DEV.open(encoding="utf-8") as fh:
        held_out = [json.loads(line)["text"] for line in fh if line.strip()]
    held_out = {t for t in held_out if parakweet_fold(t) == sources.PARAKWEET_HELD_OUT}
    assert 500 < len(held_out)
    trained = {row["text"] for row in corpus_rows(CORPUS_DIR)}
    assert not held_out & trained
    assert all(parakweet_fold(item["text"]) != sources.PARAKWEET_HELD_OUT
               for item in sources.read_items(sources.REAL_DIR / sources.FILES["parakweet"]))

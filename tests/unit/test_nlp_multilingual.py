"""The de/fr/es/it/nl/pt corpus: its dev split is never trained on; evaluate gives per_language;
the language cue tables reach the evidence."""

from __future__ import annotations

import json

from click.testing import CliRunner

from followup.cli.nlp import nlp_group
from nlp import load_classifier
from nlp.corpus import multilingual
from nlp.corpus.fragment_files import read_fragments


def test_no_dev_sentence_is_trained_on():
    train_text = " ".join(json.loads(line)["text"] for line in multilingual.TRAIN_PATH.open(encoding="utf-8"))
    dev_fragments = [row for lang in multilingual.LANGUAGES for row in read_fragments(lang)
                     if row["label"] != "any" and multilingual.in_dev(row["id"])]
    assert len(dev_fragments) >= 20 * len(multilingual.LANGUAGES)
    assert [row["text"] for row in dev_fragments if row["text"] in train_text] == []


def test_every_language_has_every_label_in_both_splits():
    for path in (multilingual.TRAIN_PATH, multilingual.DEV_PATH):
        rows = [json.loads(line) for line in path.open(encoding="utf-8")]
        pairs = {(row["language"], row["label"]) for row in rows if row.get("label")}
        assert pairs == {(lang, label) for lang in multilingual.LANGUAGES for label in multilingual.LABELS}, path


def test_evaluate_gives_macro_f1_per_language(tmp_path):
    rows = [{"text": "Leider ist die Lieferung beschädigt angekommen. Bitte erstatten Sie den Betrag.",
             "label": "complaint", "needs_reply": True, "language": "de"},
            {"text": "¿Podrían enviarnos un presupuesto para 200 unidades?", "label": "inquiry",
             "needs_reply": True, "language": "es"},
            {"text": "The lamp arrived broken, I want a refund.", "label": "complaint", "needs_reply": True}]
    path = tmp_path / "ml.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    per_language = json.loads(result.output.strip().splitlines()[-1])["per_language"]
    assert set(per_language) == {"de", "es"}
    assert per_language["de"]["n"] == 1 and per_language["es"]["n"] == 1
    human = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(path)])
    assert "language" in human.output and "\nde " in human.output


def test_language_cue_tables_give_evidence():
    """The cues of nlp/cues/<lang>.json: a German complaint names its order, its complaint and
    its request; a Spanish quote request its price; English cues are unchanged."""
    clf = load_classifier()
    complaint = clf.classify("Reklamation", "Die Ware aus Bestellung 45821 ist beschädigt angekommen. "
                                            "Bitte erstatten Sie mir den Kaufpreis.")
    found = {(e.kind, e.text) for e in complaint.evidence}
    assert {("order_number", "Bestellung 45821"), ("complaint", "beschädigt"), ("request", "Bitte")} <= found
    quote = clf.classify(None, "Buenos días, ¿podrían enviarnos un presupuesto para 300 cajas? Es urgente.")
    assert {"price", "urgency", "question"} <= {e.kind for e in quote.evidence}
    english = clf.classify(None, "Thanks for the direct answer, see you at the meeting.")
    assert "urgency" not in {e.kind for e in english.evidence}

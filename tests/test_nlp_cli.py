"""The commands through click's CliRunner: evaluate's output format, classify."""

import json

import pytest
from click.testing import CliRunner

from followup.cli.nlp import classify_command, nlp_group

ROWS = [
    {"text": "Could you send me a quote for 20 desks?", "label": "inquiry", "needs_reply": True},
    {"text": "My order arrived broken and I want a refund.", "subject": "Broken", "label": "complaint",
     "needs_reply": False},
    {"text": "i want to buy a new router", "label": "sale"},
    {"text": "Thanks, all good!", "needs_reply": False},
]


@pytest.fixture()
def data(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    return path


def test_evaluate_json(data):
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    assert payload["n"] == 4 and payload["n_labelled"] == 3 and payload["n_needs_reply"] == 3
    assert 0.0 <= payload["macro_f1"] <= 1.0
    assert set(payload["per_label"]) == {"inquiry", "sale", "complaint", "other"}
    assert set(payload["per_label"]["inquiry"]) == {"precision", "recall", "f1", "support"}
    assert 0.0 <= payload["needs_reply_f1"] <= 1.0
    assert payload["confusion"]["labels"] == ["inquiry", "sale", "complaint", "other"]
    assert sum(map(sum, payload["confusion"]["matrix"])) == 3
    assert "macro_f1" in payload["baseline"] and "needs_reply_f1" in payload["baseline"]


def test_evaluate_nulls_when_keys_absent(tmp_path):
    path = tmp_path / "nolabels.jsonl"
    path.write_text(json.dumps({"text": "hello there"}) + "\n")
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    assert payload["macro_f1"] is None and payload["needs_reply_f1"] is None and payload["n"] == 1


def test_evaluate_human_output_shows_baseline(data):
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "baseline" in result.output and "confusion" in result.output


def test_evaluate_bad_line_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "label": "spam"}\n')
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(path)])
    assert result.exit_code != 0 and "unknown label" in result.output


def test_classify_json_and_stdin():
    runner = CliRunner()
    result = runner.invoke(classify_command, ["--json", "--subject", "Order 77812", "-"],
                           input="The lamp from order #48213 arrived damaged. Can you replace it?")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["label"] == "complaint" and payload["needs_reply"] is True
    assert {"kind", "text", "start", "end"} <= set(payload["evidence"][0])
    human = runner.invoke(classify_command, ["how much is the pro plan?"])
    assert human.exit_code == 0 and "label: inquiry" in human.output


def test_classify_empty_input_fails():
    result = CliRunner().invoke(classify_command, ["-"], input="")
    assert result.exit_code != 0


def test_evaluate_per_source(tmp_path):
    """Lines naming a source give macro-F1 per source, for all, and without the templated ones;
    each figure is the one `evaluate` prints for that source's lines alone."""
    sources = ["support-tweet", "customer-service-utterance", "support-tweet", "business-email"]
    rows = [dict(row, source=source) for row, source in zip(ROWS, sources)]
    path = tmp_path / "sourced.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def evaluate_json(file):
        result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(file), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output.strip().splitlines()[-1])

    payload = evaluate_json(path)
    figures = payload["per_source"]
    assert set(figures) == {"all", "without customer-service-utterance", "support-tweet",
                            "customer-service-utterance", "business-email"}
    assert figures["all"] == {"n": 4, "macro_f1": payload["macro_f1"], "needs_reply_f1": payload["needs_reply_f1"]}
    without = tmp_path / "without.jsonl"
    without.write_text("".join(json.dumps(r) + "\n" for r in rows if r["source"] != "customer-service-utterance"))
    alone = evaluate_json(without)
    assert figures["without customer-service-utterance"] == {
        "n": 3, "macro_f1": alone["macro_f1"], "needs_reply_f1": alone["needs_reply_f1"]}
    assert figures["business-email"]["n"] == 1 and figures["business-email"]["macro_f1"] is None

    human = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(path)])
    assert "without customer-service-utterance" in human.output and "support-tweet" in human.output


def test_evaluate_without_sources_has_no_per_source(data):
    result = CliRunner().invoke(nlp_group, ["evaluate", "--data", str(data), "--json"])
    assert json.loads(result.output.strip().splitlines()[-1])["per_source"] is None

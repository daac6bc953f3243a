"""followup.model_store and `followup nlp train --with-feedback | models | use`: versions
named by date and content, the newest active unless pinned, the shipped model as fallback."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from followup import model_store
from followup.cli.nlp import nlp_group
from followup.config import load_settings

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    env = {"FOLLOWUP_DATA_DIR": str(tmp_path / "data"), "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "FOLLOWUP_SECRET_KEY": "test-secret-key-0123456789abcdef"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return load_settings(env)


def trained(settings, weights: bytes, now=NOW):
    """A pipeline folder as `nlp train` leaves it (the files the store reads)."""
    folder = model_store.staging_dir(settings, now)
    (folder / "textcat").mkdir(parents=True)
    (folder / "config.cfg").write_text("[nlp]\n")
    (folder / "textcat" / "model").write_bytes(weights)
    (folder / "meta.json").write_text(json.dumps({"followup": {"model_version": "base"}}))
    return folder


def test_versions_are_named_by_date_and_content_and_the_newest_is_active(settings):
    assert model_store.active_model_path(settings) is None  # nothing stored: the shipped model
    first = model_store.commit_version(settings, trained(settings, b"one"), {"dev": {"macro_f1": 0.8}}, NOW)
    later = NOW + timedelta(hours=1)
    second = model_store.commit_version(settings, trained(settings, b"two", later), {"dev": {"macro_f1": 0.9}}, later)
    assert first.name.startswith("20261202-093000-") and second.name.startswith("20261202-103000-")
    assert first.name[-12:] != second.name[-12:]  # different weights, different hash
    assert [v.name for v in model_store.list_versions(settings)] == [first.name, second.name]
    assert model_store.active_model_path(settings) == second.path
    meta = json.loads((second.path / "meta.json").read_text())
    assert meta["followup"]["model_version"] == second.name  # messages record which version labelled them
    figures = json.loads((model_store.models_dir(settings) / f"{second.name}.json").read_text())
    assert figures["dev"] == {"macro_f1": 0.9} and figures["created_at"] == later.isoformat()
    assert not list(model_store.models_dir(settings).glob(".training-*"))  # staging moved, not copied


def test_use_pins_a_version_until_the_next_training_and_rejects_unknown_names(settings):
    first = model_store.commit_version(settings, trained(settings, b"one"), {}, NOW)
    later = NOW + timedelta(days=1)
    second = model_store.commit_version(settings, trained(settings, b"two", later), {}, later)
    model_store.use_version(settings, first.name)
    assert model_store.active_version(settings) == first
    model_store.use_version(settings, "shipped")
    assert model_store.active_model_path(settings) is None
    with pytest.raises(model_store.ModelStoreError, match="no model version"):
        model_store.use_version(settings, "20260101-000000-abcdefabcdef")
    assert model_store.active_model_path(settings) is None  # a bad name changes nothing
    third_at = later + timedelta(days=1)
    third = model_store.commit_version(settings, trained(settings, b"three", third_at), {}, third_at)
    assert model_store.active_version(settings) == third  # a new training is the active model
    model_store.use_version(settings, second.name)
    (model_store.models_dir(settings) / second.name / "config.cfg").unlink()  # deleted by hand
    assert model_store.active_version(settings) == third


def test_train_with_feedback_stores_a_version_and_models_lists_it(settings, monkeypatch):
    import nlp
    import nlp.training

    def fake_train(output_dir=None, extra_examples=None, seed=0, **kwargs):
        output_dir.mkdir(parents=True)
        (output_dir / "config.cfg").write_text("[nlp]\n")
        (output_dir / "meta.json").write_text("{}")
        return nlp.training.TrainResult(path=output_dir, n_label_examples=10, n_needs_reply_examples=10,
                                        n_extra=len(extra_examples),
                                        dev={"macro_f1": 0.91, "accuracy": 0.9, "needs_reply_f1": 0.88, "n": 50})

    monkeypatch.setattr(nlp, "train", fake_train)
    result = CliRunner().invoke(nlp_group, ["train", "--with-feedback", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    [version] = model_store.list_versions(settings)
    assert payload["model_version"] == version.name and payload["path"] == str(version.path)
    assert version.figures["dev"]["macro_f1"] == 0.91 and version.figures["feedback_examples"] == 0

    listed = CliRunner().invoke(nlp_group, ["models"])
    assert listed.exit_code == 0, listed.output
    assert f"* {version.name}" in listed.output and "dev macro-F1 0.910" in listed.output
    rolled = CliRunner().invoke(nlp_group, ["use", "shipped", "--json"])
    assert json.loads(rolled.output) == {"active": "shipped"}
    assert json.loads(CliRunner().invoke(nlp_group, ["models", "--json"]).output)["active"] == "shipped"

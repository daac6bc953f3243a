"""The team corpus is data: every fragment file line is well formed, ids are unique and stable."""

from __future__ import annotations

import json

import pytest

from nlp.corpus.fragment_files import FRAGMENTS_DIR, load_lists, read_fragments


def test_every_fragment_has_a_unique_id_text_and_needs_reply():
    rows = read_fragments("en")
    assert len(rows) > 1800
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    # some closings and tails are "" on purpose: the generator then adds nothing
    assert all(isinstance(row["text"], str) and isinstance(row["needs_reply"], bool) for row in rows)
    assert {row["label"] for row in rows} == {"inquiry", "sale", "complaint", "other", "any"}


def test_lists_keep_file_order_and_tables_load():
    lists = load_lists("en")
    first = json.loads((FRAGMENTS_DIR / "en" / "inquiry" / "ask.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert lists.INQUIRY_ASK[0] == first["text"]
    assert "retail" in lists.DOMAINS and lists.SUBJECTS["complaint"]


def test_a_malformed_fragment_is_a_clear_error(tmp_path):
    (tmp_path / "en" / "sale").mkdir(parents=True)
    (tmp_path / "en" / "sale" / "ask.jsonl").write_text('{"id": "x", "text": "buy?"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ask.jsonl:1: fragment lacks list, needs_reply"):
        read_fragments("en", tmp_path)

"""The team corpus is data: every fragment file line is well formed, ids are unique and stable,
and the dev split follows the id, not the fragment's position in its file."""

from __future__ import annotations

import json

import pytest

from nlp.corpus.fragment_files import FRAGMENTS_DIR, load_lists, read_fragments
from nlp.corpus.generate import FRAGMENT_IDS, in_dev


def test_every_fragment_has_a_unique_id_text_and_needs_reply():
    rows = read_fragments("en")
    assert len(rows) > 2000
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert all(row["text"] and isinstance(row["needs_reply"], bool) for row in rows)
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


def test_dev_split_follows_the_id_so_adding_a_fragment_moves_no_other():
    texts = list(FRAGMENT_IDS)
    before = {text: in_dev(text) for text in texts}
    FRAGMENT_IDS["A brand-new fragment somebody added today?"] = "en-sale-ask-00000000"
    try:
        assert {text: in_dev(text) for text in texts} == before
    finally:
        del FRAGMENT_IDS["A brand-new fragment somebody added today?"]
    share = sum(before.values()) / len(before)
    assert 0.15 < share < 0.25  # about one in five

"""The team's own fixture corpus (tests/fixtures/mail, expectations in expected.yaml): own
text, quotes, kind flags, warnings and headers per message (stored on both databases:
tests/integration/test_ingest_fixtures.py)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.mail_corpus import EXPECTED, parsed
from tests.paths import MAIL_FIXTURES as FIXTURES

FLAGS = ("auto_reply", "bulk", "bounce", "calendar", "noreply")


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_corpus_is_big_enough():
    assert len(EXPECTED) >= 40
    assert {c["file"] for c in EXPECTED} == {p.name for p in FIXTURES.glob("*.eml")}


@pytest.mark.parametrize("case", EXPECTED, ids=[c["file"] for c in EXPECTED])
def test_fixture_parse(case):
    p = parsed(case)
    if "own" in case:
        assert collapse(p.own_text) == collapse(case["own"])
    if "own_contains" in case:
        assert case["own_contains"] in p.own_text
    if "quoted_contains" in case:
        assert case["quoted_contains"] in p.quoted_text
        assert case["quoted_contains"] not in p.own_text
    flags = {name for name in FLAGS if getattr(p.kinds, f"is_{name}")}
    assert flags == set(case["flags"])
    assert bool(p.warnings) == case["warnings"], p.warnings
    if "warning_contains" in case:
        assert any(case["warning_contains"] in w for w in p.warnings), p.warnings
    if "subject" in case:
        assert p.subject == case["subject"]
    if "from_name" in case:
        assert p.from_name == case["from_name"]
    if "to" in case:
        assert p.to_addrs == case["to"]
    if "attachments" in case:
        assert [a.name for a in p.attachments] == case["attachments"]
    if "sent_at" in case:
        assert p.sent_at == datetime.fromisoformat(case["sent_at"])
    assert p.synthetic_id == case.get("synthetic_id", False)
    assert p.message_id and p.content_hash and p.sent_at.tzinfo is not None

"""The team's own fixture corpus (tests/fixtures/mail, expectations in expected.yaml): own
text, quotes, kind flags, warnings and headers per message; then all of them stored in one
account on SQLite and PostgreSQL: direction, threads and contacts."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import Contact, MailAccount, Message
from followup.db.users import create_user
from inbox_sync.parse import parse_message
from inbox_sync.store import StoreItem, store_messages

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
FLAGS = ("auto_reply", "bulk", "bounce", "calendar", "noreply")


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def internal_date(case: dict) -> datetime | None:
    value = case.get("internal_date")
    return datetime.fromisoformat(value) if value else None


def parsed(case: dict):
    raw = (FIXTURES / case["file"]).read_bytes()
    return parse_message(raw, internal_date=internal_date(case))


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


def _store_all(engine, cases, one_by_one: bool = False) -> int:
    with session_scope(engine) as session:
        user = create_user(session, "rep@acme.test", "a good password")
        account_id = create_account(session, "k" * 32, user=user, addresses=["rep@acme.test", "sales@acme.test"],
                                    internal_domains=["acme.test"]).id
    items = [StoreItem(raw=(FIXTURES / c["file"]).read_bytes(), internal_date=internal_date(c))
             for c in cases]
    for batch in ([[item] for item in items] if one_by_one else [items]):
        with session_scope(engine) as session:
            account = session.get(MailAccount, account_id)
            assert all(r.created for r in store_messages(session, account, batch))
    return account_id


def _expected_partition(cases) -> set[frozenset[str]]:
    label_of = {c["file"]: c["thread"] for c in cases}
    merged = {c["merges"]: c["thread"] for c in cases if "merges" in c}
    groups: dict[str, set[str]] = {}
    for file, label in label_of.items():
        groups.setdefault(merged.get(label, label), set()).add(file)
    return {frozenset(g) for g in groups.values()}


def _actual_partition(engine, account_id, cases) -> set[frozenset[str]]:
    by_hash = {parsed(c).content_hash: c["file"] for c in cases}
    groups: dict[int, set[str]] = {}
    with session_scope(engine) as session:
        for m in session.exec(select(Message).where(Message.account_id == account_id)):
            groups.setdefault(m.thread_id, set()).add(by_hash[m.content_hash])
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("one_by_one", [False, True], ids=["one batch", "one by one"])
def test_fixtures_stored_direction_threads_contacts(db_engine, one_by_one):
    account_id = _store_all(db_engine, EXPECTED, one_by_one)
    assert _actual_partition(db_engine, account_id, EXPECTED) == _expected_partition(EXPECTED)
    by_hash = {parsed(c).content_hash: c for c in EXPECTED}
    with session_scope(db_engine) as session:
        messages = session.exec(select(Message).where(Message.account_id == account_id)).all()
        assert len(messages) == len(EXPECTED)
        for m in messages:
            case = by_hash[m.content_hash]
            assert m.direction == case["direction"], case["file"]
            assert bool(m.parse_warnings) == case["warnings"], case["file"]
        contacts = {c.email for c in session.exec(select(Contact).where(Contact.account_id == account_id))}
    for case in EXPECTED:
        p = parsed(case)
        if case.get("contact") is False:
            assert p.from_addr not in contacts, case["file"]
        elif case["direction"] == "inbound":
            assert p.from_addr in contacts, case["file"]
    assert not any(c.endswith("@acme.test") for c in contacts)


@pytest.mark.parametrize("one_by_one", [False, True], ids=["one batch", "one by one"])
def test_fixtures_threads_do_not_depend_on_order(db_engine, one_by_one):
    """Reverse order: replies before their parents, and the reply threaded by subject
    before its original; in one batch, and one message per transaction."""
    cases = list(reversed(EXPECTED))
    account_id = _store_all(db_engine, cases, one_by_one)
    assert _actual_partition(db_engine, account_id, cases) == _expected_partition(cases)

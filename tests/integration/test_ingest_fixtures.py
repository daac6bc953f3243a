"""The team's fixture corpus (tests/fixtures/mail) stored in one account on SQLite and
PostgreSQL: direction, threads and contacts, in one batch or one by one, in any order."""

from __future__ import annotations

import pytest
from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.models import Contact, MailAccount, Message
from followup.db.session import session_scope
from followup.db.users import create_user
from inbox_sync.store import StoreItem, store_messages
from tests.mail_corpus import EXPECTED, internal_date, parsed
from tests.paths import MAIL_FIXTURES as FIXTURES

FLAGS = ("auto_reply", "bulk", "bounce", "calendar", "noreply")


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

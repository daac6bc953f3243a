"""Properties (hypothesis) of the store on SQLite and PostgreSQL: the threads do not depend on
the order messages arrive in, and any bytes are stored."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.models import Message
from followup.db.session import session_scope
from followup.db.users import create_user
from inbox_sync.store import StoreItem, store_messages
from inbox_sync.threading import ThreadableMessage, thread_messages
from tests.paths import MAIL_FIXTURES

FIXTURES = sorted(MAIL_FIXTURES.glob("*.eml"))
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


@st.composite
def reference_mailbox(draw):
    count = draw(st.integers(2, 10))
    ids = [f"r{i}@t" for i in range(count)]
    pool = ids + ["ghost@t"]
    result = []
    for i, msgid in enumerate(ids):
        refs = [r for r in draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)) if r != msgid]
        result.append((msgid, refs, i))
    return result


def _raw(msgid: str, refs: list[str], n: int) -> bytes:
    lines = [f"From: a{n % 3}@x.example", "To: rep@acme.test", f"Subject: Topic {n}",
             f"Date: {format_datetime(T0 + timedelta(hours=n))}", f"Message-ID: <{msgid}>"]
    if refs:
        lines += ["References: " + " ".join(f"<{r}>" for r in refs), f"In-Reply-To: <{refs[-1]}>"]
    return ("\r\n".join(lines) + "\r\n\r\nbody " + msgid + "\r\n").encode()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reference_mailbox(), st.randoms(use_true_random=False), st.booleans())
def test_store_threads_do_not_depend_on_order(db_engine, box, rnd, one_by_one):
    raws = {msgid: _raw(msgid, refs, n) for msgid, refs, n in box}
    orders = [list(raws), list(raws)]
    rnd.shuffle(orders[1])
    partitions = []
    with session_scope(db_engine) as session:
        user = create_user(session, f"u{uuid.uuid4().hex[:12]}@acme.test", "a good password")
        for order in orders:
            account = create_account(session, "k" * 32, user=user, addresses=[user.email])
            items = [StoreItem(raw=raws[m]) for m in order]
            if one_by_one:
                for item in items:
                    store_messages(session, account, [item])
            else:
                store_messages(session, account, items)
            groups: dict[int, set[str]] = {}
            for m in session.exec(select(Message).where(Message.account_id == account.id)):
                groups.setdefault(m.thread_id, set()).add(m.message_id_header)
            partitions.append(sorted(sorted(g) for g in groups.values()))
    expected = thread_messages(
        [ThreadableMessage(message_id=m, references=tuple(refs)) for m, refs, _ in box])
    assert partitions[0] == partitions[1] == sorted(sorted(g) for g in expected)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.binary(max_size=600),
    st.sampled_from(FIXTURES).map(lambda p: p.read_bytes()[:400] + b"\x00\xff\xed\xa0\x80 <x\x00@y>\n"),
), min_size=1, max_size=5))
def test_any_bytes_are_stored_on_both_databases(db_engine, raws):
    with session_scope(db_engine) as session:
        user = create_user(session, f"u{uuid.uuid4().hex[:12]}@acme.test", "a good password")
        account = create_account(session, "k" * 32, user=user, addresses=[user.email])
        results = store_messages(session, account, [StoreItem(raw=r) for r in raws])
        again = store_messages(session, account, [StoreItem(raw=r) for r in raws])
    assert all(not r.created for r in again)
    assert [r.message.id for r in results] == [r.message.id for r in again]

"""Properties (hypothesis): parsing any bytes never raises and always yields a storable
message; threading gives the same threads whatever the order the messages arrive in."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import Message
from followup.db.users import create_user
from inbox_sync.html_text import html_to_text
from inbox_sync.parse import parse_message
from inbox_sync.quotes import split_own_text
from inbox_sync.store import StoreItem, store_messages
from inbox_sync.threading import ThreadableMessage, normalise_subject, thread_messages

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "mail").glob("*.eml"))
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _check(p) -> None:
    assert p.message_id and len(p.message_id) <= 998
    assert p.sent_at.tzinfo is not None
    assert len(p.content_hash) == 64
    assert isinstance(p.own_text, str) and isinstance(p.quoted_text, str)
    assert all(isinstance(w, str) for w in p.warnings)
    assert "\x00" not in p.own_text + p.subject + p.from_name


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_parse_never_raises_on_any_bytes(raw):
    _check(parse_message(raw))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIXTURES), st.data())
def test_parse_never_raises_on_damaged_real_messages(path, data):
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at:at + data.draw(st.integers(1, 200))]
        elif action == "insert":
            raw[at:at] = data.draw(st.sampled_from(
                [b"\n", b"\r\n\r\n", b"--", b"=?utf-8?q?=FF?=", b"Content-Type: multipart/mixed; boundary=x\n",
                 b"\x00", b"=\n", b"> ", b"<", b"\xff\xfe", b"charset=bogus"]))
        elif action == "dup":
            raw[at:at] = raw[at:at + 50]
    _check(parse_message(bytes(raw)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_html_and_quote_splitting_never_raise(text):
    html_to_text(text)
    own, quoted = split_own_text(text)
    assert isinstance(own, str) and isinstance(quoted, str)


def test_deep_html_nesting_does_not_recurse():
    assert html_to_text("<div>" * 20000 + "deep" + "</div>" * 20000) == "deep"


# -- threading ----------------------------------------------------------------------------

SUBJECTS = ["Order 1", "Re: Order 1", "AW: order 1", "Quote", "RE: [list] Quote", "Fwd: Quote", "Other"]
PEOPLE = ["a@x.example", "b@y.example", "c@z.example"]


@st.composite
def mailbox(draw):
    count = draw(st.integers(1, 12))
    ids = [f"m{i}@t" for i in range(count)]
    pool = ids + ["ghost1@t", "ghost2@t"]
    messages = []
    for i, msgid in enumerate(ids):
        refs = tuple(draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)))
        refs = tuple(r for r in refs if r != msgid)
        messages.append(ThreadableMessage(
            message_id=msgid,
            references=refs,
            in_reply_to=refs[-1] if refs and draw(st.booleans()) else None,
            subject=draw(st.sampled_from(SUBJECTS)),
            sent_at=T0 + timedelta(days=draw(st.integers(0, 60))),
            participants=frozenset(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2))),
        ))
    return messages


@settings(max_examples=300, deadline=None)
@given(mailbox(), st.randoms(use_true_random=False))
def test_threading_does_not_depend_on_order(messages, rnd):
    expected = thread_messages(messages)
    shuffled = list(messages)
    rnd.shuffle(shuffled)
    assert thread_messages(shuffled) == expected
    assert sorted(itertools.chain.from_iterable(expected)) == sorted(m.message_id for m in messages)


def test_subject_normalisation():
    for subject in ["Re: Order 1", "RE: RE: Order 1", "AW: Order 1", "WG: Order 1", "SV: Order 1",
                    "Antw: Order 1", "Fwd: Order 1", "FW: Order 1", "[sales] Re: Order 1",
                    "Re[2]: Order 1", "Re: [sales] Fwd: Order 1", "TR: Order 1", "Order 1 (fwd)"]:
        assert normalise_subject(subject) == "Order 1", subject


# The store, incrementally: references only (the subject fallback needs the original first).

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

"""Properties (hypothesis): parsing any bytes never raises and always yields a storable
message; threading gives the same threads whatever the order the messages arrive in."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox_sync.html_text import html_to_text
from inbox_sync.parse import parse_message
from inbox_sync.quotes import split_own_text
from inbox_sync.threading import ThreadableMessage, normalise_subject, thread_messages
from tests.paths import MAIL_FIXTURES

FIXTURES = sorted(MAIL_FIXTURES.glob("*.eml"))
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


@pytest.mark.slow
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

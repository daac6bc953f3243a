"""The idempotent upsert (`inbox_sync.store`) on SQLite and PostgreSQL: duplicates, locations,
threads linked by references in any order, merging, the subject fallback, direction, contacts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import Contact, Folder, Message, MessageLocation, Thread, ThreadKey
from followup.domain.vocabulary import FolderRole
from followup.db.users import create_user
from inbox_sync.store import StoreItem, store_message, store_messages

KEY = "test-secret-key-0123456789abcdef"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def mail(msgid: str | None, *, frm="anna@customer.example", to="rep@acme.test", subject="Quote",
         body="Hello", at: datetime = T0, irt: str | None = None, refs: tuple[str, ...] = (),
         extra: str = "") -> bytes:
    lines = [f"From: Anna <{frm}>", f"To: {to}", f"Subject: {subject}",
             f"Date: {format_datetime(at)}"]
    if msgid:
        lines.append(f"Message-ID: <{msgid}>")
    if irt:
        lines.append(f"In-Reply-To: <{irt}>")
    if refs:
        lines.append("References: " + " ".join(f"<{r}>" for r in refs))
    if extra:
        lines.append(extra)
    lines += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


@pytest.fixture
def account_id(db_engine) -> int:
    with session_scope(db_engine) as session:
        user = create_user(session, "rep@acme.test", "a good password", team_name="Sales")
        account = create_account(session, KEY, user=user, addresses=["rep@acme.test", "sales@acme.test"])
        return account.id


def _account(session, account_id):
    from followup.db.models import MailAccount

    return session.get(MailAccount, account_id)


def _threads(session, account_id) -> list[set[str]]:
    groups: dict[int, set[str]] = {}
    for m in session.exec(select(Message).where(Message.account_id == account_id)):
        groups.setdefault(m.thread_id, set()).add(m.message_id_header)
    return sorted(groups.values(), key=lambda g: sorted(g))


def test_store_twice_is_one_row_and_two_folders_are_two_locations(db_engine, account_id):
    raw = mail("m1@customer.example")
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        inbox = Folder(account_id=account_id, name="INBOX", role=FolderRole.INBOX)
        archive = Folder(account_id=account_id, name="Archive", role=FolderRole.ARCHIVE)
        session.add_all([inbox, archive])
        session.flush()
        first = store_message(session, account, raw, folder=inbox, uid=1, uidvalidity=7, flags=["\\Seen"])
        again = store_message(session, account, raw, folder=inbox, uid=1, uidvalidity=7, flags=["\\Seen", "\\Answered"])
        other = store_message(session, account, raw, folder=archive, uid=9, uidvalidity=3)
        assert (first.created, first.location_added) == (True, True)
        assert (again.created, again.location_added) == (False, False)
        assert (other.created, other.location_added) == (False, True)
        assert first.message.id == again.message.id == other.message.id
    with session_scope(db_engine) as session:
        assert len(session.exec(select(Message)).all()) == 1
        locations = session.exec(select(MessageLocation).order_by(MessageLocation.uid)).all()
        assert [(l.uid, l.uidvalidity) for l in locations] == [(1, 7), (9, 3)]
        assert locations[0].flags == ["\\Answered", "\\Seen"]
        thread = session.exec(select(Thread)).one()
        assert thread.message_count == 1 and thread.needs_detection


def test_same_message_id_different_content_is_kept_twice(db_engine, account_id):
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        a = store_message(session, account, mail("dup@x", body="first"))
        b = store_message(session, account, mail("dup@x", body="second, different"))
        assert a.created and b.created and a.message.id != b.message.id
        assert a.message.thread_id == b.message.thread_id  # same id: same thread


def test_references_thread_in_any_order_and_a_linking_message_merges(db_engine, account_id):
    root = mail("a@x", subject="Order 42", at=T0)
    reply = mail("b@x", frm="rep@acme.test", to="anna@customer.example", subject="Re: Order 42",
                 irt="a@x", refs=("a@x",), at=T0 + timedelta(hours=1))
    # c only knows b: until b arrives it is in its own thread (a placeholder for b).
    late = mail("c@x", subject="Re: Something else", irt="b@x", refs=("b@x",), at=T0 + timedelta(hours=2))
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        store_message(session, account, late)
        store_message(session, account, root)
        assert len(_threads(session, account_id)) == 2
        store_message(session, account, reply)
    with session_scope(db_engine) as session:
        assert _threads(session, account_id) == [{"a@x", "b@x", "c@x"}]
        thread = session.exec(select(Thread)).one()
        assert thread.message_count == 3
        assert thread.subject == "Order 42"
        assert thread.first_message_at == T0 and thread.last_message_at == T0 + timedelta(hours=2)
        assert {k.thread_id for k in session.exec(select(ThreadKey))} == {thread.id}


def test_subject_fallback_needs_overlap_and_window(db_engine, account_id):
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        store_message(session, account, mail("s1@x", subject="Pricing"))
        joined = store_message(session, account, mail(None, subject="RE: Pricing", at=T0 + timedelta(days=3)))
        stranger = store_message(session, account, mail("s3@x", frm="bob@else.example", subject="Re: Pricing"))
        late = store_message(session, account, mail("s4@x", subject="AW: Pricing", at=T0 + timedelta(days=90)))
        first = session.exec(select(Message).where(Message.message_id_header == "s1@x")).one()
        assert joined.message.thread_id == first.thread_id
        assert stranger.message.thread_id != first.thread_id
        assert late.message.thread_id != first.thread_id


def test_gmail_thread_id_wins(db_engine, account_id):
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        a = store_message(session, account, mail("g1@x", subject="One"), gm_thrid=77, gm_msgid=1)
        b = store_message(session, account, mail("g2@x", subject="Two"), gm_thrid=77, gm_msgid=2)
        assert a.message.thread_id == b.message.thread_id
        assert b.message.gm_msgid == 2


def test_direction_and_contacts(db_engine, account_id):
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        out = store_message(session, account, mail("o@x", frm="Sales@Acme.test", to="Carl Buyer <carl@buyer-corp.co.uk>, colleague@acme.test"))
        inn = store_message(session, account, mail("i@x", frm="carl@buyer-corp.co.uk", at=T0 + timedelta(days=1)))
        news = store_message(session, account, mail("n@x", frm="news@shop.example", extra="List-Unsubscribe: <mailto:u@shop.example>"))
        assert out.message.direction == "outbound" and inn.message.direction == "inbound"
        assert news.message.is_bulk
    with session_scope(db_engine) as session:
        contacts = {c.email: c for c in session.exec(select(Contact))}
        assert set(contacts) == {"carl@buyer-corp.co.uk"}
        carl = contacts["carl@buyer-corp.co.uk"]
        assert carl.name == "Carl Buyer" and carl.company == "Buyer Corp"
        assert carl.last_message_at == T0 + timedelta(days=1)


def test_the_company_is_what_the_person_wrote_not_the_domain(db_engine, account_id):
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        store_message(session, account, mail("o1@x", frm="sales@acme.test", to="Fiona <fiona@emberbakery.co.uk>"))
    with session_scope(db_engine) as session:
        assert session.exec(select(Contact)).one().company == "Emberbakery"  # only the domain so far
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        store_message(session, account, mail(
            "i1@x", frm="fiona@emberbakery.co.uk", at=T0 + timedelta(days=1),
            body="Thanks, that works.\n\nFiona MacLeod\nHead baker, Ember Bakery\nT: +44 1631 000000"))
        # A later mail of the rep's (the domain's guess again) does not undo what she wrote.
        store_message(session, account, mail("o2@x", frm="sales@acme.test", to="fiona@emberbakery.co.uk",
                                             at=T0 + timedelta(days=2)))
        store_message(session, account, mail("i2@x", frm="dana@gmail.com", extra="Organization: Dana's Flowers"))
    with session_scope(db_engine) as session:
        contacts = {c.email: c.company for c in session.exec(select(Contact))}
        assert contacts == {"fiona@emberbakery.co.uk": "Ember Bakery", "dana@gmail.com": "Dana's Flowers"}


def test_batch_with_duplicates_inside(db_engine, account_id):
    raws = [mail(f"b{i}@x", subject="Batch", irt=f"b{i-1}@x" if i else None) for i in range(5)]
    with session_scope(db_engine) as session:
        account = _account(session, account_id)
        results = store_messages(session, account, [StoreItem(raw=r) for r in raws + raws[:2]])
        assert [r.created for r in results] == [True] * 5 + [False] * 2
        assert results[5].message is results[0].message
    with session_scope(db_engine) as session:
        assert len(_threads(session, account_id)) == 1
        assert session.exec(select(Thread)).one().message_count == 5


def test_merging_threads_keeps_their_tasks(db_engine, account_id):
    from followup.db.models import FollowUpTask, MailAccount

    with session_scope(db_engine) as session:
        account = session.get(MailAccount, account_id)
        a = store_message(session, account, mail("t1@x", subject="One"))
        b = store_message(session, account, mail("t2@x", subject="Two", at=T0 + timedelta(hours=1)))
        session.add(FollowUpTask(account_id=account_id, user_id=account.user_id, thread_id=b.message.thread_id,
                                 key="awaiting_reply:thread:x", kind="awaiting_reply", due_at=T0))
        session.flush()
        link = store_message(session, account, mail("t3@x", subject="Re: One", refs=("t1@x", "t2@x"),
                                                    at=T0 + timedelta(hours=2)))
        assert link.message.thread_id == a.message.thread_id
        task = session.exec(select(FollowUpTask)).one()
        session.refresh(task)
        assert task.thread_id == a.message.thread_id
        threads = session.exec(select(Thread)).all()
        assert len(threads) == 1 and threads[0].message_count == 3
        session.refresh(b.message)
        assert b.message.thread_id == a.message.thread_id


def test_each_message_is_stored_with_its_language(db_engine, account_id):
    raws = [mail("de@x", subject="Reklamation", body="Leider ist die Lieferung beschädigt angekommen, "
                 "bitte erstatten Sie mir den vollen Kaufpreis."),
            mail("en@x", subject="Quote", body="Could you send us a quote for 500 units by Friday?"),
            mail("empty@x", subject="", body="")]
    with session_scope(db_engine) as session:
        store_messages(session, _account(session, account_id), [StoreItem(raw=r) for r in raws])
    with session_scope(db_engine) as session:
        stored = {m.message_id_header: m.language for m in session.exec(select(Message))}
    assert stored == {"de@x": "de", "en@x": "en", "empty@x": None}


def test_each_message_keeps_its_writers_offset_from_utc(db_engine, account_id):
    tokyo = timezone(timedelta(hours=9))
    raws = [mail("tokyo@x", at=T0.astimezone(tokyo)), mail("utc@x", at=T0),
            mail("unknown@x").replace(b"+0000", b"-0000")]
    with session_scope(db_engine) as session:
        store_messages(session, _account(session, account_id), [StoreItem(raw=r) for r in raws])
    with session_scope(db_engine) as session:
        stored = {m.message_id_header: (m.sent_at, m.sent_utc_offset) for m in session.exec(select(Message))}
    assert stored == {"tokyo@x": (T0, 540), "utc@x": (T0, 0), "unknown@x": (T0, None)}

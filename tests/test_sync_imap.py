"""IMAP sync against the real Dovecot: what is stored, what is fetched again, what is marked.

Every test runs on SQLite and on PostgreSQL (the `runtime` fixture) with a fresh Dovecot
user. Helpers here (`mail`, `make_account`, `run_sync`) are also used by the other
`test_sync_*` modules.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from sqlmodel import func, select

from followup.worker.jobs import sync_account
from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import Folder, MailAccount, Message, MessageLocation, Thread, User
from followup.db.users import create_user
from inbox_sync.sync.account import AccountLock
from inbox_sync.sync.reports import SyncAlreadyRunning, SyncOptions, SyncReport

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
REP = "rep@example.com"


def mail(*, frm: str, to: str, subject: str, when: dt.datetime, msgid: str,
         in_reply_to: str | None = None, body: str = "Hello,\n\nCould you send me a quote?\n") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, to, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{msgid}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def inbound(n: int, days_ago: float = 3, subject: str | None = None) -> tuple[bytes, dt.datetime]:
    when = NOW - dt.timedelta(days=days_ago)
    raw = mail(frm=f"Customer {n} <customer{n}@client.com>", to=REP, subject=subject or f"Inquiry {n}",
               when=when, msgid=f"in-{n}@client.com", body=f"Hello,\n\nWhat does item {n} cost?\n")
    return raw, when


def make_account(rt, imap_user, *, port: int | None = None, host: str | None = None,
                 security: str = "none", password: str | None = None, since: dt.date | None = None,
                 email: str = "owner@example.com") -> int:
    with session_scope(rt.engine) as session:
        user = session.exec(select(User).where(User.email == email)).first() or create_user(
            session, email, "a long password")
        account = create_account(
            session, rt.settings.secret_key, user=user, addresses=[REP], internal_domains=["example.com"],
            imap_host=host or imap_user.host, imap_port=port or imap_user.port, security=security,
            login=imap_user.name, password=password or imap_user.password, sync_since=since,
        )
        return account.id


def run_sync(rt, account_id: int, **options) -> SyncReport:
    return sync_account(account_id, runtime=rt, options=SyncOptions(**options))


def count(rt, model, *where) -> int:
    with session_scope(rt.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def messages(rt, account_id) -> dict[str, Message]:
    with session_scope(rt.engine) as session:
        return {m.message_id_header: m for m in session.exec(select(Message).where(Message.account_id == account_id))}


def server_flags(imap_user, folder: str) -> dict[int, tuple]:
    with imap_user.client() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}


def test_first_sync_stores_inbox_and_sent_with_directions_threads_and_window(runtime, imap_user):
    inquiry_at = NOW - dt.timedelta(days=4)
    imap_user.append("INBOX", mail(frm="Ann Buyer <ann@client.com>", to=REP, subject="Quote for 40 chairs",
                                   when=inquiry_at, msgid="q1@client.com"), msg_time=inquiry_at)
    reply_at = NOW - dt.timedelta(days=3)
    imap_user.append("Sent", mail(frm=f"Rep <{REP}>", to="ann@client.com", subject="Re: Quote for 40 chairs",
                                  when=reply_at, msgid="r1@example.com", in_reply_to="q1@client.com",
                                  body="Hi Ann,\n\nThe quote is attached. Shall we go ahead?\n"),
                     msg_time=reply_at)
    other, other_at = inbound(2, days_ago=1, subject="Broken delivery")
    imap_user.append("INBOX", other, flags=[b"\\Flagged"], msg_time=other_at)
    ancient, ancient_at = inbound(3, days_ago=200)
    imap_user.append("INBOX", ancient, msg_time=ancient_at)  # outside the 90-day window
    account_id = make_account(runtime, imap_user)

    report = run_sync(runtime, account_id)

    stored = messages(runtime, account_id)
    assert set(stored) == {"q1@client.com", "r1@example.com", "in-2@client.com"}
    assert stored["q1@client.com"].direction == "inbound"
    assert stored["r1@example.com"].direction == "outbound"
    assert stored["q1@client.com"].thread_id == stored["r1@example.com"].thread_id
    assert stored["in-2@client.com"].thread_id != stored["q1@client.com"].thread_id
    assert stored["q1@client.com"].sent_at == inquiry_at
    assert report.fetched == 3 and report.created == 3
    assert {f.name: f.fetched for f in report.folders} == {"INBOX": 2, "Sent": 1, "Archive": 0}
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.sync_status == "ok" and account.last_error is None and account.last_sync_at
        assert account.sync_since == (NOW - dt.timedelta(days=90)).date()
        folders = {f.name: f for f in session.exec(select(Folder).where(Folder.account_id == account_id))}
        assert folders["INBOX"].role == "inbox" and folders["Sent"].role == "sent"
        assert folders["INBOX"].last_uid == 2 and folders["INBOX"].uidnext == 4  # uid 3 is outside the window
        flagged = session.exec(
            select(MessageLocation).join(Message).where(Message.message_id_header == "in-2@client.com")
        ).one()
        assert "\\Flagged" in flagged.flags
        thread = session.get(Thread, stored["q1@client.com"].thread_id)
        assert thread.message_count == 2
    # EXAMINE and BODY.PEEK: the sync never marks mail as read.
    assert not any(b"\\Seen" in flags for flags in server_flags(imap_user, "INBOX").values())
    assert not any(b"\\Seen" in flags for flags in server_flags(imap_user, "Sent").values())


def test_second_sync_fetches_only_new_messages_and_a_no_change_sync_fetches_nothing(runtime, imap_user):
    for n in range(1, 8):
        raw, when = inbound(n)
        imap_user.append("INBOX", raw, msg_time=when)
    account_id = make_account(runtime, imap_user)
    # parallel_parse_min=1: MIME parsing runs in the helper process, as in large first syncs.
    first = run_sync(runtime, account_id, batch_size=3, parallel_parse_min=1)
    assert first.fetched == 7 and first.created == 7 and first.folders[0].parsed_in_helper == 7
    assert first.fetch_commands == 2 * 3  # three batches of 3, 3, 1: metadata + bodies each

    for n in range(8, 10):
        raw, when = inbound(n, days_ago=0.1)
        imap_user.append("INBOX", raw, msg_time=when)
    second = run_sync(runtime, account_id, batch_size=3)
    assert second.fetched == 2 and second.created == 2
    # One FETCH (FLAGS) CHANGEDSINCE for the 7 known messages, then metadata + bodies of the 2 new.
    assert second.fetch_commands == 3
    assert {f.name: f.fetched for f in second.folders}["INBOX"] == 2

    third = run_sync(runtime, account_id)
    assert third.fetched == 0 and third.fetch_commands == 0
    assert third.commands.get("SEARCH", 0) == 0  # Dovecot offers QRESYNC: EXAMINE says nothing changed
    assert all(f.unchanged for f in third.folders)
    assert count(runtime, Message, Message.account_id == account_id) == 9


def test_deleted_and_recreated_folder_gives_no_duplicates(runtime, imap_user):
    raws = []
    for n in range(1, 4):
        raw = mail(frm=f"Rep <{REP}>", to=f"customer{n}@client.com", subject=f"Offer {n}",
                   when=NOW - dt.timedelta(days=2), msgid=f"sent-{n}@example.com")
        raws.append(raw)
        imap_user.append("Sent", raw, msg_time=NOW - dt.timedelta(days=2))
    account_id = make_account(runtime, imap_user)
    run_sync(runtime, account_id)
    with session_scope(runtime.engine) as session:
        old_validity = session.exec(select(Folder).where(Folder.name == "Sent", Folder.account_id == account_id)).one().uidvalidity

    imap_user.delete_folder("Sent")
    imap_user.create_folder("Sent")
    for raw in raws[:2]:  # the third one is gone for good
        imap_user.append("Sent", raw, msg_time=NOW - dt.timedelta(days=2))
    report = run_sync(runtime, account_id)

    sent = next(f for f in report.folders if f.name == "Sent")
    assert sent.uidvalidity_changed and sent.uidvalidity != old_validity
    assert sent.fetched == 2 and sent.created == 0 and sent.locations_added == 2
    stored = messages(runtime, account_id)
    assert len(stored) == 3
    assert not stored["sent-1@example.com"].deleted_on_server
    assert stored["sent-3@example.com"].deleted_on_server
    with session_scope(runtime.engine) as session:
        live = session.exec(select(MessageLocation).where(MessageLocation.deleted == False)).all()  # noqa: E712
        assert {loc.uidvalidity for loc in live} == {sent.uidvalidity}
        assert len(live) == 2
        assert session.get(Folder, live[0].folder_id).last_uid == 2


def test_message_deleted_on_the_server_is_marked_and_its_thread_kept(runtime, imap_user):
    for n in range(1, 4):
        raw, when = inbound(n)
        imap_user.append("INBOX", raw, msg_time=when)
    account_id = make_account(runtime, imap_user)
    run_sync(runtime, account_id)
    with imap_user.client() as client:
        client.select_folder("INBOX")
        client.delete_messages([2])
        client.expunge()

    report = run_sync(runtime, account_id)

    assert report.marked_deleted == 1 and report.fetched == 0
    stored = messages(runtime, account_id)
    assert stored["in-2@client.com"].deleted_on_server
    assert stored["in-2@client.com"].thread_id is not None
    assert not stored["in-1@client.com"].deleted_on_server and not stored["in-3@client.com"].deleted_on_server


def test_flag_changes_arrive_through_condstore(runtime, imap_user):
    raw, when = inbound(1)
    imap_user.append("INBOX", raw, msg_time=when)
    account_id = make_account(runtime, imap_user)
    run_sync(runtime, account_id)
    with imap_user.client() as client:
        client.select_folder("INBOX")
        client.add_flags([1], [b"\\Answered", b"$Customer"])

    report = run_sync(runtime, account_id)

    assert report.folders[0].flags_updated == 1 and report.fetched == 0
    with session_scope(runtime.engine) as session:
        location = session.exec(select(MessageLocation)).one()
        assert {"\\Answered", "$Customer"} <= set(location.flags) and location.modseq


def test_large_message_brings_header_and_first_text_part_only(runtime, imap_user):
    attachment = b"QUJD" * 100_000  # 400 kB of base64
    raw = (
        b"From: Ann <ann@client.com>\r\nTo: rep@example.com\r\nSubject: Complaint with photos\r\n"
        b"Message-ID: <big@client.com>\r\nDate: " + format_datetime(NOW - dt.timedelta(days=1)).encode() + b"\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BOUND\r\n\r\n"
        b"--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"The chairs arrived broken. Photos attached. Caf\xc3\xa9 table too.\r\n"
        b"--BOUND\r\nContent-Type: image/jpeg; name=photo.jpg\r\nContent-Disposition: attachment; filename=photo.jpg\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + attachment + b"\r\n--BOUND--\r\n"
    )
    imap_user.append("INBOX", raw, msg_time=NOW - dt.timedelta(days=1))
    small, when = inbound(2)
    imap_user.append("INBOX", small, msg_time=when)
    account_id = make_account(runtime, imap_user)

    report = run_sync(runtime, account_id, max_message_bytes=100_000)

    assert report.fetched == 2 and report.folders[0].truncated == 1
    stored = messages(runtime, account_id)
    big = stored["big@client.com"]
    assert "arrived broken" in big.body_text and "Café" in big.body_text
    assert big.subject == "Complaint with photos" and big.direction == "inbound"
    assert big.size < 100_000


def test_only_one_sync_of_an_account_at_a_time(runtime, imap_user):
    account_id = make_account(runtime, imap_user)
    with AccountLock(runtime.settings.data_dir / "locks", account_id):
        with pytest.raises(SyncAlreadyRunning):
            run_sync(runtime, account_id)
    assert run_sync(runtime, account_id).fetched == 0


def test_first_sync_window_follows_since(runtime, imap_user):
    for n, days in ((1, 400), (2, 100), (3, 10)):
        raw, when = inbound(n, days_ago=days)
        imap_user.append("INBOX", raw, msg_time=when)
    account_id = make_account(runtime, imap_user, since=(NOW - dt.timedelta(days=365)).date())
    run_sync(runtime, account_id)
    assert set(messages(runtime, account_id)) == {"in-2@client.com", "in-3@client.com"}


def test_server_without_condstore_or_qresync_like_outlook(runtime, imap_user):
    """Outlook offers neither extension: UIDNEXT, UID SEARCH ALL and full FLAGS do the work."""
    from inbox_sync.imap_connection import connect
    from inbox_sync.sync.account import sync_mailbox

    hidden = {"CONDSTORE", "QRESYNC", "ENABLE"}

    def plain_connect(settings):
        connection = connect(settings)
        connection._capabilities = frozenset(connection.capabilities - hidden)
        return connection

    def sync():
        return sync_mailbox(runtime.engine, account_id, secret_key=runtime.settings.secret_key,
                            options=SyncOptions(lock_dir=runtime.settings.data_dir), connect_fn=plain_connect)

    for n in range(1, 4):
        raw, when = inbound(n)
        imap_user.append("INBOX", raw, msg_time=when)
    account_id = make_account(runtime, imap_user)
    assert sync().fetched == 3
    with imap_user.client() as client:
        client.select_folder("INBOX")
        client.add_flags([1], [b"\\Answered"])
        client.delete_messages([3])
        client.expunge()
    raw, when = inbound(4)
    imap_user.append("INBOX", raw, msg_time=when)

    report = sync()

    inbox = report.folders[0]
    assert (inbox.fetched, inbox.flags_updated, inbox.marked_deleted) == (1, 1, 1)
    assert not inbox.unchanged
    stored = messages(runtime, account_id)
    assert stored["in-3@client.com"].deleted_on_server and "in-4@client.com" in stored
    again = sync()
    assert again.fetched == 0 and again.folders[0].flags_updated == 0

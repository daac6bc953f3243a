"""Write-back on Gmail: a label through X-GM-LABELS instead of a keyword.

No Gmail can run here (the test Dovecot has no X-GM-EXT-1), so this is the one place the
IMAP server is a stand-in: it keeps labels and flags per UID and records the commands.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import Folder, FollowUpTask, KeywordMark, Message, MessageLocation, TaskEvent, Thread
from followup.db.users import create_user
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection
from followup.nudges.writeback.account import writeback_account
from tests.runtimes import TEST_SECRET_KEY

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)
ALL_MAIL = "[Gmail]/All Mail"


class FakeGmailClient:
    def __init__(self) -> None:
        self.labels = {7: {"\\Inbox"}}
        self.flags = {7: {"\\Seen"}}
        self.calls: list[tuple] = []

    def capabilities(self):
        return [b"IMAP4REV1", b"X-GM-EXT-1", b"CONDSTORE", b"UIDPLUS"]

    def select_folder(self, name, readonly=False):
        self.calls.append(("select", name, readonly))
        return {b"UIDVALIDITY": 11}

    def add_gmail_labels(self, uids, labels, silent=False):
        self.calls.append(("+X-GM-LABELS", list(uids), list(labels), silent))
        for uid in uids:
            self.labels[uid] |= set(labels)

    def remove_gmail_labels(self, uids, labels, silent=False):
        self.calls.append(("-X-GM-LABELS", list(uids), list(labels), silent))
        for uid in uids:
            self.labels[uid] -= set(labels)

    def add_flags(self, *a, **kw):  # a keyword must not be used on Gmail
        raise AssertionError("STORE +FLAGS on Gmail")

    remove_flags = add_flags

    def logout(self):
        pass


class FakeGmail(ImapConnection):
    def fetch(self, uids, items, modifiers=()):
        self.client.calls.append(("fetch", list(uids), list(items)))
        out = {}
        for uid in uids:
            data = {b"FLAGS": tuple(f.encode() for f in self.client.flags[uid])}
            if "X-GM-LABELS" in items:
                data[b"X-GM-LABELS"] = tuple(label.encode() for label in self.client.labels[uid])
            out[uid] = data
        return out


def seed(rt) -> tuple[int, int, int]:
    with session_scope(rt.engine) as session:
        user = create_user(session, "rep@gmail.example", "a long password")
        account = create_account(session, TEST_SECRET_KEY, user=user, addresses=["rep@gmail.example"],
                                 imap_host="imap.gmail.com", login="rep@gmail.example", password="pw",
                                 writeback=True)
        folder = Folder(account_id=account.id, name=ALL_MAIL, role="all", uidvalidity=11, last_uid=7,
                        highestmodseq=100)
        thread = Thread(account_id=account.id, subject="Chairs", gm_thrid=42)
        session.add_all([folder, thread])
        session.flush()
        message = Message(account_id=account.id, thread_id=thread.id, message_id_header="a@client.example",
                          content_hash="h", from_addr="ann@client.example", sent_at=NOW - dt.timedelta(days=2))
        session.add(message)
        session.flush()
        location = MessageLocation(message_id=message.id, folder_id=folder.id, uidvalidity=11, uid=7,
                                   flags=["\\Seen"])
        task = FollowUpTask(account_id=account.id, user_id=user.id, thread_id=thread.id, key="needs_reply:1",
                            kind="needs_reply", due_at=NOW - dt.timedelta(hours=1))
        session.add_all([location, task])
        session.flush()
        return account.id, task.id, location.id


def test_gmail_gets_a_label_and_removing_it_marks_the_task_done(runtime):
    account_id, task_id, location_id = seed(runtime)
    client = FakeGmailClient()

    def connect(settings: ConnectionSettings):
        return FakeGmail(client, settings)

    def run():
        return writeback_account(runtime.engine, account_id, secret_key=TEST_SECRET_KEY, now=NOW,
                                 lock_dir=runtime.settings.data_dir / "locks", connect_fn=connect)

    report = run()
    assert (report.set, report.stores) == (1, 1)
    assert ("+X-GM-LABELS", [7], ["FollowUp"], True) in client.calls
    assert ("select", ALL_MAIL, False) in client.calls
    assert client.labels[7] == {"\\Inbox", "FollowUp"} and client.flags[7] == {"\\Seen"}
    with session_scope(runtime.engine) as session:
        mark = session.exec(select(KeywordMark)).one()
        assert (mark.via, mark.location_id) == ("label", location_id)
        assert session.get(MessageLocation, location_id).flags == ["\\Seen"]  # labels are not flags

    # Labels are not in the synced flags: each round checks them live, and finds nothing to do.
    client.calls.clear()
    quiet = run()
    assert (quiet.set, quiet.removed, quiet.done_in_client) == (0, 0, 0)
    assert [c[0] for c in client.calls] == ["select", "fetch"]

    # The user takes the label off in Gmail.
    client.labels[7].discard("FollowUp")
    done = run()
    assert done.done_in_client == 1
    with session_scope(runtime.engine) as session:
        assert session.get(FollowUpTask, task_id).status == "done"
        event = session.exec(select(TaskEvent).where(TaskEvent.task_id == task_id)).one()
        assert event.detail == "done in mail client: the FollowUp label was removed"
        assert session.exec(select(KeywordMark)).all() == []

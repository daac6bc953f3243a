"""Which lines of an mbox start a message: the From_ rule of inbox_sync.mailbox_files, on
mbox files as real archives write them (pipermail, Thunderbird, Google Takeout, mboxo bodies
with unescaped "From " lines)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import inbox_sync.mailbox_files as mailbox_files
from inbox_sync.importer import import_mailbox
from inbox_sync.mailbox_files import is_from_line, read_mbox
from tests.test_ingest_import import _account

UTC = timezone.utc

# Five messages. Bodies hold "From " lines after a blank line that no writer escaped (mboxo
# archives leave them), including one that carries an RFC 5322 date, which is not a From_ date.
ARCHIVE = (
    b"From jane at example.org  Tue Mar  3 10:00:00 2026\n"
    b"From: Jane Doe <jane@example.org>\nDate: Tue, 3 Mar 2026 10:00:00 +0000\n"
    b"Subject: [list] fastest csv reader?\nMessage-ID: <one@example.org>\n\n"
    b"Which one do you use?\n\n"
    b"From my experience, vroom is the fastest.\n\n"
    b"From Tue, 3 Mar 2026 10:00:00 +0000 on, the list moves.\n\n"
    b"From - to + is the range.\n\n"
    b"From - Tue Mar 03 11:00:00 2026\n"
    b"From: Tom <tom@example.org>\nDate: Tue, 3 Mar 2026 11:00:00 +0000\n"
    b"Subject: Re: [list] fastest csv reader?\nMessage-ID: <two@example.org>\n\n"
    b"From what I saw, data.table.\n\n"
    b">From the docs: escaped by an mboxrd writer.\n\n"
    b"From 1797394394942390001@xxx Wed Mar 04 09:15:07 +0100 2026\n"
    b"From: Ann <ann@example.org>\nDate: Wed, 4 Mar 2026 09:15:07 +0100\n"
    b"Subject: Takeout\nMessage-ID: <three@example.org>\n\nThird.\n\n"
    b"From \"quoted sender\"@example.org Thu Mar  5 08:00 PST 2026\n"
    b"From: Q <q@example.org>\nDate: Thu, 5 Mar 2026 08:00:00 -0800\n"
    b"Subject: Quoted\nMessage-ID: <four@example.org>\n\nFourth.\n\n"
    b"From bob@example.org Fri Mar  6 12:00:00 2026\r\n"
    b"From: Bob <bob@example.org>\r\nDate: Fri, 6 Mar 2026 12:00:00 +0000\r\n"
    b"Subject: CRLF\r\nMessage-ID: <five@example.org>\r\n\r\nFifth.\r\n\r\n"
    b"From nobody yesterday\r\nstill the fifth body\r\n"
)


def test_body_from_lines_do_not_split_messages_and_real_separators_do(tmp_path):
    path = tmp_path / "archive.mbox"
    path.write_bytes(ARCHIVE)
    messages = list(read_mbox(path))
    assert [m.raw.split(b"Message-ID: <")[1].split(b"@")[0] for m in messages] == [
        b"one", b"two", b"three", b"four", b"five"]
    one, two, three, four, five = messages
    assert one.raw.endswith(b"From my experience, vroom is the fastest.\n\n"
                            b"From Tue, 3 Mar 2026 10:00:00 +0000 on, the list moves.\n\n"
                            b"From - to + is the range.\n")
    assert two.raw.endswith(b"From what I saw, data.table.\n\nFrom the docs: escaped by an mboxrd writer.\n")
    assert five.raw.endswith(b"Fifth.\r\n\r\nFrom nobody yesterday\r\nstill the fifth body\r\n")
    assert [m.internal_date for m in messages] == [
        datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 9, 15, 7, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 3, 5, 8, 0, tzinfo=UTC),  # a zone name says no offset we can trust
        datetime(2026, 3, 6, 12, 0, tzinfo=UTC),
    ]


def test_the_rule_does_not_depend_on_the_block_size(tmp_path, monkeypatch):
    path = tmp_path / "archive.mbox"
    path.write_bytes(ARCHIVE)
    whole = [(m.raw, m.internal_date) for m in read_mbox(path)]
    for block in (1, 5, 9, 64, 333):
        monkeypatch.setattr(mailbox_files, "READ_BLOCK", block)
        assert [(m.raw, m.internal_date) for m in read_mbox(path)] == whole


def test_an_archive_imports_without_half_messages(db_engine, tmp_path):
    path = tmp_path / "archive.mbox"
    path.write_bytes(ARCHIVE)
    summary = import_mailbox(db_engine, _account(db_engine), path)
    assert (summary.read, summary.stored, summary.warnings, summary.failed) == (5, 5, 0, 0)


@pytest.mark.parametrize("line", [
    b"From jane at example.org  Tue Mar  3 10:00:00 2026",
    b"From - Tue Mar 03 10:00:00 2026",
    b"From MAILER-DAEMON Mon Mar  2 09:00:00 2026",
    b"From a@b.example Mon Mar 2 09:00 2026",
    b"From a@b.example Mon Mar  2 09:00:00 +0000 2026",
    b"From a@b.example Mon Mar  2 09:00:00 MET DST 2026",
    b"From a@b.example mon mar  2 09:00:00 2026\r",
    b"From  Mon Mar  2 09:00:00 2026",
])
def test_from_lines_real_writers_use(line):
    assert is_from_line(line)


@pytest.mark.parametrize("line", [
    b"From my experience, vroom is the fastest",
    b"From a@b.example Tue, 3 Mar 2026 10:00:00 +0000",
    b"From here on Tue Mar  3 10:00:00 2026",
    b"From a@b.example Mon Mar  2 2026",
    b"From a@b.example Mon Foo  2 09:00:00 2026",
    b"From: a@b.example",
    b">From a@b.example Mon Mar  2 09:00:00 2026",
])
def test_lines_that_are_not_from_lines(line):
    assert not is_from_line(line)

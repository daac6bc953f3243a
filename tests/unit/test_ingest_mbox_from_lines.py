"""Which lines of an mbox start a message: the From_ rule of inbox_sync.mailbox_files, on
mbox files as real archives write them (pipermail, Thunderbird, Google Takeout, mboxo bodies
with unescaped "From " lines)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import inbox_sync.mailbox_files as mailbox_files
from inbox_sync.mailbox_files import is_from_line, read_mbox
from tests.mail_corpus import FROM_LINES_ARCHIVE as ARCHIVE

UTC = timezone.utc

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

"""The mbox reader: streamed, the same messages as the standard library whatever the block
size, From_ lines in bodies and dates, and a file that is not a mailbox."""

from __future__ import annotations

import mailbox
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from followup.demo import write_demo_mbox
from inbox_sync.mailbox_files import MailboxError, read_mailbox, read_mbox
from tests.mail_corpus import write_fixture_mbox
from tests.paths import MAIL_FIXTURES as FIXTURES

FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)


@pytest.mark.slow
def test_mbox_reader_streams_and_matches_the_standard_library(tmp_path):
    summary = write_demo_mbox(tmp_path / "demo.mbox", NOW)
    box = mailbox.mbox(str(summary.path))
    try:
        expected = [(box.get_bytes(key), box.get_message(key).get_from()) for key in box.iterkeys()]
    finally:
        box.close()
    got = list(read_mbox(summary.path))
    assert len(got) == len(expected) == summary.messages
    for message, (raw, from_line) in zip(got, expected):
        assert message.raw.replace(b">From ", b"From ") == raw.replace(b">From ", b"From ")
        assert message.internal_date is not None
        assert message.internal_date.strftime("%Y") in from_line


def test_mbox_from_lines_in_bodies_and_dates(tmp_path):
    path = tmp_path / "x.mbox"
    path.write_bytes(
        b"From a@x Mon Mar  2 09:00:00 2026\nFrom: a@x.example\nSubject: one\n\n"
        b"Hello\n>From the start of the line\n\n"
        b"From b@y Tue Mar  3 10:30:00 2026\nFrom: b@y.example\nSubject: two\n\nBye\n")
    one, two = read_mbox(path)
    assert one.raw.endswith(b"Hello\nFrom the start of the line\n")
    assert one.internal_date == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    assert two.internal_date == datetime(2026, 3, 3, 10, 30, tzinfo=timezone.utc)
    assert two.raw.endswith(b"Bye\n")


def test_not_a_mailbox(tmp_path):
    with pytest.raises(MailboxError):
        list(read_mailbox(tmp_path / "missing"))
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(MailboxError, match="not an mbox"):
        list(read_mailbox(tmp_path / "plain.txt"))


def test_mbox_reader_gives_the_same_messages_whatever_the_block_size(tmp_path, monkeypatch):
    import inbox_sync.mailbox_files as files

    path = tmp_path / "f.mbox"
    write_fixture_mbox(path)
    whole = [(m.raw, m.internal_date) for m in read_mbox(path)]
    for block in (7, 64, 1000):
        monkeypatch.setattr(files, "READ_BLOCK", block)
        assert [(m.raw, m.internal_date) for m in read_mbox(path)] == whole
    assert [m.raw for m in read_mbox(path)] == [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]

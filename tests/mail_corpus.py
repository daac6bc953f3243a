"""The team's mail test data: the fixture corpus (tests/fixtures/mail, what each message
must parse to in expected.yaml) and an mbox archive with "From " lines in its bodies."""

from __future__ import annotations

import mailbox
from datetime import datetime
from pathlib import Path

import yaml

from inbox_sync.parse import parse_message
from tests.paths import MAIL_FIXTURES

EXPECTED = yaml.safe_load((MAIL_FIXTURES / "expected.yaml").read_text(encoding="utf-8"))


def internal_date(case: dict) -> datetime | None:
    value = case.get("internal_date")
    return datetime.fromisoformat(value) if value else None


def parsed(case: dict):
    raw = (MAIL_FIXTURES / case["file"]).read_bytes()
    return parse_message(raw, internal_date=internal_date(case))


def write_fixture_mbox(path: Path) -> int:
    """An mbox at `path` holding every message of the corpus: how many."""
    box = mailbox.mbox(str(path), create=True)
    files = sorted(MAIL_FIXTURES.glob("*.eml"))
    for file in files:
        box.add(file.read_bytes())
    box.flush()
    box.close()
    return len(files)


# Five messages. Bodies hold "From " lines after a blank line that no writer escaped (mboxo
# archives leave them), including one that carries an RFC 5322 date, which is not a From_ date.
FROM_LINES_ARCHIVE = (
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

"""An mbox archive whose bodies hold unescaped "From " lines imports whole on SQLite and
PostgreSQL: no half messages."""

from __future__ import annotations

from datetime import timezone

from inbox_sync.importer import import_mailbox
from tests.mail_corpus import FROM_LINES_ARCHIVE as ARCHIVE
from tests.rows import add_import_account

UTC = timezone.utc


def test_an_archive_imports_without_half_messages(db_engine, tmp_path):
    path = tmp_path / "archive.mbox"
    path.write_bytes(ARCHIVE)
    summary = import_mailbox(db_engine, add_import_account(db_engine), path)
    assert (summary.read, summary.stored, summary.warnings, summary.failed) == (5, 5, 0, 0)

"""`followup import` and the importer: mbox (streamed), Maildir, a folder of .eml files,
idempotence, the summary and exit status, and the demo mailbox end to end."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from followup.db.models import Message, Thread
from followup.db.session import session_scope
from followup.demo import DEMO_INTERNAL_DOMAIN, DEMO_USER_EMAIL, write_demo_mbox
from inbox_sync.importer import import_mailbox
from inbox_sync.mailbox_files import read_mailbox
from tests.mail_corpus import write_fixture_mbox
from tests.paths import MAIL_FIXTURES as FIXTURES
from tests.rows import add_import_account

FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)


def run(args, env, stdin=""):
    return subprocess.run(FOLLOWUP + args, input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_demo_mailbox_imports_with_expected_threads_and_no_warnings(app_env, tmp_path):
    summary = write_demo_mbox(tmp_path / "demo.mbox", NOW)
    assert run(["user", "add", DEMO_USER_EMAIL], app_env, stdin="a good password\n").returncode == 0
    added = run(["account", "add", "--user", DEMO_USER_EMAIL, "--address", DEMO_USER_EMAIL,
                 "--internal-domain", DEMO_INTERNAL_DOMAIN, "--json"], app_env)
    assert added.returncode == 0, added.stderr
    account = str(json.loads(added.stdout)["id"])

    first = run(["import", str(summary.path), "--account", DEMO_USER_EMAIL, "--json",
                 "--now", NOW.isoformat()], app_env)
    assert first.returncode == 0, first.stderr
    result = last_json(first.stdout)
    assert result["read"] == result["stored"] == summary.messages
    assert result["warnings"] == 0 and result["failed"] == 0 and result["duplicates"] == 0
    assert result["threads"] == summary.stored_threads

    again = run(["import", str(summary.path), "--account", account, "--json",
                 "--now", NOW.isoformat()], app_env)
    assert again.returncode == 0, again.stderr
    result = last_json(again.stdout)
    assert result["stored"] == 0 and result["duplicates"] == summary.messages
    assert result["threads"] == summary.stored_threads


def test_import_summary_line_and_errors_are_one_line(app_env, tmp_path):
    run(["user", "add", "rep@acme.test"], app_env, stdin="a good password\n")
    run(["account", "add", "--user", "rep@acme.test", "--address", "rep@acme.test"], app_env)
    mbox = tmp_path / "f.mbox"
    count = write_fixture_mbox(mbox)
    done = run(["import", str(mbox), "--account", "rep@acme.test"], app_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"read {count}, stored {count}, duplicates 0")
    not_mail = tmp_path / "notes.txt"
    not_mail.write_text("just some notes\n")
    bad = run(["import", str(not_mail), "--account", "rep@acme.test"], app_env)
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("Error:") and "not an mbox" in bad.stderr
    unknown = run(["import", str(mbox), "--account", "nobody@acme.test"], app_env)
    assert unknown.returncode == 1 and "no account" in unknown.stderr


def test_a_message_the_database_refuses_fails_alone_and_sets_the_exit_status(app_env, poisoned, tmp_path):
    run(["user", "add", "rep@acme.test"], app_env, stdin="a good password\n")
    run(["account", "add", "--user", "rep@acme.test", "--address", "rep@acme.test"], app_env)
    mbox = tmp_path / "p.mbox"
    count = write_fixture_mbox(mbox)
    box = mailbox.mbox(str(mbox))
    box.add(b"From: x@y.example\nSubject: Poison\nMessage-ID: <poison@y>\n\nbad\n")
    box.flush()
    box.close()
    result = run(["import", str(mbox), "--account", "rep@acme.test", "--json"], app_env)
    assert result.returncode == 1
    summary = last_json(result.stdout)
    assert summary["failed"] == 1 and summary["stored"] == count
    assert "refused by trigger" in result.stderr


def test_an_empty_message_does_not_stop_this_or_later_imports(app_env, db_engine, tmp_path):
    # A 0-byte .eml beside normal mail crashed classification, and every later import of the
    # account failed on the same pending message.
    run(["user", "add", "rep@acme.test"], app_env, stdin="a good password\n")
    run(["account", "add", "--user", "rep@acme.test", "--address", "rep@acme.test"], app_env)
    files = sorted(FIXTURES.glob("*.eml"))
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    (first / "empty.eml").write_bytes(b"")
    (first / "normal.eml").write_bytes(files[0].read_bytes())
    (later / "normal.eml").write_bytes(files[1].read_bytes())
    for folder, stored in ((first, 2), (later, 1)):
        result = run(["import", str(folder), "--account", "rep@acme.test", "--json",
                      "--now", NOW.isoformat()], app_env)
        assert result.returncode == 0, result.stderr
        summary = last_json(result.stdout)
        assert (summary["stored"], summary["failed"]) == (stored, 0)
        assert summary["processed"]["classified"] == stored
        assert summary["processed"]["classify_errors"] == []
    with session_scope(db_engine) as session:
        messages = session.exec(select(Message)).all()
    assert len(messages) == 3 and all(m.classified_at is not None and m.label for m in messages)
    assert [m.label for m in messages if not m.body_text and not m.subject] == ["other"]


def test_maildir_and_eml_folder_import_and_reimport(db_engine, tmp_path):
    account_id = add_import_account(db_engine)
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    sent = maildir.add_folder("Sent")
    files = sorted(FIXTURES.glob("*.eml"))
    for i, file in enumerate(files):
        (sent if i % 4 == 0 else maildir).add(file.read_bytes())
    first = import_mailbox(db_engine, account_id, tmp_path / "Maildir", batch_size=7)
    assert (first.read, first.stored, first.failed) == (len(files), len(files), 0)
    # The same messages as loose .eml files: all duplicates.
    again = import_mailbox(db_engine, account_id, FIXTURES)
    assert (again.read, again.stored, again.duplicates) == (len(files), 0, len(files))
    assert again.threads == first.threads
    with session_scope(db_engine) as session:
        assert len(session.exec(select(Message).where(Message.account_id == account_id)).all()) == len(files)
        counts = sum(t.message_count for t in session.exec(select(Thread).where(Thread.account_id == account_id)))
        assert counts == len(files)


def test_a_single_message_file_imports(db_engine, tmp_path):
    account_id = add_import_account(db_engine)
    one = FIXTURES / "01-inquiry-plain.eml"
    summary = import_mailbox(db_engine, account_id, one)
    assert (summary.read, summary.stored, summary.failed) == (1, 1, 0)
    assert [m.raw for m in read_mailbox(one)] == [one.read_bytes()]
    # As some archives hold them: blank lines before the header, or no header at all.
    indented = tmp_path / "indented"
    indented.write_bytes(b"   \n\r\n" + one.read_bytes().replace(b"Message-ID: <", b"Message-ID: <x"))
    garbled = tmp_path / "garbled.eml"
    garbled.write_bytes(b"\x00\x01 not a header\n\nbody\n")
    for path in (indented, garbled):
        summary = import_mailbox(db_engine, account_id, path)
        assert (summary.read, summary.stored, summary.failed) == (1, 1, 0)


def _stored(engine, account_id: int) -> list[tuple]:
    """What the thread view shows of each stored message, with its thread's other messages."""
    with session_scope(engine) as session:
        messages = session.exec(select(Message).where(Message.account_id == account_id)).all()
        threads: dict[int, set[str]] = {}
        for m in messages:
            threads.setdefault(m.thread_id, set()).add(m.message_id_header)
        return sorted((m.message_id_header, m.direction, m.subject, m.body_text, m.quoted_text, m.language,
                       m.is_auto_reply, m.is_bulk, m.parse_warnings, sorted(threads[m.thread_id]))
                      for m in messages)


def test_parsing_in_worker_processes_stores_what_parsing_here_does(db_engine, tmp_path):
    mbox = tmp_path / "fixtures.mbox"
    count = write_fixture_mbox(mbox)
    here = add_import_account(db_engine)
    workers = add_import_account(db_engine, address="rep2@acme.test")
    first = import_mailbox(db_engine, here, mbox, batch_size=3)
    # Small batches: many in flight at once, each stored in mailbox order all the same.
    second = import_mailbox(db_engine, workers, mbox, batch_size=3, parse_workers=2)
    assert (second.read, second.stored, second.warnings, second.threads) == \
        (count, first.stored, first.warnings, first.threads)
    mine, theirs = _stored(db_engine, here), _stored(db_engine, workers)
    assert len(mine) == first.stored
    assert [row[:1] + row[2:] for row in mine] == [row[:1] + row[2:] for row in theirs]


def _labels(engine, account_id: int) -> list[tuple]:
    """What the thread view and detection read of each message's classification."""
    with session_scope(engine) as session:
        return sorted((m.message_id_header, m.label, round(m.confidence or 0, 6), m.needs_reply, m.evidence,
                       m.model_version) for m in session.exec(select(Message).where(Message.account_id == account_id)))


def test_labelling_each_batch_as_it_is_stored_labels_as_labelling_after_the_import(runtime, db_engine, tmp_path):
    from followup.pipeline import PendingClassifier, process_account

    mbox = tmp_path / "fixtures.mbox"
    count = write_fixture_mbox(mbox)
    after = add_import_account(db_engine)
    during = add_import_account(db_engine, address="rep2@acme.test")
    import_mailbox(db_engine, after, mbox, batch_size=3)
    process_account(runtime, after, NOW)
    classifier = PendingClassifier(runtime, during)
    labelled_at_each_batch = []

    def label_the_batch():
        classifier()
        labelled_at_each_batch.append(classifier.classified)

    import_mailbox(db_engine, during, mbox, batch_size=3, parse_workers=1, after_batch=label_the_batch)
    # Each call labelled the batch just stored, while the worker parsed the next one.
    assert labelled_at_each_batch == [min(count, 3 * (i + 1)) for i in range((count + 2) // 3)]
    report = process_account(runtime, during, NOW, classifier)
    assert report.classified == count and report.classify_errors == []
    assert _labels(db_engine, during) == _labels(db_engine, after)


def test_a_model_that_does_not_load_fails_the_command_after_every_batch_is_stored(runtime, db_engine, tmp_path,
                                                                               monkeypatch):
    import nlp
    from followup.pipeline import PendingClassifier, process_account

    def unreadable(path=None):
        raise OSError("the model folder cannot be read")

    monkeypatch.setattr(nlp, "load_classifier", unreadable)
    mbox = tmp_path / "fixtures.mbox"
    count = write_fixture_mbox(mbox)
    account_id = add_import_account(db_engine)
    classifier = PendingClassifier(runtime, account_id)
    summary = import_mailbox(db_engine, account_id, mbox, batch_size=3, after_batch=classifier)
    assert (summary.read, summary.stored, summary.failed) == (count, count, 0)
    with pytest.raises(OSError, match="cannot be read"):
        process_account(runtime, account_id, NOW, classifier)

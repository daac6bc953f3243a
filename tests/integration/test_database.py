"""The schema on SQLite and PostgreSQL: migrations, constraints, encrypted secrets."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from followup.db.accounts import account_password, create_account, find_account
from followup.db.session import (
    current_revision, head_revision, newest_migration, session_scope, stored_revision, upgrade,
)
from followup.db.models import FollowUpTask, MailAccount, Message, TaskEvent, Thread, User
from followup.db.users import UserError, create_user, verify_password

KEY = "test-secret-key-0123456789abcdef"


def test_schema_is_at_head_and_upgrade_is_idempotent(db_engine):
    assert current_revision(db_engine) == head_revision(db_engine)
    before, after = upgrade(db_engine)
    assert before == after == head_revision(db_engine)
    tables = set(inspect(db_engine).get_table_names())
    assert {"user", "team", "mailaccount", "folder", "message", "messagelocation", "thread",
            "contact", "followuptask", "taskevent", "labelfeedback"} <= tables


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db_engine):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_imap_password_is_encrypted_at_rest(db_engine):
    with session_scope(db_engine) as session:
        user = create_user(session, "rep@example.com", "correct horse", team_name="Sales")
        account = create_account(session, KEY, user=user, addresses=["rep@example.com"],
                                 imap_host="imap.example.com", login="rep", password="s3cr3t-imap-pw")
        account_id = account.id
    with db_engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_encrypted FROM mailaccount")).scalar()
        dump = " ".join(str(v) for v in conn.execute(text("SELECT * FROM mailaccount")).one())
    assert stored and "s3cr3t-imap-pw" not in stored and "s3cr3t-imap-pw" not in dump
    with session_scope(db_engine) as session:
        assert account_password(session.get(MailAccount, account_id), KEY) == "s3cr3t-imap-pw"
        assert find_account(session, "REP@example.com").id == account_id


def test_users_have_hashed_passwords_and_unique_emails(db_engine):
    with session_scope(db_engine) as session:
        user = create_user(session, "Lead@Example.com", "long and strong enough", team_name="EMEA", lead=True)
        assert user.email == "lead@example.com" and user.role == "lead"
        assert "long and strong enough" not in user.password_hash
        assert verify_password(user, "long and strong enough") and not verify_password(user, "wrong")
    with session_scope(db_engine) as session:
        with pytest.raises(UserError, match="already exists"):
            create_user(session, "lead@example.com", "another good password")


def test_datetimes_come_back_as_aware_utc(db_engine):
    sent = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    with session_scope(db_engine) as session:
        user = create_user(session, "a@example.com", "a good password")
        account = create_account(session, KEY, user=user, addresses=["a@example.com"])
        thread = Thread(account_id=account.id, subject="Quote")
        session.add(thread)
        session.flush()
        session.add(Message(account_id=account.id, thread_id=thread.id, message_id_header="m1@x",
                            content_hash="h1", sent_at=sent, to_addrs=["b@acme.com"]))
    with session_scope(db_engine) as session:
        message = session.exec(select(Message)).one()
        assert message.sent_at == sent and message.sent_at.tzinfo is not None
        assert message.to_addrs == ["b@acme.com"]


def test_same_message_id_with_other_content_is_kept_but_exact_duplicate_is_refused(db_engine):
    now = datetime.now(timezone.utc)
    with session_scope(db_engine) as session:
        user = create_user(session, "a@example.com", "a good password")
        account_id = create_account(session, KEY, user=user, addresses=["a@example.com"]).id
        session.add(Message(account_id=account_id, message_id_header="dup@x", content_hash="one", sent_at=now))
        session.add(Message(account_id=account_id, message_id_header="dup@x", content_hash="two", sent_at=now))
    with pytest.raises(IntegrityError):
        with session_scope(db_engine) as session:
            session.add(Message(account_id=account_id, message_id_header="dup@x", content_hash="one", sent_at=now))


def test_deleting_an_account_takes_its_mail_and_tasks_with_it(db_engine):
    now = datetime.now(timezone.utc)
    with session_scope(db_engine) as session:
        user = create_user(session, "a@example.com", "a good password")
        account = create_account(session, KEY, user=user, addresses=["a@example.com"])
        thread = Thread(account_id=account.id)
        session.add(thread)
        session.flush()
        session.add(Message(account_id=account.id, thread_id=thread.id, message_id_header="m",
                            content_hash="h", sent_at=now))
        task = FollowUpTask(account_id=account.id, user_id=user.id, thread_id=thread.id,
                            key="needs_reply:1", kind="needs_reply", due_at=now)
        session.add(task)
        session.flush()
        session.add(TaskEvent(task_id=task.id, event="opened"))
    with session_scope(db_engine) as session:
        session.delete(session.exec(select(MailAccount)).one())
    with session_scope(db_engine) as session:
        for model in (Message, Thread, FollowUpTask, TaskEvent):
            assert session.exec(select(model)).all() == []
        assert session.exec(select(User)).one().email == "a@example.com"


def test_the_newest_migration_file_is_alembics_head(db_engine):
    # ensure_schema trusts the file names instead of importing Alembic on every command.
    assert newest_migration() == head_revision(db_engine)
    assert stored_revision(db_engine) == current_revision(db_engine)

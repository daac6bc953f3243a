"""Secrets at rest: the OAuth2 token command is encrypted like the IMAP password, in every
column and in the SQLite file and its WAL; a command stored in plain text before still works."""

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from followup.bootstrap import bootstrap
from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import MailAccount
from followup.db.users import create_user
from inbox_sync.imap_connection import ConnectionSettings

TOKEN_CMD = "oauth2-helper --client-secret TOKCMD-s3cret-42"


def stored_bytes(engine) -> bytes:
    """The SQLite database file and its WAL as they are on disk (empty on PostgreSQL)."""
    if engine.url.get_backend_name() != "sqlite":
        return b""
    path = Path(make_url(str(engine.url)).database)
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def add_oauth2_account(engine, secret_key) -> int:
    with session_scope(engine) as session:
        user = create_user(session, "rep@example.com", "correct horse")
        return create_account(session, secret_key, user=user, addresses=["rep@example.com"],
                              imap_host="imap.example.com", login="rep", oauth2_token_cmd=TOKEN_CMD).id


def test_oauth2_token_command_is_encrypted_at_rest(runtime):
    account_id = add_oauth2_account(runtime.engine, runtime.settings.secret_key)
    with runtime.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM mailaccount")).one()
        assert "TOKCMD-s3cret" not in " ".join(str(v) for v in row)
        assert b"TOKCMD-s3cret" not in stored_bytes(runtime.engine)
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert ConnectionSettings.for_account(account, runtime.settings.secret_key).oauth2_token_cmd == TOKEN_CMD


def test_a_plain_token_command_from_before_works_and_is_encrypted_on_bootstrap(runtime):
    account_id = add_oauth2_account(runtime.engine, runtime.settings.secret_key)
    with runtime.engine.begin() as conn:  # as a row written before the command was encrypted
        conn.execute(text("UPDATE mailaccount SET oauth2_token_cmd = :cmd"), {"cmd": TOKEN_CMD})
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert ConnectionSettings.for_account(account, runtime.settings.secret_key).oauth2_token_cmd == TOKEN_CMD

    rt = bootstrap(runtime.settings)
    with rt.engine.connect() as conn:
        stored = conn.execute(text("SELECT oauth2_token_cmd FROM mailaccount")).scalar()
    assert stored and "TOKCMD-s3cret" not in stored
    with session_scope(rt.engine) as session:
        account = session.get(MailAccount, account_id)
        assert ConnectionSettings.for_account(account, rt.settings.secret_key).oauth2_token_cmd == TOKEN_CMD

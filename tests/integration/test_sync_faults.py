"""Faults: connections cut mid-batch, a server restart, wrong passwords, TLS, DNS, timeouts."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from followup.db.session import session_scope
from followup.db.models import Folder, MailAccount, Message, MessageLocation
from inbox_sync.imap_connection import ConnectionSettings, connect
from inbox_sync.imap_errors import AuthenticationError, ConnectTimeoutError, HostNotFoundError, InsecureConnectionError, TLSError
from tests.integration.mailboxes import count, inbound, make_account, run_sync

FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]


def fill(imap_user, n: int, folder: str = "INBOX") -> None:
    with imap_user.client() as client:
        batch = []
        for i in range(1, n + 1):
            raw, when = inbound(i, days_ago=1 + i / 1000)
            batch.append({"msg": raw, "date": when})
        client.multiappend(folder, batch)


def account_row(rt, account_id) -> MailAccount:
    with session_scope(rt.engine) as session:
        return session.get(MailAccount, account_id)


def test_connection_cut_mid_batch_resumes_and_ends_complete_without_duplicates(runtime, imap_user, cutting_proxy):
    fill(imap_user, 300)
    # The first two connections are cut after 40 kB and 90 kB from the server, in the
    # middle of a FETCH of 50 bodies (about 1/2 kB each); the third passes.
    proxy = cutting_proxy(imap_user.host, imap_user.port, cut_after_bytes=[40_000, 90_000])
    account_id = make_account(runtime, imap_user, port=proxy.port)

    report = run_sync(runtime, account_id, batch_size=50, backoff=0.05)

    assert proxy.cuts == 2 and report.retries == 2 and report.connections == 3
    assert count(runtime, Message, Message.account_id == account_id) == 300
    assert count(runtime, MessageLocation) == 300
    with session_scope(runtime.engine) as session:
        distinct = session.exec(select(func.count(func.distinct(Message.message_id_header)))).one()
    assert distinct == 300
    assert report.fetched < 300 + 2 * 50  # resumed from the checkpoint, not from the start
    assert account_row(runtime, account_id).sync_status == "ok"


def test_connection_cut_every_time_fails_with_a_clear_error(runtime, imap_user, cutting_proxy):
    fill(imap_user, 50)
    proxy = cutting_proxy(imap_user.host, imap_user.port, cut_after_bytes=3_000)
    account_id = make_account(runtime, imap_user, port=proxy.port)
    with pytest.raises(Exception, match="was lost"):
        run_sync(runtime, account_id, batch_size=10, backoff=0.01, max_attempts=3)
    account = account_row(runtime, account_id)
    assert account.sync_status == "error" and "was lost" in account.last_error
    assert proxy.connections == 3


def test_server_restart_in_the_middle_of_a_sync_is_survived(runtime, imap_user, dovecot):
    fill(imap_user, 120)
    account_id = make_account(runtime, imap_user)
    restarted = []

    def connect_and_restart_after_first_fetch(settings):
        connection = connect(settings)
        original = connection.fetch

        def fetch(uids, items, modifiers=()):
            result = original(uids, items, modifiers)
            if not restarted and any(i.startswith("BODY.PEEK[]") for i in items):
                restarted.append(True)
                dovecot.restart()
            return result

        connection.fetch = fetch
        return connection

    from followup.worker.jobs import sync_account
    from inbox_sync.sync.reports import SyncOptions
    from inbox_sync.sync.account import sync_mailbox

    # prefetch=False: the restart must run on the main thread (the harness starts Dovecot with
    # PR_SET_PDEATHSIG, which fires when the *thread* that started it ends).
    report = sync_mailbox(runtime.engine, account_id, secret_key=runtime.settings.secret_key,
                          options=SyncOptions(batch_size=40, backoff=0.2, lock_dir=runtime.settings.data_dir,
                                              prefetch=False),
                          connect_fn=connect_and_restart_after_first_fetch)
    assert restarted and report.retries >= 1
    assert count(runtime, Message, Message.account_id == account_id) == 120
    assert sync_account(account_id, runtime=runtime).fetched == 0


def run_cli(args, env, stdin=""):
    return subprocess.run(FOLLOWUP + args, input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_wrong_password_is_a_clear_error_on_the_account_and_exit_status(runtime, app_env, imap_user):
    raw, when = inbound(1)
    imap_user.append("INBOX", raw, msg_time=when)
    bad = make_account(runtime, imap_user, password="not-the-password")
    good = make_account(runtime, imap_user)

    one = run_cli(["sync", "--account", str(bad)], app_env)
    assert one.returncode == 1
    assert f"rejected the login for '{imap_user.name}'" in one.stderr

    every = run_cli(["sync", "--all", "--json"], app_env)
    assert every.returncode == 1
    results = {r["account_id"]: r for r in json.loads(every.stdout)}
    assert results[bad]["ok"] is False and results[bad]["status"] == "auth_failed"
    assert results[good]["ok"] is True and results[good]["fetched"] == 1

    listed = {a["id"]: a for a in json.loads(run_cli(["account", "list", "--json"], app_env).stdout)}
    assert listed[bad]["sync_status"] == "auth_failed"
    assert "rejected the login" in listed[bad]["last_error"]
    assert listed[good]["sync_status"] == "ok" and listed[good]["last_error"] is None


def test_revoked_login_is_marked_auth_failed(runtime, imap_user, dovecot):
    account_id = make_account(runtime, imap_user)
    run_sync(runtime, account_id)
    dovecot.set_password(imap_user.name, "changed-elsewhere")
    with pytest.raises(AuthenticationError):
        run_sync(runtime, account_id)
    account = account_row(runtime, account_id)
    assert account.sync_status == "auth_failed" and "rejected the login" in account.last_error


def _settings(imap_user, **overrides) -> ConnectionSettings:
    values = dict(host=imap_user.host, port=imap_user.port, security="none", login=imap_user.name,
                  password=imap_user.password, timeout=5)
    values.update(overrides)
    return ConnectionSettings(**values)


def test_tls_is_verified_by_default(imap_user, dovecot, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(TLSError, match="could not be verified"):
        connect(_settings(imap_user, host="localhost", port=dovecot.ssl_port, security="ssl"))
    # Trusting the server's certificate (SSL_CERT_FILE), implicit TLS and STARTTLS both work.
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cafile))
    with connect(_settings(imap_user, host="localhost", port=dovecot.ssl_port, security="ssl")) as conn:
        assert conn.has("IMAP4REV1")
    with connect(_settings(imap_user, host="localhost", security="starttls")) as conn:
        assert conn.client._starttls_done
    monkeypatch.delenv("SSL_CERT_FILE")
    with connect(_settings(imap_user, host="localhost", port=dovecot.ssl_port, security="ssl", verify_tls=False)):
        pass


def test_tls_failure_is_stored_on_the_account(runtime, imap_user, dovecot, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    account_id = make_account(runtime, imap_user, host="localhost", port=dovecot.ssl_port, security="ssl")
    with pytest.raises(TLSError):
        run_sync(runtime, account_id)
    account = account_row(runtime, account_id)
    assert account.sync_status == "error" and "could not be verified" in account.last_error


def test_dns_timeout_and_plain_text_errors(imap_user):
    with pytest.raises(HostNotFoundError, match="does not resolve"):
        connect(_settings(imap_user, host="no-such-host.invalid", security="ssl"))
    with pytest.raises(InsecureConnectionError, match="only allowed to a loopback"):
        connect(_settings(imap_user, host="192.0.2.1"))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the TCP connection, never says a word
    try:
        with pytest.raises(ConnectTimeoutError, match="did not answer within 1 s"):
            connect(_settings(imap_user, port=silent.getsockname()[1], timeout=1))
    finally:
        silent.close()
    with pytest.raises(AuthenticationError, match="rejected the login"):
        connect(_settings(imap_user, password="wrong"))


def test_a_message_the_database_refuses_is_skipped_recorded_and_the_sync_goes_on(runtime, imap_user, poisoned):
    # Before, the batch holding it failed, the checkpoint never moved and every retry failed on it.
    with imap_user.client() as client:
        client.multiappend("INBOX", [{"msg": raw, "date": when} for raw, when in (
            inbound(n, days_ago=1 + n / 1000, subject="Poison" if n == 3 else None) for n in range(1, 7))])
        client.select_folder("INBOX", readonly=True)
        poison_uid = client.search(["SUBJECT", "Poison"])[0]
    account_id = make_account(runtime, imap_user)

    report = run_sync(runtime, account_id, batch_size=4)

    assert count(runtime, Message, Message.account_id == account_id) == 5
    inbox = next(f for f in report.folders if f.name == "INBOX")
    assert inbox.refused == [poison_uid]
    account = account_row(runtime, account_id)
    assert account.sync_status == "ok"
    assert f"INBOX UID {poison_uid}" in account.last_error and "refused by trigger" in account.last_error
    with session_scope(runtime.engine) as session:
        folder = session.exec(select(Folder).where(Folder.account_id == account_id, Folder.name == "INBOX")).one()
        assert folder.refused_uids == [poison_uid] and folder.last_uid == poison_uid + 3

    with imap_user.client() as client:  # new mail after it still arrives; the refused one is not fetched again
        raw, when = inbound(7, days_ago=1)
        client.append("INBOX", raw, msg_time=when)
    again = run_sync(runtime, account_id, batch_size=4)
    assert next(f for f in again.folders if f.name == "INBOX").fetched == 1
    assert count(runtime, Message, Message.account_id == account_id) == 6
    assert f"INBOX UID {poison_uid}" in account_row(runtime, account_id).last_error

"""`followup account add|test` and `followup sync` as a user runs them, against the real Dovecot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from followup.db.session import session_scope
from followup.db.models import Message
from tests.test_sync_imap import inbound

FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]


def run(args, env, stdin=""):
    return subprocess.run(FOLLOWUP + args, input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def add_account(app_env, imap_user, *extra) -> int:
    assert run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n").returncode == 0
    added = run(["account", "add", "--user", "rep@example.com", "--imap-host", imap_user.host,
                 "--port", str(imap_user.port), "--security", "none", "--login", imap_user.name,
                 "--address", "rep@example.com", "--json", *extra], app_env, stdin=imap_user.password + "\n")
    assert added.returncode == 0, added.stderr
    return json.loads(added.stdout)["id"]


def test_account_test_then_sync_from_the_command_line(runtime, app_env, imap_user):
    for n in range(1, 4):
        raw, when = inbound(n)
        imap_user.append("INBOX", raw, msg_time=when)
    account_id = add_account(app_env, imap_user, "--since", "2020-01-01")

    tested = run(["account", "test", str(account_id)], app_env)
    assert tested.returncode == 0, tested.stderr
    assert "IDLE" in tested.stdout and "CONDSTORE" in tested.stdout
    assert "INBOX" in tested.stdout and "inbox" in tested.stdout and "Sent" in tested.stdout
    assert "Junk" not in tested.stdout and "Trash" not in tested.stdout
    as_json = json.loads(run(["account", "test", str(account_id), "--json"], app_env).stdout)
    assert {"name": "INBOX", "role": "inbox", "messages": 3} in as_json["folders"]

    synced = run(["sync", "--account", str(account_id), "--json"], app_env)
    assert synced.returncode == 0, synced.stderr
    report = json.loads(synced.stdout)
    assert report["ok"] and report["fetched"] == 3 and report["created"] == 3
    again = run(["sync", "--account", "rep@example.com"], app_env)
    assert again.returncode == 0 and f"account {account_id}: 0 fetched" in again.stdout
    listed = json.loads(run(["account", "list", "--json"], app_env).stdout)
    assert listed[0]["sync_status"] == "ok" and listed[0]["last_sync_at"]


def test_account_test_reports_a_wrong_password_in_one_line(app_env, imap_user):
    assert run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n").returncode == 0
    added = run(["account", "add", "--user", "rep@example.com", "--imap-host", imap_user.host,
                 "--port", str(imap_user.port), "--security", "none", "--login", imap_user.name,
                 "--json"], app_env, stdin="wrong password\n")
    account_id = json.loads(added.stdout)["id"]
    tested = run(["account", "test", str(account_id)], app_env)
    assert tested.returncode == 1
    assert tested.stderr.strip().splitlines() == [
        f"Error: account {account_id}: the server {imap_user.host}:{imap_user.port} rejected the login "
        f"for '{imap_user.name}': [AUTHENTICATIONFAILED] Authentication failed."
    ]


def test_sync_needs_one_of_account_or_all(app_env):
    result = run(["sync"], app_env)
    assert result.returncode == 2 and "--account ID or --all" in result.stderr


def test_watch_sees_new_mail_within_seconds(runtime, app_env, imap_user):
    raw, when = inbound(1)
    imap_user.append("INBOX", raw, msg_time=when)
    account_id = add_account(app_env, imap_user)
    watcher = subprocess.Popen(FOLLOWUP + ["sync", "--account", str(account_id), "--watch", "--json",
                                           "--stop-after", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **app_env})
    try:
        first = json.loads(watcher.stdout.readline())
        assert first["ok"] and first["fetched"] == 1
        time.sleep(1.5)  # let the IDLE connections settle
        for folder, n in (("INBOX", 2), ("Sent", 3)):
            raw, when = inbound(n, days_ago=0)
            appended_at = time.monotonic()
            imap_user.append(folder, raw, msg_time=when)
            update = json.loads(watcher.stdout.readline())
            assert update["ok"] and update["fetched"] == 1
            assert time.monotonic() - appended_at < 10
        with session_scope(runtime.engine) as session:
            ids = {m.message_id_header for m in session.exec(select(Message))}
        assert ids == {"in-1@client.com", "in-2@client.com", "in-3@client.com"}
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)

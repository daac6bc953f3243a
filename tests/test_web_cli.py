"""`followup serve` and `followup demo`."""

from __future__ import annotations

import mailbox
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlmodel import select

from followup.cli.main import main
from followup.db.models import FollowUpTask, MailAccount, User
from followup.db.users import verify_password
from tests.test_web_helpers import db


def test_demo_writes_the_mailbox_only(tmp_path, app_env):
    target = tmp_path / "demo.mbox"
    result = CliRunner().invoke(main, ["demo", "--write-mbox", str(target), "--now", "2026-03-10T09:00:00Z"])
    assert result.exit_code == 0, result.output
    assert re.match(r"wrote \d+ messages in \d+ threads to ", result.output)
    assert len(mailbox.mbox(str(target))) > 100


@pytest.mark.slow
def test_demo_sets_up_user_mailbox_and_follow_ups(app_env, runtime, monkeypatch):
    monkeypatch.delenv("FOLLOWUP_DEMO_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--now", "2026-03-10T09:00:00Z"])
    assert result.exit_code == 0, result.output
    password = re.search(r"^password:\s+(\S+)", result.output, re.M).group(1)
    assert result.output.count(password) == 1  # shown once
    with db(runtime) as session:
        user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        assert verify_password(user, password) and user.role == "lead"
        account = session.exec(select(MailAccount).where(MailAccount.user_id == user.id)).one()
        assert session.exec(select(FollowUpTask).where(FollowUpTask.account_id == account.id)).first()
    # Run again with a chosen password: the same user and mailbox, nothing imported twice.
    monkeypatch.setenv("FOLLOWUP_DEMO_PASSWORD", "chosen-demo-password")
    again = CliRunner().invoke(main, ["demo", "--no-serve", "--now", "2026-03-10T09:00:00Z"])
    assert again.exit_code == 0, again.output
    assert "(0 new), 0 classified" in again.output and "follow-ups open" in again.output
    assert "chosen-demo-password" not in again.output
    with db(runtime) as session:
        user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        assert verify_password(user, "chosen-demo-password")
        assert len(session.exec(select(MailAccount)).all()) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve(app_env):
    port = _free_port()
    followup = Path(sys.executable).with_name("followup")
    process = subprocess.Popen([str(followup), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env={**os.environ, **app_env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", allow_redirects=False, timeout=5)
                break
            except requests.ConnectionError:
                assert time.time() < deadline and process.poll() is None, process.stdout.read().decode()
                time.sleep(0.2)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        setup = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert setup.url.endswith("/setup") and "There is no user yet" in setup.text
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"serving on http://127.0.0.1:{port}/" in output


def test_demo_refuses_an_easy_demo_password(app_env, runtime, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DEMO_PASSWORD", "password")
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--now", "2026-03-10T09:00:00Z"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: FOLLOWUP_DEMO_PASSWORD: password is too easy to guess: This is a top-10 common password"]

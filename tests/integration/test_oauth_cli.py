"""`followup account connect` as an admin runs it: a real process, the test authorization server
(tests/services/oauth_server.py) and its Dovecot; the browser's part over plain HTTP."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest
import requests
from sqlmodel import select

from followup.db.models import MailAccount
from followup.db.oauth_grants import AUTH_METHOD
from followup.db.session import session_scope
from followup.db.users import create_user
from tests.integration.cli_process import FOLLOWUP
from tests.integration.mailboxes import inbound, run_sync
from tests.integration.oauth_flow import consent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def base_url(oauth_idp, oauth_mailbox, monkeypatch) -> str:
    url = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("FOLLOWUP_BASE_URL", url)
    oauth_idp.server.redirect_uris = [url + "/oauth/callback"]
    return url


def _start(runtime, *args, add_user: bool = True) -> tuple[subprocess.Popen, str]:
    """The command running, and the authorization URL it printed."""
    if add_user:
        with session_scope(runtime.engine) as session:
            create_user(session, "admin@example.com", "a long password")
    process = subprocess.Popen(
        [FOLLOWUP, "account", "connect", "--provider", "testidp", "--user", "admin@example.com", "--wait", "60", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    for line in process.stdout:
        if line.strip().startswith("http"):
            return process, line.strip()
    raise AssertionError(process.stderr.read())


def _account(runtime) -> MailAccount:
    with session_scope(runtime.engine) as session:
        (account,) = session.exec(select(MailAccount)).all()
        session.expunge(account)
        return account


def test_connect_waits_for_the_redirect_on_the_loopback_base_url(runtime, base_url, oauth_idp, oauth_mailbox):
    raw, when = inbound(1)
    oauth_idp.dovecot.append(oauth_mailbox, "INBOX", raw, msg_time=when)
    process, url = _start(runtime)
    back = requests.get(base_url + consent(url), timeout=10)
    assert back.status_code == 200 and "close this tab" in back.text
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    account = _account(runtime)
    assert f"account {account.id} added ({oauth_mailbox} with Testidp)" in out
    assert account.auth_method == AUTH_METHOD
    assert run_sync(runtime, account.id).fetched == 1


def test_connect_takes_the_pasted_address_and_refuses_a_foreign_one(runtime, base_url, oauth_idp, oauth_mailbox):
    process, url = _start(runtime, "--paste")
    callback = consent(url)
    out, err = process.communicate(base_url + callback.replace("state=", "state=other") + "\n", timeout=60)
    assert process.returncode == 1 and "its state differs" in err

    process, url = _start(runtime, "--paste", add_user=False)
    out, err = process.communicate(base_url + consent(url) + "\n", timeout=60)
    assert process.returncode == 0, err
    assert _account(runtime).login == oauth_mailbox



@pytest.mark.parametrize("env, args, said", [
    ({"FOLLOWUP_OAUTH_PROVIDERS": "google"}, ["account", "connect", "--provider", "google", "--user", "a@b.c"],
     "Error: FOLLOWUP_OAUTH_PROVIDERS: 'google' is not a usable provider name"),
    ({"FOLLOWUP_GOOGLE_CLIENT_ID": "", "FOLLOWUP_GOOGLE_CLIENT_SECRET": ""},
     ["account", "connect", "--provider", "google", "--user", "a@b.c"],
     "Error: --provider google: set FOLLOWUP_GOOGLE_CLIENT_ID, FOLLOWUP_GOOGLE_CLIENT_SECRET first"),
    ({"FOLLOWUP_OAUTH_PROVIDERS": "kc", "FOLLOWUP_OAUTH_KC_TOKEN_URL": "http://id.example.com/token"},
     ["serve", "--port", "1"], "Error: FOLLOWUP_OAUTH_KC_TOKEN_URL: must be https"),
])
def test_a_bad_oauth_setting_is_one_line_naming_it(app_env, env, args, said):
    from tests.integration.cli_process import run

    result = run(args, {**app_env, **env}, timeout=120)
    assert result.returncode != 0 and result.stderr.strip().startswith(said), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

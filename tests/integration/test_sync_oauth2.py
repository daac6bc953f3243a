"""XOAUTH2 against a real Dovecot: its oauth2 passdb asks a local token introspection endpoint.

The only stand-in is that endpoint (Google's and Microsoft's cannot run here): a small HTTP
server that knows which access tokens are valid. Dovecot, the SASL exchange and the sync
are real. The account's `--oauth2-token-cmd` is run for a fresh token on every connection.
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import MailAccount
from followup.db.users import create_user
from inbox_sync.imap_errors import AuthenticationError, TokenCommandError
from tests.integration.mailboxes import REP, inbound, run_sync
from tests.services.dovecot import OAuth2Dovecot

VALID_TOKENS: dict[str, str] = {}
"""access token -> user name, as the introspection endpoint answers."""


class _Introspection(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # RFC 7662: token=... in a form body
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        user = VALID_TOKENS.get(parse_qs(body).get("token", [""])[0])
        payload = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def oauth_dovecot():
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    server = OAuth2Dovecot()
    server.introspection_url = f"http://127.0.0.1:{http.server_port}/introspect"
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.remove_all()
        http.shutdown()


def _account(rt, server, login, token_cmd) -> int:
    with session_scope(rt.engine) as session:
        user = create_user(session, "owner@example.com", "a long password")
        return create_account(session, rt.settings.secret_key, user=user, addresses=[REP],
                              imap_host=server.host, imap_port=server.port, security="none",
                              login=login, oauth2_token_cmd=token_cmd).id


def test_xoauth2_sync_runs_the_token_command_for_each_connection(runtime, oauth_dovecot, tmp_path):
    login = f"oauth-{tmp_path.name[-12:]}".replace("_", "-")
    oauth_dovecot.add_user(login, "unused-password")
    raw, when = inbound(1)
    oauth_dovecot.append(login, "INBOX", raw, msg_time=when)
    token_file = tmp_path / "token"
    token_file.write_text("first-token\n")
    VALID_TOKENS["first-token"] = login
    account_id = _account(runtime, oauth_dovecot, login, f"cat {shlex.quote(str(token_file))}")
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.auth_method == "oauth2" and account.secret_encrypted is None

    assert run_sync(runtime, account_id).fetched == 1

    # The token was refreshed and the old one revoked: the command gives the new one.
    del VALID_TOKENS["first-token"]
    VALID_TOKENS["second-token"] = login
    token_file.write_text("second-token\n")
    raw, when = inbound(2)
    oauth_dovecot.append(login, "INBOX", raw, msg_time=when)
    assert run_sync(runtime, account_id).fetched == 1

    # Revoked everywhere: the account is marked, with a clear error.
    del VALID_TOKENS["second-token"]
    with pytest.raises(AuthenticationError, match="rejected the login"):
        run_sync(runtime, account_id)
    with session_scope(runtime.engine) as session:
        assert session.get(MailAccount, account_id).sync_status == "auth_failed"


def test_a_failing_token_command_is_an_auth_failure(runtime, oauth_dovecot):
    command = f"{sys.executable} -c \"import sys; sys.exit('refresh token expired')\""
    account_id = _account(runtime, oauth_dovecot, "nobody-here", command)
    with pytest.raises(TokenCommandError, match="refresh token expired"):
        run_sync(runtime, account_id)
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.sync_status == "auth_failed" and "token command exited with status 1" in account.last_error

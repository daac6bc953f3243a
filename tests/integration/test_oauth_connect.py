"""Connect with an OAuth2 provider (issue #19) against real parts: Authlib's authorization server
on loopback (tests/services/oauth_server.py) and a Dovecot whose oauth2 passdb checks every
access token at that server's introspection endpoint. followup's web app runs under Flask's
test client; the consent page is answered over real HTTP (tests/integration/oauth_flow.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

import imapclient
import pytest
from imapclient.exceptions import LoginError
from sqlmodel import select

from followup.db.models import MailAccount, OAuthGrant
from followup.db.oauth_grants import AUTH_METHOD, grant_of
from followup.db.types import utcnow
from inbox_sync.oauth import NeedsSignIn
from tests.integration.mailboxes import inbound, run_sync
from tests.integration.oauth_flow import connect, consent, only_account, start, stored_tokens
from tests.rows import add_user, db
from tests.web_client import WebClient, bearer, make_app


PRODUCT_LOGGERS = ("followup", "inbox_sync", "web", "nlp")


@pytest.fixture
def web(web_rt, oauth_mailbox):
    """A signed-in browser on an app that sees the FOLLOWUP_OAUTH_* variables of `oauth_mailbox`."""
    add_user(web_rt, "rep@example.com")
    client = WebClient(make_app(web_rt).test_client())
    client.login("rep@example.com")
    return client


def _expire_soon(rt, account_id: int, seconds: float) -> None:
    with db(rt) as session:
        grant = grant_of(session, account_id)
        grant.expires_at = utcnow() + timedelta(seconds=seconds)
        session.add(grant)
        session.commit()


def test_connect_stores_the_grant_encrypted_and_syncs_over_xoauth2(web, web_rt, oauth_idp, oauth_mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    raw, when = inbound(1)
    oauth_idp.dovecot.append(oauth_mailbox, "INBOX", raw, msg_time=when)

    response = connect(web)
    assert response.status_code == 302, response.get_data(as_text=True)
    account = only_account(web_rt)
    assert response.headers["Location"] == f"/accounts/{account.id}"
    assert account.auth_method == AUTH_METHOD and account.login == oauth_mailbox
    assert account.addresses == [oauth_mailbox] and account.secret_encrypted is None
    tokens = stored_tokens(web_rt, account.id)
    assert tokens.access_token in oauth_idp.server.active_access_tokens() and tokens.refresh_token

    with db(web_rt) as session:
        grant = session.get(OAuthGrant, grant_of(session, account.id).id)
        stored = f"{grant.access_token_encrypted} {grant.refresh_token_encrypted}"
    assert tokens.access_token not in stored and tokens.refresh_token not in stored

    assert run_sync(web_rt, account.id).fetched == 1

    page = web.get(f"/accounts/{account.id}").get_data(as_text=True) + web.get("/accounts/").get_data(as_text=True)
    api = web.client.get("/api/v1/accounts", headers=bearer(web_rt, account.user_id)).get_data(as_text=True)
    assert "Signed in with" in page and oauth_mailbox in api
    # The product's own log lines (the test provider's and Authlib's debug lines are not followup's).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in PRODUCT_LOGGERS)
    assert "connected with testidp" in logged
    for secret in (tokens.access_token, tokens.refresh_token):
        assert secret not in page and secret not in api and secret not in logged


def test_the_access_token_is_refreshed_when_it_expires_within_a_minute(web, web_rt, oauth_idp, oauth_mailbox):
    connect(web)
    account = only_account(web_rt)
    first = stored_tokens(web_rt, account.id)
    refreshes = oauth_idp.server.refreshes

    _expire_soon(web_rt, account.id, 5 * 60)  # five minutes left: used as it is
    assert run_sync(web_rt, account.id).connections == 1
    assert oauth_idp.server.refreshes == refreshes
    assert stored_tokens(web_rt, account.id).access_token == first.access_token

    _expire_soon(web_rt, account.id, 30)  # half a minute left: refreshed before the login
    raw, when = inbound(2)
    oauth_idp.dovecot.append(oauth_mailbox, "INBOX", raw, msg_time=when)
    assert run_sync(web_rt, account.id).fetched == 1
    assert oauth_idp.server.refreshes == refreshes + 1
    second = stored_tokens(web_rt, account.id)
    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    # The server rotates refresh tokens (as Microsoft does): only the new one is stored and valid.
    assert oauth_idp.server.active_refresh_tokens()[-1:] == [second.refresh_token]
    assert first.refresh_token not in oauth_idp.server.active_refresh_tokens()
    assert second.expires_at > utcnow() + timedelta(minutes=30)


def test_invalid_grant_marks_the_account_sign_in_again_and_stops_retrying(web, web_rt, oauth_idp, oauth_mailbox):
    connect(web)
    account = only_account(web_rt)
    oauth_idp.server.revoke_all()  # the user removed the app's access at the provider
    _expire_soon(web_rt, account.id, 10)

    with pytest.raises(NeedsSignIn, match="invalid_grant"):
        run_sync(web_rt, account.id)
    with db(web_rt) as session:
        marked = session.get(MailAccount, account.id)
        assert marked.sync_status == "needs_signin" and "sign in again" in marked.last_error
    assert "needs to sign in again" in web.get("/accounts/").get_data(as_text=True)

    token_requests = oauth_idp.server.requests.count("POST /token")
    with pytest.raises(NeedsSignIn):
        run_sync(web_rt, account.id)
    assert oauth_idp.server.requests.count("POST /token") == token_requests  # no retry at the provider

    # Signing in again repairs the same account, and it syncs.
    assert connect(web).headers["Location"] == f"/accounts/{account.id}"
    raw, when = inbound(3)
    oauth_idp.dovecot.append(oauth_mailbox, "INBOX", raw, msg_time=when)
    assert run_sync(web_rt, account.id).fetched == 1


def test_disconnect_revokes_at_the_provider_then_deletes_the_grant(web, web_rt, oauth_idp, oauth_mailbox):
    connect(web)
    account = only_account(web_rt)
    tokens = stored_tokens(web_rt, account.id)
    revocations = oauth_idp.server.revocations

    web.get(f"/accounts/{account.id}")
    response = web.post(f"/accounts/{account.id}/oauth/disconnect")
    assert response.status_code == 302
    assert oauth_idp.server.revocations == revocations + 1
    assert tokens.access_token not in oauth_idp.server.active_access_tokens()
    assert stored_tokens(web_rt, account.id) is None
    assert "access revoked there" in web.get(f"/accounts/{account.id}").get_data(as_text=True)

    # Dovecot asks the introspection endpoint: the old token no longer logs in.
    client = imapclient.IMAPClient(oauth_idp.dovecot.host, oauth_idp.dovecot.port, ssl=False, timeout=10)
    with pytest.raises(LoginError):
        client.oauth2_login(oauth_mailbox, tokens.access_token)
    client.shutdown()
    with pytest.raises(NeedsSignIn):
        run_sync(web_rt, account.id)


def test_a_forged_or_replayed_state_is_refused(web, web_rt, oauth_idp):
    callback = consent(start(web))
    forged = callback.replace("state=", "state=x")
    token_requests = oauth_idp.server.requests.count("POST /token")
    assert web.get(forged).status_code == 400
    assert web.get("/oauth/callback?code=abc").status_code == 400
    assert oauth_idp.server.requests.count("POST /token") == token_requests  # no code was traded

    assert web.get(callback).status_code == 302
    replay = web.get(callback)
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)
    with db(web_rt) as session:
        assert len(session.exec(select(MailAccount)).all()) == 1


def test_a_callback_in_another_users_session_is_refused(web, web_rt, oauth_idp):
    callback = consent(start(web))
    add_user(web_rt, "other@example.com")
    other = WebClient(make_app(web_rt).test_client())
    other.login("other@example.com")
    assert other.get(callback).status_code == 400  # the state lives in the starter's session only

    # The same browser, signed out and signed in as someone else: still refused.
    web.post("/logout")
    web.login("other@example.com")
    response = web.get(callback)
    assert response.status_code in (400, 403)
    with db(web_rt) as session:
        assert session.exec(select(MailAccount)).all() == []


def test_a_denied_consent_connects_nothing(web, web_rt):
    response = web.get(consent(start(web), allow=False))
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/"
    assert "did not connect the mailbox: access_denied" in web.get("/accounts/").get_data(as_text=True)

"""The browser's part of "Connect with …", done with plain HTTP: the consent page of the test
authorization server (tests/services/oauth_server.py), then back to followup's callback."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from sqlmodel import select

from followup.db.models import MailAccount
from followup.db.oauth_grants import grant_of, read_tokens
from tests.rows import db
from tests.runtimes import TEST_SECRET_KEY
from tests.services.fixtures import OAUTH_PROVIDER

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def start(web, provider: str = OAUTH_PROVIDER) -> str:
    """Press "Connect with …" on Mailboxes: the provider's authorization URL followup redirects to."""
    web.get("/accounts/")
    response = web.post(f"/accounts/oauth/{provider}/connect")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def consent(authorize_url: str, allow: bool = True) -> str:
    """Open the consent page and answer it: the callback path and query the provider redirects to."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict((k, v.replace("&amp;", "&")) for k, v in _HIDDEN.findall(page.text))
    parts = urlsplit(authorize_url)
    answer = requests.post(f"{parts.scheme}://{parts.netloc}{parts.path}",
                           data={**fields, "consent": "allow" if allow else "deny"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def connect(web, provider: str = OAUTH_PROVIDER):
    """The whole round trip: followup's answer to the callback."""
    return web.get(consent(start(web, provider)))


def stored_tokens(rt, account_id: int, secret_key: str = TEST_SECRET_KEY):
    with db(rt) as session:
        grant = grant_of(session, account_id)
        return None if grant is None else read_tokens(grant, secret_key)


def only_account(rt) -> MailAccount:
    with db(rt) as session:
        (account,) = session.exec(select(MailAccount)).all()
        return account

"""Signing out over real HTTP ends the session: a copied session or remember cookie no longer
signs anyone in."""

from __future__ import annotations

import requests

from tests.rows import PASSWORD, add_user
from tests.web_client import CSRF_FIELD

WEAK_PASSWORDS = ("        ", "password", "12345678")


def _browser_sign_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF_FIELD.search(browser.get(f"{base}/login").text).group(1)
    response = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD, "remember": "1",
                                                    "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302
    return browser


def _replay(base: str, name: str, value: str) -> requests.Response:
    """A request from elsewhere carrying only the given copied cookie."""
    return requests.get(f"{base}/", cookies={name: value}, allow_redirects=False, timeout=5)


def test_logout_ends_copied_session_and_remember_cookies(served, web_rt):
    add_user(web_rt)
    browser = _browser_sign_in(served, "rep@example.com")
    session_cookie = browser.cookies["followup_session"]
    remember_cookie = browser.cookies["remember_token"]
    # Both copies work while signed in: the test would prove nothing otherwise.
    assert _replay(served, "followup_session", session_cookie).status_code == 200
    assert _replay(served, "remember_token", remember_cookie).status_code == 200

    token = CSRF_FIELD.search(browser.get(f"{served}/").text).group(1)
    assert browser.post(f"{served}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
    for name, value in (("followup_session", session_cookie), ("remember_token", remember_cookie)):
        response = _replay(served, name, value)
        assert response.status_code == 302 and "/login" in response.headers["Location"], name

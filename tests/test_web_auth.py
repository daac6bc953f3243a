"""Signing in and out, the first-run page, cookies and security headers."""

from __future__ import annotations

import requests
from sqlmodel import select

from followup.domain.vocabulary import Role
from followup.db.models import Team, User
from followup.db.users import disable_user, issue_api_token, set_password
from tests.test_web_helpers import *  # noqa: F401,F403  (fixtures)
from tests.test_web_helpers import CSRF_FIELD, PASSWORD, WebClient, add_user, db, make_app

WEAK_PASSWORDS = ("        ", "password", "12345678")


def test_first_run_redirects_to_setup_and_creates_a_lead(client, web_rt):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?next=%2F")
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    assert "There is no user yet" in page

    response = client.post("/setup", {"email": "Lead@Example.com", "password": PASSWORD,
                                      "password2": PASSWORD, "display_name": "Lee", "team": "Sales"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/accounts/new")
    with db(web_rt) as session:
        user = session.exec(select(User)).one()
        assert user.email == "lead@example.com" and user.role == Role.LEAD
        assert session.get(Team, user.team_id).name == "Sales"
        assert PASSWORD not in user.password_hash
    # Signed in straight away; the first-run page is gone for good.
    assert client.get("/").status_code == 200
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", {"email": "x@example.com", "password": PASSWORD, "password2": PASSWORD}).status_code == 404


def test_setup_reports_bad_input(client):
    client.get("/setup")
    response = client.post("/setup", {"email": "a@example.com", "password": PASSWORD, "password2": "other password"})
    assert response.status_code == 400 and "The two passwords differ." in response.get_data(as_text=True)
    response = client.post("/setup", {"email": "not-an-email", "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 400 and "Not an email address" in response.get_data(as_text=True)
    response = client.post("/setup", {"email": "a@example.com", "password": "short", "password2": "short"})
    assert response.status_code == 400 and "at least 8 characters" in response.get_data(as_text=True)


def test_setup_refuses_common_passwords(client, web_rt):
    client.get("/setup")
    for weak in WEAK_PASSWORDS:
        response = client.post("/setup", {"email": "a@example.com", "password": weak, "password2": weak})
        assert response.status_code == 400, weak
        assert "too easy to guess" in response.get_data(as_text=True), weak
    with db(web_rt) as session:
        assert session.exec(select(User)).first() is None


def test_sign_in_and_out(client, web_rt):
    add_user(web_rt, "rep@example.com")
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'autocomplete="current-password"' in page
    response = client.post("/login", {"email": "rep@example.com", "password": "wrong password"})
    assert response.status_code == 401 and "Wrong email or password." in response.get_data(as_text=True)
    response = client.post("/login", {"email": "nobody@example.com", "password": PASSWORD})
    assert response.status_code == 401
    response = client.post("/login", {"email": "not an email", "password": PASSWORD})
    assert response.status_code == 401

    response = client.post("/login", {"email": " REP@example.com ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 302  # already signed in

    assert client.client.get("/logout").status_code == 405  # signing out is a POST with CSRF
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, web_rt):
    add_user(web_rt)
    client.get("/login")
    for target, expected in [("/settings/", "/settings/"), ("https://evil.example/", "/"),
                             ("//evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/")]:
        response = client.client.post(f"/login?next={target}", data={
            "email": "rep@example.com", "password": PASSWORD, "csrf_token": client.token})
        assert response.headers["Location"] == expected, target
        client.get("/")  # signing in started a new session: its forms carry a new token
        client.post("/logout")
        client.get("/login")


def test_disabled_user_cannot_sign_in_and_is_signed_out(client, web_rt):
    user = add_user(web_rt)
    client.login(user.email)
    with db(web_rt) as session:
        token = issue_api_token(session.get(User, user.id))
        session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.client.get("/api/v1/tasks", headers=bearer).status_code == 200
    with db(web_rt) as session:
        disable_user(session.get(User, user.id))
        session.commit()
    assert client.get("/").status_code == 302
    assert client.client.get("/api/v1/tasks", headers=bearer).status_code == 401
    client.get("/login")
    response = client.post("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403 and "This user is disabled" in response.get_data(as_text=True)
    # A wrong password does not tell whether the user exists or is disabled.
    response = client.post("/login", {"email": user.email, "password": "wrong password"})
    assert response.status_code == 401 and "Wrong email or password." in response.get_data(as_text=True)


def test_password_change_signs_out_other_sessions(client, web_rt):
    user = add_user(web_rt)
    client.login(user.email)
    assert client.get("/").status_code == 200
    with db(web_rt) as session:
        set_password(session.get(User, user.id), "a brand new password")
        session.commit()
    assert client.get("/").status_code == 302


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


def test_a_csrf_token_from_before_sign_in_is_refused_after(client, web_rt):
    add_user(web_rt)
    client.get("/login")
    planted = client.token
    client.login("rep@example.com")
    response = client.post("/settings/token", {"csrf_token": planted})
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)
    client.get("/settings/")  # the token of a page shown after sign-in works
    assert client.token != planted
    assert client.post("/settings/token").status_code == 200


def test_session_cookie_flags(app, web_rt):
    add_user(web_rt)
    client = WebClient(app.test_client())
    client.get("/login")
    response = client.post("/login", {"email": "rep@example.com", "password": PASSWORD, "remember": "1"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("followup_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http on loopback
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_cookies_are_secure_behind_https(web_rt):
    from dataclasses import replace

    from followup.bootstrap import Runtime

    rt = Runtime(settings=replace(web_rt.settings, base_url="https://followup.example"), engine=web_rt.engine)
    add_user(web_rt)
    client = WebClient(make_app(rt).test_client())
    response = client.login("rep@example.com")
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("followup_session="))
    assert "Secure" in session_cookie


def test_security_headers(client):
    response = client.get("/setup")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_assets_are_served_locally(client):
    page = client.get("/setup").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js" in page and "https://" not in page.split("<body>")[0]
    for path in ("/static/vendor/htmx-2.0.11.min.js", "/static/app.css", "/static/app.js"):
        assert client.client.get(path).status_code == 200


def test_error_pages(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "not yours to see" in response.get_data(as_text=True)
    assert client.client.delete("/").status_code == 405

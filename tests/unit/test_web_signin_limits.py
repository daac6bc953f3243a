"""Sign-in throttling in memory: failed attempts per account and per client address (shared
in Redis: tests/integration/test_web_signin_limits.py)."""

from __future__ import annotations

import logging
import time


from tests.rows import PASSWORD, add_user
from tests.web_client import WebClient, make_app, sign_in


def test_ten_wrong_passwords_lock_the_account_not_the_others(client, web_rt, caplog):
    add_user(web_rt, "rep@example.com")
    add_user(web_rt, "other@example.com")
    client.get("/login")
    for _ in range(10):
        assert sign_in(client, "rep@example.com", "wrong password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="web.signin_limits"):
        locked = sign_in(client, "REP@example.com", PASSWORD)  # the right one, too late
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert any("sign-in locked" in r.getMessage() and "rep@example.com" in r.getMessage() for r in caplog.records)
    # Another account from the same address still signs in.
    assert sign_in(client, "other@example.com", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, web_rt):
    add_user(web_rt, "rep@example.com")
    for _ in range(15):
        client.get("/login")
        assert sign_in(client, "rep@example.com", PASSWORD).status_code == 302
        client.get("/")
        client.post("/logout")


def test_fifty_failures_from_one_address_lock_that_address(client, web_rt):
    add_user(web_rt, "rep@example.com")
    client.get("/login")
    for i in range(50):  # five accounts, under their own limit of ten
        assert sign_in(client, f"guess{i % 5}@example.com", "wrong password", "192.0.2.7").status_code == 401
    assert sign_in(client, "rep@example.com", PASSWORD, "192.0.2.7").status_code == 429
    assert sign_in(client, "rep@example.com", PASSWORD, "198.51.100.9").status_code == 302


def test_the_lockout_ends_after_its_window(web_rt):
    add_user(web_rt)
    client = WebClient(make_app(web_rt, FOLLOWUP_SIGNIN_LIMIT_ACCOUNT="3 per 1 second").test_client())
    client.get("/login")
    for _ in range(3):
        assert sign_in(client, "rep@example.com", "wrong password").status_code == 401
    assert sign_in(client, "rep@example.com", PASSWORD).status_code == 429
    time.sleep(1.1)
    assert sign_in(client, "rep@example.com", PASSWORD).status_code == 302

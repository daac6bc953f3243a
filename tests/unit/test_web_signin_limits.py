"""Sign-in throttling: failed attempts per account and per client address, in memory and in Redis."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from followup.bootstrap import Runtime
from tests.test_web_helpers import *  # noqa: F401,F403  (fixtures)
from tests.test_web_helpers import PASSWORD, WebClient, add_user, make_app


def _sign_in(client: WebClient, email: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login", {"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def test_ten_wrong_passwords_lock_the_account_not_the_others(client, web_rt, caplog):
    add_user(web_rt, "rep@example.com")
    add_user(web_rt, "other@example.com")
    client.get("/login")
    for _ in range(10):
        assert _sign_in(client, "rep@example.com", "wrong password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="web.signin_limits"):
        locked = _sign_in(client, "REP@example.com", PASSWORD)  # the right one, too late
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert any("sign-in locked" in r.getMessage() and "rep@example.com" in r.getMessage() for r in caplog.records)
    # Another account from the same address still signs in.
    assert _sign_in(client, "other@example.com", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, web_rt):
    add_user(web_rt, "rep@example.com")
    for _ in range(15):
        client.get("/login")
        assert _sign_in(client, "rep@example.com", PASSWORD).status_code == 302
        client.get("/")
        client.post("/logout")


def test_fifty_failures_from_one_address_lock_that_address(client, web_rt):
    add_user(web_rt, "rep@example.com")
    client.get("/login")
    for i in range(50):  # five accounts, under their own limit of ten
        assert _sign_in(client, f"guess{i % 5}@example.com", "wrong password", "192.0.2.7").status_code == 401
    assert _sign_in(client, "rep@example.com", PASSWORD, "192.0.2.7").status_code == 429
    assert _sign_in(client, "rep@example.com", PASSWORD, "198.51.100.9").status_code == 302


def test_the_lockout_ends_after_its_window(web_rt):
    add_user(web_rt)
    client = WebClient(make_app(web_rt, FOLLOWUP_SIGNIN_LIMIT_ACCOUNT="3 per 2 seconds").test_client())
    client.get("/login")
    for _ in range(3):
        assert _sign_in(client, "rep@example.com", "wrong password").status_code == 401
    assert _sign_in(client, "rep@example.com", PASSWORD).status_code == 429
    time.sleep(2.1)
    assert _sign_in(client, "rep@example.com", PASSWORD).status_code == 302


def test_with_redis_every_web_process_sees_the_lockout(web_rt, redis_url, redis_conn):
    rt = Runtime(settings=replace(web_rt.settings, redis_url=redis_url), engine=web_rt.engine)
    add_user(web_rt)
    first = WebClient(make_app(rt).test_client())
    first.get("/login")
    for _ in range(10):
        assert _sign_in(first, "rep@example.com", "wrong password").status_code == 401
    assert redis_conn.keys("LIMITS:LIMITER/account:rep@example.com/*")  # the counts live in Redis, not in this process
    second = WebClient(make_app(rt).test_client())  # another worker, say
    second.get("/login")
    response = _sign_in(second, "rep@example.com", PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0

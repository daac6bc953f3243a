"""Sign-in throttling kept in Redis: every web process sees the lockout."""

from __future__ import annotations

from dataclasses import replace

from followup.bootstrap import Runtime
from tests.rows import PASSWORD, add_user
from tests.web_client import WebClient, make_app, sign_in


def test_with_redis_every_web_process_sees_the_lockout(web_rt, redis_url, redis_conn):
    rt = Runtime(settings=replace(web_rt.settings, redis_url=redis_url), engine=web_rt.engine)
    add_user(web_rt)
    first = WebClient(make_app(rt).test_client())
    first.get("/login")
    for _ in range(10):
        assert sign_in(first, "rep@example.com", "wrong password").status_code == 401
    assert redis_conn.keys("LIMITS:LIMITER/account:rep@example.com/*")  # the counts live in Redis, not in this process
    second = WebClient(make_app(rt).test_client())  # another worker, say
    second.get("/login")
    response = sign_in(second, "rep@example.com", PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0

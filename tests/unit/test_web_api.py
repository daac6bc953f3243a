"""The JSON API: bearer tokens, listing and updating tasks, accounts, and every real
response validated against web/openapi.yaml."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml

from followup.db.models import User
from followup.db.users import issue_api_token
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.api_schema import check
from tests.rows import NOW, add_account, add_task, add_thread, db


@pytest.fixture
def api(client, web_rt, rep):
    with db(web_rt) as session:
        user = session.get(User, rep["user"].id)
        token = issue_api_token(user)
        session.commit()
    http = client.client

    def call(method, url, **kw):
        kw.setdefault("headers", {})["Authorization"] = f"Bearer {token}"
        return http.open(url, method=method, **kw)

    return call


def test_every_api_route_is_in_the_spec(app, spec):
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert routes == set(spec["paths"])


def test_requests_without_a_valid_token_are_refused(client, spec, rep):
    http = client.client
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer fu_not-a-real-token"}):
        response = http.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
        check(spec, response, "/tasks", "get")
    # A signed-in browser session is not an API credential.
    client.login("rep@example.com")
    assert http.get("/api/v1/accounts").status_code == 401
    response = http.patch(f"/api/v1/tasks/{rep['task'].id}", json={"status": "done"})
    assert response.status_code == 401


def test_list_tasks(api, spec, web_rt, rep):
    account = rep["account"]
    thread, messages = add_thread(web_rt, account, "Broken", messages=[{"label": "complaint"}])
    add_task(web_rt, account, thread, messages[0], kind=TaskKind.COMPLAINT, priority=9, nudge="Complaint!")
    add_task(web_rt, account, None, kind=TaskKind.DORMANT_CUSTOMER, key="dormant:contact:9", nudge="Quiet",
             status=TaskStatus.DONE, closed_at=NOW)
    body = check(spec, api("GET", "/api/v1/tasks"), "/tasks", "get")
    assert [t["nudge"] for t in body["tasks"]] == ["Complaint!", "No reply in 5 days — Bea Buyer"]
    assert body["next_offset"] is None
    first = body["tasks"][1]
    assert first["contact"] == {"email": "buyer@customer.example", "name": "Bea Buyer", "company": "Customer Ltd"}
    assert first["label"] == "inquiry" and first["subject"] == "Quote for 500 chairs"
    assert first["url"] == f"{web_rt.settings.base_url}/threads/{rep['thread'].id}"  # FOLLOWUP_BASE_URL, not Host

    body = check(spec, api("GET", "/api/v1/tasks?kind=complaint"), "/tasks", "get")
    assert [t["kind"] for t in body["tasks"]] == ["complaint"]
    body = check(spec, api("GET", "/api/v1/tasks?label=inquiry"), "/tasks", "get")
    assert [t["id"] for t in body["tasks"]] == [rep["task"].id]
    body = check(spec, api("GET", "/api/v1/tasks?status=closed"), "/tasks", "get")
    assert [t["nudge"] for t in body["tasks"]] == ["Quiet"] and body["tasks"][0]["thread_id"] is None
    body = check(spec, api("GET", "/api/v1/tasks?status=all&limit=2"), "/tasks", "get")
    assert len(body["tasks"]) == 2 and body["next_offset"] == 2
    body = check(spec, api("GET", "/api/v1/tasks?status=all&limit=2&offset=2"), "/tasks", "get")
    assert len(body["tasks"]) == 1 and body["next_offset"] is None
    other = add_account(web_rt, rep["user"], address="other@example.com")
    body = check(spec, api("GET", f"/api/v1/tasks?account_id={other.id}"), "/tasks", "get")
    assert body["tasks"] == []
    for query in ("status=bogus", "kind=x", "label=y", "limit=0", "limit=500", "offset=-1", "account_id=abc"):
        response = api("GET", f"/api/v1/tasks?{query}")
        assert response.status_code == 400, query
        check(spec, response, "/tasks", "get")


def test_get_and_update_a_task(api, spec, web_rt, rep):
    task_id = rep["task"].id
    body = check(spec, api("GET", f"/api/v1/tasks/{task_id}"), "/tasks/{task_id}", "get")
    assert body["id"] == task_id and body["status"] == "open"
    until = (NOW + timedelta(days=2)).isoformat()
    body = check(spec, api("PATCH", f"/api/v1/tasks/{task_id}", json={"status": "snoozed", "snooze_until": until}),
                 "/tasks/{task_id}", "patch")
    assert body["status"] == "snoozed" and body["snooze_until"] == "2026-03-12T09:00:00Z"
    body = check(spec, api("PATCH", f"/api/v1/tasks/{task_id}", json={"status": "done"}), "/tasks/{task_id}", "patch")
    assert body["status"] == "done" and body["closed_at"] == "2026-03-10T09:00:00Z"
    response = api("PATCH", f"/api/v1/tasks/{task_id}", json={"status": "dismissed"})
    assert response.status_code == 409 and "already done" in check(spec, response, "/tasks/{task_id}", "patch")["message"]
    for payload in ({"status": "reopened"}, {}, [], {"status": "snoozed"}, {"status": "snoozed", "snooze_until": "soon"},
                    {"status": "snoozed", "snooze_until": "2026-04-01T10:00:00"}):
        response = api("PATCH", f"/api/v1/tasks/{task_id}", json=payload)
        assert response.status_code == 400, payload
        check(spec, response, "/tasks/{task_id}", "patch")
    response = api("PATCH", f"/api/v1/tasks/{task_id}", data="not json", content_type="application/json")
    assert response.status_code == 400
    for method in ("GET", "PATCH"):
        response = api(method, "/api/v1/tasks/999999", json={"status": "done"})
        assert response.status_code == 404
        check(spec, response, "/tasks/{task_id}", method.lower())


def test_snooze_in_the_past_is_a_conflict(api, spec, rep):
    response = api("PATCH", f"/api/v1/tasks/{rep['task'].id}",
                   json={"status": "snoozed", "snooze_until": "2026-03-01T00:00:00Z"})
    assert response.status_code == 409
    check(spec, response, "/tasks/{task_id}", "patch")


def test_list_accounts(api, spec, web_rt, rep):
    add_account(web_rt, rep["user"], address="imap@example.com", imap_host="imap.example.com",
                password="imap-secret-pw", oauth2_token_cmd=None)
    response = api("GET", "/api/v1/accounts")
    body = check(spec, response, "/accounts", "get")
    assert [a["addresses"] for a in body["accounts"]] == [["rep@example.com"], ["imap@example.com"]]
    text = response.get_data(as_text=True)
    assert "imap-secret-pw" not in text and "secret" not in text and "token" not in text


def test_the_spec_is_served_without_a_token(client, spec):
    response = client.client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert yaml.safe_load(response.get_data(as_text=True)) == spec


def test_a_checkin_not_due_yet_is_upcoming_not_open(api, spec, web_rt, rep):
    thread, _ = add_thread(web_rt, rep["account"], "Order 77")
    add_task(web_rt, rep["account"], thread, kind=TaskKind.POST_SALE_CHECKIN, due=NOW + timedelta(days=2),
             nudge="Ask how it went (from Thu 12 Mar)")
    body = check(spec, api("GET", "/api/v1/tasks"), "/tasks", "get")
    assert [t["kind"] for t in body["tasks"]] == ["awaiting_reply"]
    body = check(spec, api("GET", "/api/v1/tasks?status=upcoming"), "/tasks", "get")
    assert [t["nudge"] for t in body["tasks"]] == ["Ask how it went (from Thu 12 Mar)"]

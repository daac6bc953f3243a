"""Security of the web UI: scoping by user (on SQLite and PostgreSQL), CSRF on every form,
mail shown as text only, and secrets kept out of pages, logs and the API."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func
from sqlmodel import select

from followup.db.models import FollowUpTask, LabelFeedback, MailAccount, Thread, User
from followup.domain.vocabulary import TaskKind, TaskStatus
from followup.db.users import issue_api_token
from tests.conftest import TEST_SECRET_KEY
from tests.test_web_helpers import *  # noqa: F401,F403  (fixtures)
from tests.test_web_helpers import (PASSWORD, WebClient, add_account, add_contact, add_task, add_thread, add_user,
                                    db, make_app)


def _alice(rt):
    alice = add_user(rt, "alice@example.com", team="Alpha", name="Alice")
    account = add_account(rt, alice, imap_host="imap.example.com", password="alice-imap-password")
    thread, messages = add_thread(rt, account, "Alice's private deal", messages=[
        {"label": "complaint", "body_text": "Alice's confidential complaint"}])
    task = add_task(rt, account, thread, messages[0], kind=TaskKind.COMPLAINT, team_id=alice.team_id,
                    nudge="Alice's nudge")
    return alice, account, thread, messages[0], task


@pytest.fixture
def scoped(runtime):
    """Alice's data, and Bob signed in (a lead of another team) — on SQLite and PostgreSQL."""
    alice, account, thread, message, task = _alice(runtime)
    bob = add_user(runtime, "bob@example.com", team="Beta", lead=True, name="Bob")
    bob_account = add_account(runtime, bob)
    with db(runtime) as session:
        token = issue_api_token(session.get(User, bob.id))
        session.commit()
    client = WebClient(make_app(runtime).test_client())
    client.login("bob@example.com")
    return {"client": client, "account": account, "thread": thread, "message": message, "task": task,
            "token": token, "rt": runtime, "bob": bob, "bob_account": bob_account}


def test_second_user_gets_404_on_the_first_users_things(scoped):
    client, rt = scoped["client"], scoped["rt"]
    account, thread, message, task = scoped["account"], scoped["thread"], scoped["message"], scoped["task"]
    for url in (f"/accounts/{account.id}", f"/accounts/{account.id}/delete", f"/threads/{thread.id}",
                f"/tasks/{task.id}"):
        assert client.get(url).status_code == 404, url
    client.get("/")
    posts = {
        f"/tasks/{task.id}": {"action": "done"},
        f"/threads/{thread.id}/mute": {},
        f"/threads/messages/{message.id}/label": {"label": "sale"},
        f"/complaints/{task.id}/assign": {"assignee_id": scoped["bob"].id},
        f"/accounts/{account.id}/delete": {"confirm": "yes"},
        f"/accounts/{account.id}/test": {},
        f"/accounts/{account.id}/sync": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    for page in ("/", "/complaints/", "/accounts/", "/?view=closed", f"/?account={account.id}"):
        body = client.get(page).get_data(as_text=True)
        assert "Alice" not in body and "alice" not in body, page
    # Bob's own mailbox can be listed without leaking Alice's.
    api = client.client
    headers = {"Authorization": f"Bearer {scoped['token']}"}
    assert api.get(f"/api/v1/tasks/{task.id}", headers=headers).status_code == 404
    assert api.patch(f"/api/v1/tasks/{task.id}", headers=headers, json={"status": "done"}).status_code == 404
    assert api.get("/api/v1/tasks?status=all", headers=headers).get_json()["tasks"] == []
    assert [a["id"] for a in api.get("/api/v1/accounts", headers=headers).get_json()["accounts"]] == [
        scoped["bob_account"].id]
    # Nothing of Alice's changed.
    with db(rt) as session:
        assert session.get(FollowUpTask, task.id).status == TaskStatus.OPEN
        assert session.get(FollowUpTask, task.id).assignee_id is None
        assert not session.get(Thread, thread.id).muted
        assert session.get(MailAccount, account.id) is not None
        assert session.exec(select(func.count()).select_from(LabelFeedback)).one() == 0


def test_a_lead_sees_team_complaints_but_not_teammates_mailboxes(runtime):
    alice, account, thread, message, task = _alice(runtime)
    other_thread, _ = add_thread(runtime, account, "Alice's other thread")
    private = add_task(runtime, account, other_thread, nudge="Alice's private follow-up", team_id=alice.team_id)
    add_user(runtime, "carol@example.com", team="Alpha", lead=True)
    client = WebClient(make_app(runtime).test_client())
    client.login("carol@example.com")
    assert "Alice&#39;s private deal" in client.get("/complaints/").get_data(as_text=True)
    assert client.get(f"/threads/{thread.id}").status_code == 200  # behind a team complaint
    assert client.get(f"/threads/{other_thread.id}").status_code == 404
    assert client.get(f"/tasks/{private.id}").status_code == 404
    assert client.get(f"/accounts/{account.id}").status_code == 404
    assert "Alice" not in client.get("/").get_data(as_text=True)  # her list is her own


def test_every_form_rejects_a_missing_or_wrong_csrf_token(client, web_rt, rep, caplog):
    caplog.set_level(logging.INFO, logger="web")
    app = client.client.application
    client.login("rep@example.com")
    ids = {"task_id": rep["task"].id, "thread_id": rep["thread"].id, "message_id": rep["messages"][0].id,
           "account_id": rep["account"].id}
    posts = [rule for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.rule.startswith("/api/")]
    assert len(posts) >= 14
    for rule in posts:
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for token in (None, "forged-token"):
            data = {"action": "done", "label": "sale", "confirm": "yes", "email": "rep@example.com",
                    "password": PASSWORD, "assignee_id": rep["user"].id}
            if token:
                data["csrf_token"] = token
            response = client.client.post(url, data=data)
            assert response.status_code == 400, (url, token)
            assert "Form expired" in response.get_data(as_text=True)
    with db(web_rt) as session:
        assert session.get(FollowUpTask, rep["task"].id).status == TaskStatus.OPEN
        assert session.get(MailAccount, rep["account"].id) is not None
        assert session.get(User, rep["user"].id).api_token_hash is None
    assert "rejected a form without a valid CSRF token" in caplog.text
    assert client.get("/").status_code == 200  # still signed in: logout was refused too


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_mail_with_markup_is_shown_as_text(client, web_rt):
    user = add_user(web_rt, "rep@example.com")
    account = add_account(web_rt, user)
    contact = add_contact(web_rt, account, name=f"Mallory {HOSTILE}", company=HOSTILE)
    body = f"Hi {HOSTILE} could you reply?"
    start = body.index("could you")
    thread, messages = add_thread(web_rt, account, f"Subject {HOSTILE}", messages=[{
        "from_name": f"Mallory {HOSTILE}", "from_addr": "mallory@evil.example", "label": "inquiry",
        "body_text": body, "quoted_text": f"> {HOSTILE}", "to_addrs": [f"x{HOSTILE}@example.com"],
        "attachments": [{"filename": f"{HOSTILE}.pdf"}], "parse_warnings": [HOSTILE],
        "evidence": [{"kind": "request", "text": "could you", "start": start, "end": start + 9},
                     {"kind": 'x" onmouseover="alert(1)', "text": "<script>", "start": 3, "end": 11}],
    }])
    add_task(web_rt, account, thread, messages[0], contact=contact, nudge=f"No reply — {HOSTILE}",
             reason=HOSTILE)
    client.login("rep@example.com")
    for url in ("/", f"/threads/{thread.id}", "/complaints/"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page and 'onmouseover="alert' not in page, url
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<mark class="evidence" data-kind="request" title="request">could you</mark>' in page
    assert 'data-kind="x&#34; onmouseover=&#34;alert(1)"' in page  # a hostile kind stays inside its attribute


def test_secrets_never_in_pages_logs_or_api(app, web_rt, caplog, imap_user):
    caplog.set_level(logging.DEBUG)
    user = add_user(web_rt, "rep@example.com")
    client = WebClient(app.test_client())
    client.login("rep@example.com")
    client.get("/accounts/new")
    client.post("/accounts/new", {"provider": "custom", "email": "rep@example.com", "login": imap_user.name,
                                  "password": imap_user.password, "imap_host": imap_user.host,
                                  "imap_port": str(imap_user.port), "security": "none", "action": "save"})
    client.post("/accounts/new", {"provider": "custom", "email": "rep@example.com", "login": imap_user.name,
                                  "password": "wrong-" + imap_user.password, "imap_host": imap_user.host,
                                  "imap_port": str(imap_user.port), "security": "none", "action": "test"})
    client.get("/settings/")
    token_page = client.post("/settings/token").get_data(as_text=True)
    token = token_page.split('<code id="api-token">')[1].split("</code>")[0]
    with db(web_rt) as session:
        account = session.exec(select(MailAccount)).one()
        encrypted = account.secret_encrypted
        password_hash = session.get(User, user.id).password_hash
    pages = [client.get(url) for url in ("/", "/accounts/", f"/accounts/{account.id}", "/settings/",
                                         "/complaints/", f"/accounts/{account.id}/delete", "/accounts/new")]
    headers = {"Authorization": f"Bearer {token}"}
    pages += [client.client.get(url, headers=headers) for url in ("/api/v1/accounts", "/api/v1/tasks")]
    secrets = [imap_user.password, PASSWORD, TEST_SECRET_KEY, encrypted, password_hash, token]
    for response in pages:  # the token only ever appears on the page that issued it
        text = response.get_data(as_text=True) + str(response.headers)
        for secret in secrets:
            assert secret not in text, response.request.path
    assert "API token" in caplog.text or "issued a new API token" in caplog.text
    for secret in secrets:
        assert secret not in caplog.text

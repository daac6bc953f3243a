"""Security of the web UI: scoping by user (on SQLite and PostgreSQL), and secrets kept out of
pages, logs and the API (CSRF and mail shown as text: tests/unit/test_web_security.py)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func
from sqlmodel import select

from followup.db.models import FollowUpTask, LabelFeedback, MailAccount, Thread, User
from followup.db.users import issue_api_token
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.rows import PASSWORD, add_account, add_task, add_thread, add_user, db
from tests.runtimes import TEST_SECRET_KEY
from tests.web_client import WebClient, make_app


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

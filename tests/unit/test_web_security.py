"""Security of the web UI in process: CSRF on every form, mail with markup shown as text."""

from __future__ import annotations

import logging
import re

from followup.db.models import FollowUpTask, MailAccount, User
from followup.domain.vocabulary import TaskStatus
from tests.rows import PASSWORD, add_account, add_contact, add_task, add_thread, add_user, db


def test_every_form_rejects_a_missing_or_wrong_csrf_token(client, web_rt, rep, caplog):
    caplog.set_level(logging.INFO, logger="web")
    app = client.client.application
    client.login("rep@example.com")
    ids = {"task_id": rep["task"].id, "thread_id": rep["thread"].id, "message_id": rep["messages"][0].id,
           "account_id": rep["account"].id, "name": "google"}
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

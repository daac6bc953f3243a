"""Undo after each action (plain forms and htmx), Reopen and Wake now, unmute bringing back
what the mute closed, and the API's status open — each recorded in the task's history."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from followup.db.models import FollowUpTask, LabelFeedback, TaskEvent, Thread, User
from followup.domain.vocabulary import TaskKind, TaskStatus
from followup.db.users import issue_api_token
from tests.rows import NOW, add_support_team, add_task, add_user, db
from tests.web_client import WebClient
from web.undo import UNDO_GRACE, UNDO_SECONDS

UNDO_TOKEN = re.compile(r'name="token" value="([^"]+)"')
HTMX = {"HX-Request": "true"}


def task(rt, task_id) -> FollowUpTask:
    with db(rt) as session:
        return session.get(FollowUpTask, task_id)


def events(rt, task_id) -> list[tuple[str, str]]:
    with db(rt) as session:
        return [(e.event, e.detail) for e in session.exec(
            select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(TaskEvent.id))]


def act_then_token(client, url, data) -> str:
    """Do the action as a browser without JavaScript: the next page carries the Undo button."""
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = UNDO_TOKEN.search(page)
    assert found and ">Undo</button>" in page, "no Undo button on the page after the action"
    return found.group(1)


def test_done_dismiss_and_snooze_each_come_back_with_undo(client, web_rt, rep):
    task_id = rep["task"].id
    client.login("rep@example.com")
    for action, closed in (("done", TaskStatus.DONE), ("dismiss", TaskStatus.DISMISSED),
                           ("snooze_tomorrow", TaskStatus.SNOOZED)):
        token = act_then_token(client, f"/tasks/{task_id}", {"action": action, "next": "/"})
        assert task(web_rt, task_id).status == closed
        response = client.post("/undo", {"token": token, "next": "/"})
        assert response.status_code == 302
        assert "Undone." in client.get("/").get_data(as_text=True)
        back = task(web_rt, task_id)
        assert (back.status, back.closed_at, back.snooze_until) == (TaskStatus.OPEN, None, None)
    assert [e for e in events(web_rt, task_id) if e[0] == "undone"] == [
        ("undone", "done undone"), ("undone", "dismiss undone"), ("undone", "snooze undone")]
    with db(web_rt) as session:  # the dismissal's "not needed" feedback went with it
        assert not session.exec(select(LabelFeedback).where(LabelFeedback.needs_reply.is_(False))).all()


def test_undo_with_htmx_refreshes_the_page_and_refuses_late_forged_or_stale_tokens(client, web_rt, rep, app):
    task_id = rep["task"].id
    client.login("rep@example.com")
    client.get("/")
    acted = client.post(f"/tasks/{task_id}", {"action": "done"}, headers=HTMX)
    token = UNDO_TOKEN.search(acted.get_data(as_text=True)).group(1)
    assert 'data-undo-seconds="10"' in acted.get_data(as_text=True)

    other = WebClient(app.test_client())
    add_user(web_rt, "other@example.com")
    other.login("other@example.com")
    assert other.post("/undo", {"token": token, "next": "/"}).status_code == 302  # someone else's button
    assert task(web_rt, task_id).status == TaskStatus.DONE
    forged = client.post("/undo", {"token": token[:-3] + "abc", "next": "/"})
    assert forged.status_code == 302 and "This Undo button is not valid." in client.get("/").get_data(as_text=True)
    app.config["FOLLOWUP_NOW"] = NOW + timedelta(seconds=UNDO_SECONDS) + UNDO_GRACE + timedelta(seconds=1)
    client.post("/undo", {"token": token, "next": "/"})
    assert "Too late to undo" in client.get("/").get_data(as_text=True)
    assert task(web_rt, task_id).status == TaskStatus.DONE

    app.config["FOLLOWUP_NOW"] = NOW + timedelta(seconds=3)
    response = client.post("/undo", {"token": token}, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Refresh"] == "true"
    assert task(web_rt, task_id).status == TaskStatus.OPEN
    # The same button again: the task has moved on, nothing changes.
    client.post("/undo", {"token": token, "next": "/"})
    assert "Could not undo: the follow-up changed since: it is open now." in client.get("/").get_data(as_text=True)


def test_mute_undo_and_unmute_bring_back_the_tasks_the_mute_closed(client, web_rt, rep):
    task_id, thread_id = rep["task"].id, rep["thread"].id
    done_before = add_task(web_rt, rep["account"], rep["thread"], kind=TaskKind.NEEDS_REPLY,
                           status=TaskStatus.DONE, key="other", closed_at=NOW - timedelta(days=2))
    client.login("rep@example.com")
    token = act_then_token(client, f"/tasks/{task_id}", {"action": "mute", "next": "/"})
    with db(web_rt) as session:
        assert session.get(Thread, thread_id).muted
    client.post("/undo", {"token": token, "next": "/"})
    with db(web_rt) as session:
        assert not session.get(Thread, thread_id).muted
    assert task(web_rt, task_id).status == TaskStatus.OPEN
    assert task(web_rt, done_before.id).status == TaskStatus.DONE  # closed otherwise: stays closed

    # Muted from the thread page, unmuted from it later (no Undo used).
    client.get(f"/threads/{thread_id}")
    client.post(f"/threads/{thread_id}/mute")
    assert task(web_rt, task_id).status == TaskStatus.DISMISSED
    client.post(f"/threads/{thread_id}/unmute")
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "1 follow-up the mute closed is back." in page
    assert task(web_rt, task_id).status == TaskStatus.OPEN
    assert events(web_rt, task_id)[-1] == ("reopened", "thread unmuted")


def test_relabel_can_be_undone(client, web_rt, rep):
    message = rep["messages"][0]
    client.login("rep@example.com")
    client.get(f"/threads/{rep['thread'].id}")
    token = act_then_token(client, f"/threads/messages/{message.id}/label", {"label": "complaint"})
    with db(web_rt) as session:
        assert session.exec(select(LabelFeedback.label).where(LabelFeedback.message_id == message.id)).all() == ["complaint"]
    client.post("/undo", {"token": token, "next": f"/threads/{rep['thread'].id}"})
    with db(web_rt) as session:
        assert session.exec(select(LabelFeedback).where(LabelFeedback.message_id == message.id)).all() == []


def test_assign_can_be_undone(client, web_rt):
    lead, member, other, outsider, tasks = add_support_team(web_rt)
    complaint = tasks["Broken table"]
    client.login("lead@example.com")
    client.get("/complaints/")
    token = act_then_token(client, f"/complaints/{complaint.id}/assign", {"assignee_id": other.id})
    assert task(web_rt, complaint.id).assignee_id == other.id
    client.post("/undo", {"token": token, "next": "/complaints/"})
    assert task(web_rt, complaint.id).assignee_id == complaint.assignee_id
    assert events(web_rt, complaint.id)[-1][0] == "undone"


def test_closed_view_reopens_snoozed_view_wakes_and_the_api_reopens(client, web_rt, rep):
    task_id = rep["task"].id
    client.login("rep@example.com")
    client.post(f"/tasks/{task_id}", {"action": "done"})
    closed = client.get("/?view=closed").get_data(as_text=True)
    assert 'value="reopen"' in closed
    client.post(f"/tasks/{task_id}", {"action": "reopen"})
    assert task(web_rt, task_id).status == TaskStatus.OPEN

    client.post(f"/tasks/{task_id}", {"action": "snooze_next_week"})
    snoozed = client.get("/?view=snoozed").get_data(as_text=True)
    assert 'value="wake"' in snoozed
    client.post(f"/tasks/{task_id}", {"action": "wake"})
    assert task(web_rt, task_id).status == TaskStatus.OPEN and task(web_rt, task_id).snooze_until is None
    assert client.post(f"/tasks/{task_id}", {"action": "wake"}).status_code == 302  # not snoozed: an error message
    assert "not snoozed" in client.get("/").get_data(as_text=True)

    client.post(f"/tasks/{task_id}", {"action": "dismiss"})
    with db(web_rt) as session:
        token = issue_api_token(session.get(User, rep["user"].id))
        session.commit()
    response = client.client.patch(f"/api/v1/tasks/{task_id}", json={"status": "open"},
                                   headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["status"] == "open"
    assert [e[0] for e in events(web_rt, task_id)] == ["done", "reopened", "snoozed", "woken", "dismissed", "reopened"]

"""The complaint board: columns, what a lead and a member see, assigning."""

from __future__ import annotations

from followup.db.models import FollowUpTask
from tests.rows import add_support_team, db


def _column(page: str, name: str) -> str:
    start = page.index(f'id="col-{name}"')
    end = page.find('<section class="column"', start)
    return page[start:end if end > 0 else len(page)]


def test_lead_sees_the_whole_team_board(client, web_rt):
    lead, member, other, outsider, tasks = add_support_team(web_rt)
    client.login("lead@example.com")
    page = client.get("/complaints/").get_data(as_text=True)
    new = _column(page, "new")
    assert "Broken table" in new and "Late delivery" in new and "Outsider" not in page
    assert "Refund given" in _column(page, "answered")
    assert "First response" in new and ">in 5 hours</time>" in new and "priority 3" in new
    assert "whole team" in page and "Assign to" in page


def test_member_sees_own_complaints_only(client, web_rt):
    add_support_team(web_rt)
    client.login("member@example.com")
    page = client.get("/complaints/").get_data(as_text=True)
    assert "Broken table" in page and "Late delivery" not in page and "whole team" not in page


def test_assign_to_a_teammate(client, web_rt):
    lead, member, other, outsider, tasks = add_support_team(web_rt)
    client.login("lead@example.com")
    client.get("/complaints/")
    task = tasks["Broken table"]
    response = client.post(f"/complaints/{task.id}/assign", {"assignee_id": other.id})
    assert response.status_code == 302
    with db(web_rt) as session:
        assert session.get(FollowUpTask, task.id).assignee_id == other.id
    page = client.get("/complaints/").get_data(as_text=True)
    assert "Broken table" in _column(page, "assigned") and "Owner: Olga Other" in page
    assert "Assigned to Olga Other." in page
    # Olga now sees it on her own list and board, and can open its thread.
    client.post("/logout")
    client.login("other@example.com")
    assert "Complaint: Broken table" in client.get("/").get_data(as_text=True)
    assert client.get(f"/threads/{task.thread_id}").status_code == 200
    # Max, whose mailbox it came from, no longer has it on his list (it is handed over).
    client.post("/logout")
    client.login("member@example.com")
    assert "Complaint: Broken table" not in client.get("/").get_data(as_text=True)


def test_assign_refuses_outsiders_and_foreign_tasks(client, web_rt):
    lead, member, other, outsider, tasks = add_support_team(web_rt)
    client.login("lead@example.com")
    client.get("/complaints/")
    task = tasks["Broken table"]
    assert client.post(f"/complaints/{task.id}/assign", {"assignee_id": outsider.id}).status_code == 400
    assert client.post(f"/complaints/{task.id}/assign", {"assignee_id": "x"}).status_code == 400
    assert client.post(f"/complaints/{task.id}/assign", {}).status_code == 400
    assert client.post(f"/complaints/{tasks['Outsider' + chr(39) + 's complaint'].id}/assign",
                       {"assignee_id": member.id}).status_code == 404
    client.post("/logout")
    client.login("member@example.com")
    client.get("/complaints/")
    # A member cannot take over a teammate's complaint.
    assert client.post(f"/complaints/{tasks['Late delivery'].id}/assign", {"assignee_id": member.id}).status_code == 404


def test_assign_only_complaints(client, web_rt, rep):
    client.login("rep@example.com")
    client.get("/complaints/")
    response = client.post(f"/complaints/{rep['task'].id}/assign", {"assignee_id": rep["user"].id})
    assert response.status_code == 404

"""The follow-ups list: rows, filters, pages, counts, and the actions with and without htmx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from followup.db.models import FollowUpTask, LabelFeedback, TaskEvent, Thread
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.rows import NOW, add_account, add_task, add_thread, db

HTMX = {"HX-Request": "true", "HX-Target": "task-1"}


def task_row(rt, task_id) -> FollowUpTask:
    with db(rt) as session:
        return session.get(FollowUpTask, task_id)


def test_list_shows_the_nudge_with_its_context(client, rep):
    client.login("rep@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "No reply in 5 days — Bea Buyer" in page
    assert "Customer Ltd" in page and "Quote for 500 chairs" in page
    assert 'class="badge label label-inquiry">inquiry' in page
    assert "6 days ago" in page  # the trigger mail's age against FOLLOWUP_NOW
    assert f'href="/threads/{rep["thread"].id}"' in page
    # The counts per kind in the navigation.
    assert '<span class="count" data-kind="all">1</span>' in page
    assert '<span class="count" data-kind="awaiting_reply">1</span>' in page


def test_list_is_most_urgent_first_and_hides_what_is_not_open(client, web_rt, rep):
    account = rep["account"]
    t2, _ = add_thread(web_rt, account, "Second")
    t3, _ = add_thread(web_rt, account, "Third")
    t4, _ = add_thread(web_rt, account, "Fourth")
    t5, _ = add_thread(web_rt, account, "Fifth")
    add_task(web_rt, account, t2, nudge="URGENT complaint", kind=TaskKind.COMPLAINT, priority=5)
    add_task(web_rt, account, t3, nudge="Done already", status=TaskStatus.DONE, closed_at=NOW)
    add_task(web_rt, account, t4, nudge="Snoozed for later", status=TaskStatus.SNOOZED,
             snooze_until=NOW + timedelta(days=2))
    add_task(web_rt, account, t5, nudge="Snooze ended", status=TaskStatus.SNOOZED,
             snooze_until=NOW - timedelta(hours=1), priority=0)
    client.login("rep@example.com")
    page = client.get("/").get_data(as_text=True)
    assert page.index("URGENT complaint") < page.index("No reply in 5 days") < page.index("Snooze ended")
    assert "Done already" not in page and "Snoozed for later" not in page
    snoozed = client.get("/?view=snoozed").get_data(as_text=True)
    assert "Snoozed for later" in snoozed and "No reply in 5 days" not in snoozed
    closed = client.get("/?view=closed").get_data(as_text=True)
    assert "Done already" in closed and "URGENT" not in closed
    assert '<span class="count" data-kind="all">3</span>' in page


def test_filters(client, web_rt, rep):
    account = rep["account"]
    other = add_account(web_rt, rep["user"], address="rep2@example.com", name="Second box")
    t2, m2 = add_thread(web_rt, account, "Broken chairs", messages=[
        {"label": "complaint", "sent_at": NOW - timedelta(days=1)}])
    t3, m3 = add_thread(web_rt, other, "Other mailbox", messages=[{"label": "sale"}])
    add_task(web_rt, account, t2, m2[0], kind=TaskKind.COMPLAINT, nudge="Complaint: needs an owner")
    add_task(web_rt, other, t3, m3[0], kind=TaskKind.POST_SALE_CHECKIN, nudge="Ask how it went")
    client.login("rep@example.com")

    def nudges(query):
        page = client.get("/" + query).get_data(as_text=True)
        return {n for n in ("No reply in 5 days", "Complaint: needs an owner", "Ask how it went") if n in page}

    assert nudges("") == {"No reply in 5 days", "Complaint: needs an owner", "Ask how it went"}
    assert nudges("?kind=complaint") == {"Complaint: needs an owner"}
    assert nudges("?label=sale") == {"Ask how it went"}
    assert nudges(f"?account={other.id}") == {"Ask how it went"}
    assert nudges("?age=2") == {"No reply in 5 days", "Ask how it went"}  # complaint mail is 1 day old
    assert nudges("?age=30") == set()
    # Unknown values are ignored rather than failing.
    assert nudges("?kind=nonsense&label=<x>&age=99&view=zzz&page=-3") == nudges("")
    page = client.get("/?kind=complaint").get_data(as_text=True)
    assert '<option value="complaint" selected>' in page and "Second box" in page


def test_pagination(client, web_rt, rep, app):
    app.config["TASKS_PER_PAGE"] = 2
    account = rep["account"]
    for i in range(4):
        thread, _ = add_thread(web_rt, account, f"Thread {i}")
        add_task(web_rt, account, thread, nudge=f"Nudge number {i}", priority=10 - i)
    client.login("rep@example.com")
    first = client.get("/").get_data(as_text=True)
    assert "Nudge number 0" in first and "Nudge number 1" in first and "Nudge number 2" not in first
    assert 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    third = client.get("/?page=3").get_data(as_text=True)
    assert "No reply in 5 days" in third and 'rel="next"' not in third and 'rel="prev" href="/?page=2"' in third
    assert "Nothing to follow up" in client.get("/?page=9").get_data(as_text=True)


def test_empty_states(client, web_rt):
    from tests.rows import add_user

    add_user(web_rt, "new@example.com")
    client.login("new@example.com")
    assert "Connect one" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("action, status", [("done", TaskStatus.DONE), ("dismiss", TaskStatus.DISMISSED)])
def test_done_and_dismiss_without_js(client, web_rt, rep, action, status):
    client.login("rep@example.com")
    client.get("/")
    task = rep["task"]
    response = client.post(f"/tasks/{task.id}", {"action": action, "next": "/?kind=awaiting_reply"})
    assert response.status_code == 302 and response.headers["Location"] == "/?kind=awaiting_reply"
    assert task_row(web_rt, task.id).status == status
    page = client.get("/").get_data(as_text=True)
    assert "No reply in 5 days" not in page and ("Marked as done." in page or "Dismissed" in page)
    with db(web_rt) as session:
        events = session.exec(select(TaskEvent).where(TaskEvent.task_id == task.id)).all()
        assert [e.actor_id for e in events] == [rep["user"].id]
        feedback = session.exec(select(LabelFeedback)).all()
        assert (len(feedback) == 1 and feedback[0].needs_reply is False) if action == "dismiss" else not feedback


def test_snooze_choices(client, web_rt, rep):
    client.login("rep@example.com")
    client.get("/")
    task = rep["task"]
    client.post(f"/tasks/{task.id}", {"action": "snooze_tomorrow"})
    row = task_row(web_rt, task.id)
    assert row.status == TaskStatus.SNOOZED and row.snooze_until == NOW.replace(day=11, hour=8)
    assert "No reply in 5 days" not in client.get("/").get_data(as_text=True)


def test_snooze_next_week_and_to_a_date_in_the_users_zone(client, web_rt, rep):
    from followup.db.models import User

    with db(web_rt) as session:
        session.get(User, rep["user"].id).timezone = "Europe/Berlin"
        session.commit()
    account = rep["account"]
    thread, _ = add_thread(web_rt, account, "Another")
    other = add_task(web_rt, account, thread, nudge="Another nudge")
    client.login("rep@example.com")
    client.get("/")
    client.post(f"/tasks/{rep['task'].id}", {"action": "snooze_next_week"})
    # Tuesday 10 March → Monday 16 March, 08:00 in Berlin (07:00 UTC).
    assert task_row(web_rt, rep["task"].id).snooze_until == NOW.replace(day=16, hour=7)
    response = client.post(f"/tasks/{other.id}", {"action": "snooze_date", "on_date": "2026-04-01"})
    assert response.status_code == 302
    assert task_row(web_rt, other.id).snooze_until == NOW.replace(month=4, day=1, hour=6)  # CEST


@pytest.mark.parametrize("on_date, message", [
    ("", "Pick a date to snooze until."),
    ("2026-03-10", "The snooze date must be after today."),
    ("2030-01-01", "Snooze for at most a year."),
    ("not a date", "Pick a date to snooze until."),
])
def test_snooze_to_a_bad_date_says_why(client, web_rt, rep, on_date, message):
    client.login("rep@example.com")
    client.get("/")
    response = client.post(f"/tasks/{rep['task'].id}", {"action": "snooze_date", "on_date": on_date})
    assert response.status_code == 302
    assert message in client.get("/").get_data(as_text=True)
    assert task_row(web_rt, rep["task"].id).status == TaskStatus.OPEN


def test_unknown_action_and_closed_task(client, web_rt, rep):
    client.login("rep@example.com")
    client.get("/")
    client.post(f"/tasks/{rep['task'].id}", {"action": "explode"})
    assert "Unknown action" in client.get("/").get_data(as_text=True)
    client.post(f"/tasks/{rep['task'].id}", {"action": "done"})
    client.post(f"/tasks/{rep['task'].id}", {"action": "dismiss"})
    assert "already done" in client.get("/").get_data(as_text=True)
    assert task_row(web_rt, rep["task"].id).status == TaskStatus.DONE


def test_mute_from_the_list(client, web_rt, rep):
    client.login("rep@example.com")
    client.get("/")
    client.post(f"/tasks/{rep['task'].id}", {"action": "mute"})
    with db(web_rt) as session:
        assert session.get(Thread, rep["thread"].id).muted
    assert task_row(web_rt, rep["task"].id).status == TaskStatus.DISMISSED


def test_actions_with_htmx_remove_the_row_and_update_the_counts(client, web_rt, rep):
    account = rep["account"]
    thread, _ = add_thread(web_rt, account, "Another")
    add_task(web_rt, account, thread, nudge="Another nudge", kind=TaskKind.NEEDS_REPLY)
    client.login("rep@example.com")
    page = client.get("/").get_data(as_text=True)
    assert f'hx-post="/tasks/{rep["task"].id}"' in page and f'hx-target="#task-{rep["task"].id}"' in page
    response = client.post(f"/tasks/{rep['task'].id}", {"action": "snooze_tomorrow"}, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'id="task-{rep["task"].id}"' not in body  # the swapped-in row is empty: it leaves the list
    assert 'id="messages"' in body and "Snoozed until" in body and 'hx-swap-oob="true"' in body
    assert '<span class="count" data-kind="all">1</span>' in body
    # The kind that emptied stays in the navigation, with 0.
    assert '<span class="count" data-kind="awaiting_reply">0</span>' in body

    # An error keeps the row and shows the message in the status area.
    client.post(f"/tasks/{rep['task'].id}", {"action": "done"}, headers=HTMX)
    response = client.post(f"/tasks/{rep['task'].id}", {"action": "dismiss"}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#messages"
    assert "already done" in response.get_data(as_text=True)


def test_a_task_link_leads_to_its_thread(client, rep, web_rt):
    client.login("rep@example.com")
    response = client.get(f"/tasks/{rep['task'].id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/threads/{rep['thread'].id}#task-{rep['task'].id}"
    threadless = add_task(web_rt, rep["account"], None, nudge="Dormant", kind=TaskKind.DORMANT_CUSTOMER,
                          key="dormant:contact:1")
    assert client.get(f"/tasks/{threadless.id}").status_code == 404
    assert client.get("/tasks/999999").status_code == 404
    assert client.post("/tasks/999999", {"action": "done"}).status_code == 404


def test_rows_reused_between_views_still_show_every_change_and_a_working_form(client, web_rt, rep):
    """Rendered rows are reused (web/view_cache.py): a changed task, label or subject must show
    at once, and each view's forms must carry that session's token and the page to return to."""
    client.login("rep@example.com")
    assert "Quote for 500 chairs" in client.get("/?kind=awaiting_reply").get_data(as_text=True)
    with db(web_rt) as session:
        thread = session.get(Thread, rep["thread"].id)
        thread.subject = "<script>alert(1)</script> Quote for 600 chairs"
        task = session.get(FollowUpTask, rep["task"].id)
        task.nudge = "No reply in 6 days — Bea Buyer"
        session.add_all([thread, task])
        session.commit()
    page = client.get("/?kind=awaiting_reply").get_data(as_text=True)
    assert "Quote for 600 chairs" in page and "No reply in 6 days" in page and "500 chairs" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    form = page[page.index('<form method="post" action="/tasks/'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    back = re.search(r'name="next" value="([^"]+)"', form).group(1)
    assert back == "/?kind=awaiting_reply"
    response = client.post(f"/tasks/{rep['task'].id}", {"action": "done", "next": back, "csrf_token": token},
                           csrf=False)
    assert response.status_code == 302 and response.headers["Location"] == "/?kind=awaiting_reply"
    assert task_row(web_rt, rep["task"].id).status == TaskStatus.DONE
    assert "No reply in 6 days" not in client.get("/?kind=awaiting_reply").get_data(as_text=True)


def test_counts_are_recounted_after_the_users_own_change_and_kept_briefly_otherwise(client, web_rt, rep, app):
    """web/view_cache.py: a change from elsewhere shows in the list at once and in the counts
    within FOLLOWUP_COUNTS_TTL; the user's own change shows in both at once."""
    client.login("rep@example.com")
    assert '<span class="count" data-kind="all">1</span>' in client.get("/").get_data(as_text=True)
    t2, _ = add_thread(web_rt, rep["account"], "Second")
    t3, _ = add_thread(web_rt, rep["account"], "Third")
    add_task(web_rt, rep["account"], t2, nudge="Found by a sync meanwhile", kind=TaskKind.COMPLAINT)
    add_task(web_rt, rep["account"], t3, nudge="Another one", kind=TaskKind.COMPLAINT)
    page = client.get("/").get_data(as_text=True)
    assert "Found by a sync meanwhile" in page and '<span class="count" data-kind="all">1</span>' in page
    client.post(f"/tasks/{rep['task'].id}", {"action": "done"})
    page = client.get("/").get_data(as_text=True)
    assert '<span class="count" data-kind="all">2</span>' in page
    assert '<span class="count" data-kind="complaint">2</span>' in page
    t4, _ = add_thread(web_rt, rep["account"], "Fourth")
    add_task(web_rt, rep["account"], t4, nudge="Yet another", kind=TaskKind.COMPLAINT)
    app.config["FOLLOWUP_COUNTS_TTL"] = 0  # as if the TTL had passed
    page = client.get("/").get_data(as_text=True)
    assert "Yet another" in page
    assert '<span class="count" data-kind="all">3</span>' in page, re.findall(r"data-kind=\"all\">\d+", page)


def test_a_checkin_snoozed_to_before_its_window_is_upcoming_once_it_wakes(client, web_rt, rep):
    from followup.tasks import list_open_tasks

    thread, _ = add_thread(web_rt, rep["account"], "Order 78")
    add_task(web_rt, rep["account"], thread, kind=TaskKind.POST_SALE_CHECKIN, due=NOW + timedelta(days=5),
             status=TaskStatus.SNOOZED, snooze_until=NOW - timedelta(hours=1),
             nudge="Sale closed Tue 10 Mar — ask Bea how it went (from Sun 15 Mar)")
    client.login("rep@example.com")
    assert "ask Bea how it went" not in client.get("/").get_data(as_text=True)  # not open yet
    assert "ask Bea how it went" in client.get("/?view=upcoming").get_data(as_text=True)
    with db(web_rt) as session:
        assert TaskKind.POST_SALE_CHECKIN in [t.kind for t in list_open_tasks(session, now=NOW + timedelta(days=5))]


def test_a_checkin_whose_window_opens_later_is_upcoming_on_every_page(client, web_rt, rep):
    from followup.tasks import list_open_tasks

    account = rep["account"]
    thread, _ = add_thread(web_rt, account, "Order 77")
    add_task(web_rt, account, thread, kind=TaskKind.POST_SALE_CHECKIN, due=NOW + timedelta(days=2),
             nudge="Sale closed Tue 10 Mar — ask Bea how it went (from Thu 12 Mar)")
    client.login("rep@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "ask Bea how it went" not in page
    assert '<span class="count" data-kind="all">1</span>' in page  # the awaiting reply only
    assert '<span class="count" data-kind="post_sale_checkin">' not in page or \
        '<span class="count" data-kind="post_sale_checkin">0</span>' in page
    upcoming = client.get("/?view=upcoming").get_data(as_text=True)
    assert "ask Bea how it went" in upcoming and "No reply in 5 days" not in upcoming
    account_page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "1 open follow-ups" in account_page
    with db(web_rt) as session:  # the digest and `followup tasks` list the same
        assert [t.kind for t in list_open_tasks(session, now=NOW)] == [TaskKind.AWAITING_REPLY]
        # Once the window opens it is open like any other.
        later = [t.kind for t in list_open_tasks(session, now=NOW + timedelta(days=2))]
        assert sorted(later) == sorted([TaskKind.AWAITING_REPLY, TaskKind.POST_SALE_CHECKIN])

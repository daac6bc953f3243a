"""Detection against a real database (SQLite and PostgreSQL): idempotency, resolving,
the user's actions, round robin, the command line."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from followup.db.session import session_scope
from followup.tasks import assign_task, complete_task, dismiss_task, list_open_tasks, mute_thread, snooze_task
from followup.detection.service import detect_account
from followup.db.models import (
    Contact,
    FollowUpTask,
    LabelFeedback,
    MailAccount,
    Message,
    Team,
    TaskEvent,
    Thread,
    User,
)
from followup.domain.vocabulary import TaskStatus

UTC = timezone.utc
ME = "rep@seller.com"
MON = datetime(2026, 3, 2, 10, tzinfo=UTC)
_n = itertools.count(1)


@pytest.fixture
def account_id(db_engine) -> int:
    with session_scope(db_engine) as session:
        team = Team(name="Sales")
        session.add(team)
        session.flush()
        user = User(email=ME, display_name="Rep", password_hash="x", team_id=team.id, role="lead")
        session.add(user)
        session.flush()
        for name in ("kim", "lee"):
            session.add(User(email=f"{name}@seller.com", password_hash="x", team_id=team.id))
        account = MailAccount(user_id=user.id, addresses=[ME], internal_domains=["seller.com"])
        session.add(account)
        session.flush()
        return account.id


def add_thread(engine, account_id: int, subject: str, *messages: dict) -> int:
    with session_scope(engine) as session:
        thread = Thread(account_id=account_id, subject=subject)
        session.add(thread)
        session.flush()
        add_messages(session, account_id, thread.id, *messages)
        return thread.id


def add_messages(session: Session, account_id: int, thread_id: int, *messages: dict) -> list[int]:
    thread = session.get(Thread, thread_id)
    ids = []
    for values in messages:
        n = next(_n)
        outbound = values.get("direction") == "outbound"
        message = Message(
            account_id=account_id, thread_id=thread_id, message_id_header=values.pop("message_id_header", f"m{n}@test"),
            content_hash=f"h{n}",
            from_addr=values.pop("from_addr", ME if outbound else "dana@acme.com"),
            from_name=values.pop("from_name", "Rep" if outbound else "Dana Wu"),
            to_addrs=values.pop("to_addrs", ["dana@acme.com"] if outbound else [ME]),
            subject=thread.subject, **values,
        )
        session.add(message)
        session.flush()
        ids.append(message.id)
        thread.message_count += 1
        thread.last_message_at = max(filter(None, (thread.last_message_at, message.sent_at)))
    thread.needs_detection = True
    thread.updated_at = datetime.now(UTC)
    session.add(thread)
    return ids


def out(at, text="Could you confirm the quote?", **kw) -> dict:
    return dict(direction="outbound", sent_at=at, body_text=text, **kw)


def inn(at, text="Can you send the datasheet?", **kw) -> dict:
    return dict(direction="inbound", sent_at=at, body_text=text, **kw)


def detect(engine, account_id, now, full=False):
    with session_scope(engine) as session:
        return detect_account(session, account_id, now, full=full)


def tasks(engine) -> dict[str, FollowUpTask]:
    with session_scope(engine) as session:
        return {t.key: t for t in session.exec(select(FollowUpTask))}


def events(engine, task_id: int) -> list[str]:
    with session_scope(engine) as session:
        return [e.event for e in session.exec(select(TaskEvent).where(TaskEvent.task_id == task_id)
                                               .order_by(TaskEvent.id))]


def snapshot(engine):
    with session_scope(engine) as session:
        return ([t.model_dump() for t in session.exec(select(FollowUpTask).order_by(FollowUpTask.id))],
                [e.model_dump() for e in session.exec(select(TaskEvent).order_by(TaskEvent.id))],
                [c.model_dump() for c in session.exec(select(Contact).order_by(Contact.id))])


def test_every_kind_and_detecting_twice_changes_nothing(db_engine, account_id):
    add_thread(db_engine, account_id, "Quote for 200 units", out(MON))
    add_thread(db_engine, account_id, "Datasheet", inn(MON + timedelta(days=4), label="inquiry", needs_reply=True))
    add_thread(db_engine, account_id, "Order 200 units",
               inn(MON + timedelta(days=3), "We'll take 200 units.", label="sale", needs_reply=False),
               out(MON + timedelta(days=3, hours=1), "Deal signed, invoice attached.", label="sale", needs_reply=False))
    add_thread(db_engine, account_id, "Broken units",
               inn(MON + timedelta(days=4), "Broken on arrival. I want a refund.", label="complaint"))
    first_sale = datetime(2025, 3, 10, 12, tzinfo=UTC)  # the anniversary is next Tuesday
    add_thread(db_engine, account_id, "Old order", inn(first_sale, "We'll take 50.", label="sale",
                                                       from_addr="old@globex.com", from_name="Olga Old"),
               out(first_sale + timedelta(days=1), "Thanks, all sorted!", to_addrs=["old@globex.com"]))
    add_thread(db_engine, account_id, "Newsletter", inn(MON, "Want 20% off?", from_addr="news@shop.com", is_bulk=True))
    now = MON + timedelta(days=7)  # Monday 9 March
    report = detect(db_engine, account_id, now)
    assert report.threads == 6 and report.opened == 6
    kinds = sorted(t.kind for t in tasks(db_engine).values())
    assert kinds == ["anniversary", "awaiting_reply", "complaint", "dormant_customer", "needs_reply",
                     "post_sale_checkin"]
    before = snapshot(db_engine)
    again = detect(db_engine, account_id, now)
    assert again.threads == 0 and again.changed == 0
    full = detect(db_engine, account_id, now, full=True)
    assert full.threads == 6 and full.changed == 0, full
    assert snapshot(db_engine) == before

    with session_scope(db_engine) as session:
        rows = list_open_tasks(session, now)
    assert [r.kind for r in rows][:2] == ["needs_reply", "complaint"]  # the waiting prospect, then the refund
    awaiting = next(r for r in rows if r.kind == "awaiting_reply")
    assert awaiting.nudge == "No reply in 5 business days — Dana Wu (Acme), 'Quote for 200 units'"
    assert awaiting.contact == "dana@acme.com" and awaiting.subject == "Quote for 200 units"


def test_a_reply_resolves_the_task_with_an_event(db_engine, account_id):
    thread_id = add_thread(db_engine, account_id, "Quote", out(MON))
    detect(db_engine, account_id, MON + timedelta(days=7))
    task = tasks(db_engine)[f"awaiting_reply:thread:{thread_id}"]
    assert task.status == TaskStatus.OPEN
    with session_scope(db_engine) as session:
        [reply_id] = add_messages(session, account_id, thread_id,
                                  inn(MON + timedelta(days=7, hours=2), "Yes, confirmed.", needs_reply=False))
    report = detect(db_engine, account_id, MON + timedelta(days=7, hours=3))
    assert report.threads == 1 and report.resolved == 1
    task = tasks(db_engine)[task.key]
    assert task.status == TaskStatus.RESOLVED and task.closed_at == MON + timedelta(days=7, hours=3)
    assert events(db_engine, task.id) == ["opened", "resolved"]
    with session_scope(db_engine) as session:
        detail = session.exec(select(TaskEvent.detail).where(TaskEvent.event == "resolved")).one()
        assert "Dana Wu (Acme) replied" in detail
        assert not session.get(Thread, thread_id).needs_detection


def test_time_alone_brings_the_second_nudge_and_the_expiry(db_engine, account_id):
    thread_id = add_thread(db_engine, account_id, "Quote", out(MON))
    assert detect(db_engine, account_id, MON + timedelta(days=1)).opened == 0
    with session_scope(db_engine) as session:
        assert session.get(Thread, thread_id).detect_at == MON + timedelta(days=7)
    assert detect(db_engine, account_id, MON + timedelta(days=6)).threads == 0  # nothing due yet
    assert detect(db_engine, account_id, MON + timedelta(days=7)).opened == 1
    second = detect(db_engine, account_id, MON + timedelta(days=14))
    assert second.threads == 1 and second.nudged == 1
    task = tasks(db_engine)[f"awaiting_reply:thread:{thread_id}"]
    assert task.nudge_count == 2 and "reminder 2 of 3" in task.nudge
    detect(db_engine, account_id, MON + timedelta(days=21))
    assert detect(db_engine, account_id, MON + timedelta(days=28)).expired == 1
    assert events(db_engine, task.id) == ["opened", "nudged", "nudged", "expired"]


def test_snooze_is_respected_until_its_date(db_engine, account_id):
    add_thread(db_engine, account_id, "Datasheet", inn(MON))
    now = MON + timedelta(days=2)
    detect(db_engine, account_id, now)
    with session_scope(db_engine) as session:
        task = session.exec(select(FollowUpTask)).one()
        rep = session.exec(select(User).where(User.email == ME)).one()
        snooze_task(session, task, now + timedelta(days=3), rep, at=now)
    assert detect(db_engine, account_id, now + timedelta(days=1), full=True).changed == 0
    with session_scope(db_engine) as session:
        assert list_open_tasks(session, now + timedelta(days=1)) == []
        assert session.exec(select(FollowUpTask)).one().status == TaskStatus.SNOOZED
    woke = detect(db_engine, account_id, now + timedelta(days=3))
    assert woke.unsnoozed == 1
    with session_scope(db_engine) as session:
        [row] = list_open_tasks(session, now + timedelta(days=3))
        assert row.status == TaskStatus.OPEN
    assert events(db_engine, row.id) == ["opened", "snoozed", "unsnoozed"]


def test_dismissed_stays_dismissed_until_a_new_trigger(db_engine, account_id):
    thread_id = add_thread(db_engine, account_id, "Late", inn(MON, "Delivery is late.", label="complaint"))
    detect(db_engine, account_id, MON + timedelta(hours=1))
    with session_scope(db_engine) as session:
        task = session.exec(select(FollowUpTask)).one()
        rep = session.exec(select(User).where(User.email == ME)).one()
        dismiss_task(session, task, rep, at=MON + timedelta(hours=2))
        feedback = session.exec(select(LabelFeedback)).one()
        assert feedback.message_id == task.trigger_message_id and feedback.needs_reply is False
    assert detect(db_engine, account_id, MON + timedelta(days=3), full=True).changed == 0
    assert tasks(db_engine)[task.key].status == TaskStatus.DISMISSED
    with session_scope(db_engine) as session:
        add_messages(session, account_id, thread_id,
                     inn(MON + timedelta(days=3), "Still nothing. Cancel my order!", label="complaint"))
    report = detect(db_engine, account_id, MON + timedelta(days=3, hours=1))
    assert report.reopened == 1
    task = tasks(db_engine)[task.key]
    assert task.status == TaskStatus.OPEN and "repeat complaint" in task.nudge
    assert events(db_engine, task.id)[-1] == "reopened"


def test_done_and_muted_are_not_reopened(db_engine, account_id):
    a = add_thread(db_engine, account_id, "A", inn(MON))
    b = add_thread(db_engine, account_id, "B", inn(MON, from_addr="bo@initech.com"))
    now = MON + timedelta(days=2)
    detect(db_engine, account_id, now)
    with session_scope(db_engine) as session:
        rep = session.exec(select(User).where(User.email == ME)).one()
        complete_task(session, session.exec(select(FollowUpTask).where(FollowUpTask.thread_id == a)).one(),
                      rep, at=now)
        assert mute_thread(session, session.get(Thread, b), rep, at=now) == 1
    assert detect(db_engine, account_id, now + timedelta(days=5), full=True).changed == 0
    statuses = {t.thread_id: t.status for t in tasks(db_engine).values()}
    assert statuses == {a: TaskStatus.DONE, b: TaskStatus.DISMISSED}
    # A new question in the done thread is a new trigger; the muted thread stays quiet.
    with session_scope(db_engine) as session:
        add_messages(session, account_id, a, inn(now + timedelta(days=5), "And the price?"))
        add_messages(session, account_id, b, inn(now + timedelta(days=5), "Hello?", from_addr="bo@initech.com"))
    assert detect(db_engine, account_id, now + timedelta(days=7)).reopened == 1
    statuses = {t.thread_id: t.status for t in tasks(db_engine).values()}
    assert statuses == {a: TaskStatus.OPEN, b: TaskStatus.DISMISSED}


def test_complaints_in_my_mailbox_are_mine_unless_the_lead_turns_team_triage_on(db_engine, account_id):
    for i in range(3):
        add_thread(db_engine, account_id, f"Complaint {i}",
                   inn(MON + timedelta(minutes=i), "Broken.", label="complaint", from_addr=f"c{i}@acme.com"))
    detect(db_engine, account_id, MON + timedelta(hours=1))
    with session_scope(db_engine) as session:
        rep = session.exec(select(User).where(User.email == ME)).one()
        rows = session.exec(select(FollowUpTask)).all()
        assert [t.assignee_id for t in rows] == [rep.id] * 3  # teammates exist, yet none vanish from my list
        assert all(t.team_id is not None for t in rows)  # still on the team's board
    assert events(db_engine, rows[0].id) == ["opened", "assigned"]
    with session_scope(db_engine) as session:
        detail = session.exec(select(TaskEvent.detail).where(TaskEvent.task_id == rows[0].id,
                                                              TaskEvent.event == "assigned")).one()
    assert detail == f"to {ME} (the mailbox owner)"


def test_complaints_are_assigned_round_robin_when_team_triage_is_on(db_engine, account_id):
    with session_scope(db_engine) as session:
        session.exec(select(Team)).one().complaint_round_robin = True
    for i in range(4):
        add_thread(db_engine, account_id, f"Complaint {i}",
                   inn(MON + timedelta(minutes=i), "Broken.", label="complaint", from_addr=f"c{i}@acme.com"))
    detect(db_engine, account_id, MON + timedelta(hours=1))
    with session_scope(db_engine) as session:
        emails = {u.id: u.email for u in session.exec(select(User))}
        rows = session.exec(select(FollowUpTask).order_by(FollowUpTask.key)).all()
        assignees = [emails[t.assignee_id] for t in rows]
        assert sorted(assignees[:3]) == ["kim@seller.com", "lee@seller.com", ME]
        assert assignees[3] == assignees[0]
        assert all(t.team_id is not None for t in rows)
        team = session.exec(select(Team)).one()
        assert emails[team.last_assignee_id] == assignees[3]
        rep = session.exec(select(User).where(User.email == ME)).one()
        kim = session.exec(select(User).where(User.email == "kim@seller.com")).one()
        assign_task(session, rows[1], kim, rep, at=MON + timedelta(hours=2))
        key = rows[1].key
    detect(db_engine, account_id, MON + timedelta(days=2), full=True)
    with session_scope(db_engine) as session:
        task = session.exec(select(FollowUpTask).where(FollowUpTask.key == key)).one()
        assert task.assignee_id == kim.id
    assert events(db_engine, task.id) == ["opened", "assigned", "assigned", "nudged"]


def test_contacts_are_kept_and_dormant_customers_found(db_engine, account_id):
    add_thread(db_engine, account_id, "Order", inn(MON, "We'll take 200 units.", label="sale", needs_reply=False),
               out(MON + timedelta(hours=1), "Thanks, all sorted!"))
    detect(db_engine, account_id, MON + timedelta(days=1))
    with session_scope(db_engine) as session:
        contact = session.exec(select(Contact)).one()
        assert (contact.email, contact.name) == ("dana@acme.com", "Dana Wu")
        assert contact.first_sale_at == MON and contact.last_message_at == MON + timedelta(hours=1)
    report = detect(db_engine, account_id, MON + timedelta(days=91))
    assert report.opened == 1 and report.expired == 1  # the post-sale check-in window ended long ago
    [task] = [t for t in tasks(db_engine).values() if t.kind == "dormant_customer"]
    assert task.contact_id == contact.id and task.thread_id is None
    assert task.nudge.startswith("No contact in 90+ days — Dana Wu (Acme)")


def test_an_unknown_account_or_a_naive_now_is_an_error(db_engine, account_id):
    from followup.detection.service import DetectionError
    with session_scope(db_engine) as session:
        with pytest.raises(DetectionError):
            detect_account(session, 999, MON)
        with pytest.raises(DetectionError):
            detect_account(session, account_id, MON.replace(tzinfo=None))


FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]


def cli(args, env):
    result = subprocess.run(FOLLOWUP + args, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cli_detect_and_tasks_json(app_env, db_engine, account_id):
    add_thread(db_engine, account_id, "Quote for 200 units", out(MON))
    add_thread(db_engine, account_id, "Broken units", inn(MON, "Broken, refund please.", label="complaint"))
    now = "2026-03-09T10:00:00+00:00"
    report = json.loads(cli(["detect", "--now", now, "--json"], app_env))
    assert report["opened"] == 2 and report["accounts"][0]["account_id"] == account_id
    rows = json.loads(cli(["tasks", "--json", "--now", now], app_env))
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert {"id", "kind", "status", "account", "thread_id", "subject", "contact", "due_at", "priority",
                "reason", "nudge"} <= set(row)
    awaiting = next(r for r in rows if r["kind"] == "awaiting_reply")
    assert awaiting == awaiting | {
        "status": "open", "account": account_id, "subject": "Quote for 200 units", "contact": "dana@acme.com",
        "due_at": "2026-03-09T10:00:00+00:00",
        "nudge": "No reply in 5 business days — Dana Wu (Acme), 'Quote for 200 units'",
    }
    only = json.loads(cli(["tasks", "--json", "--now", now, "--kind", "complaint", "--account", ME], app_env))
    assert [r["kind"] for r in only] == ["complaint"]
    assert "No reply in 5 business days" in cli(["tasks", "--now", now], app_env)
    assert json.loads(cli(["detect", "--now", now, "--json", "--account", str(account_id)], app_env))["opened"] == 0


def test_a_thread_changed_during_the_pass_stays_flagged(db_engine, account_id, monkeypatch):
    import followup.detection.service as detection

    thread_id = add_thread(db_engine, account_id, "Quote", out(MON))
    load = detection.load_threads

    def load_then_new_mail(session, *args):
        rows = load(session, *args)
        with session_scope(db_engine) as other:  # ingestion commits a reply meanwhile
            add_messages(other, account_id, thread_id, inn(MON + timedelta(days=1), "Yes."))
        return rows

    monkeypatch.setattr(detection, "load_threads", load_then_new_mail)
    try:
        detect(db_engine, account_id, MON + timedelta(days=7))
    except Exception as exc:  # SQLite: the other writer may find the database locked
        pytest.skip(f"concurrent writer not possible here: {exc}")
    monkeypatch.setattr(detection, "load_threads", load)
    with session_scope(db_engine) as session:
        assert session.get(Thread, thread_id).needs_detection
    assert detect(db_engine, account_id, MON + timedelta(days=7)).threads == 1
    with session_scope(db_engine) as session:
        assert not session.get(Thread, thread_id).needs_detection
    assert not [t for t in tasks(db_engine).values() if t.status == TaskStatus.OPEN]


def test_cli_reports_a_bad_setting_in_one_line(app_env, db_engine, account_id):
    with session_scope(db_engine) as session:
        user = session.exec(select(User).where(User.email == ME)).one()
        user.holiday_country = "XX"
        session.add(user)
    result = subprocess.run(FOLLOWUP + ["detect"], capture_output=True, text=True,
                            env={**os.environ, **app_env}, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: account {account_id}: no holiday list for country 'XX': "
                                                  + result.stderr.split("'XX': ", 1)[1].strip()]


def test_an_ignore_rule_added_later_closes_the_task_on_the_next_pass(db_engine, account_id):
    from followup.detection.service import request_detection
    from followup.db.models import IgnoreRule

    add_thread(db_engine, account_id, "Datasheet", inn(MON))
    assert detect(db_engine, account_id, MON + timedelta(days=2)).opened == 1
    with session_scope(db_engine) as session:
        user = session.exec(select(User).where(User.email == ME)).one()
        session.add(IgnoreRule(user_id=user.id, pattern="acme.com"))
        assert request_detection(session, account_id) == 1
    report = detect(db_engine, account_id, MON + timedelta(days=2, hours=1))
    assert report.dismissed == 1
    assert [t.status for t in tasks(db_engine).values()] == [TaskStatus.DISMISSED]


def test_incremental_passes_agree_with_full_passes_as_time_goes_by(db_engine, account_id):
    """Each day: new mail in a few threads, an incremental pass, then a full pass that must
    find nothing left to change (detect_at caught every due date, nudge and expiry)."""
    import random

    rng = random.Random(3)
    people = [f"p{i}@client{i % 7}.com" for i in range(12)]
    texts = [("Can you quote 50 units?", "inquiry", True), ("Order confirmed, thanks!", "sale", False),
             ("It arrived broken, I want a refund.", "complaint", False), ("Thanks, all sorted.", "other", False),
             ("Any news on this?", "other", True), ("FYI the truck left.", "other", False),
             ("We will send the samples by Friday.", "other", False), ("Attached, as promised.", "other", False)]
    thread_ids = []

    def mail(at):
        text, label, needs = rng.choice(texts)
        who = rng.choice(people)
        if rng.random() < 0.5:
            return dict(direction="outbound", sent_at=at, body_text=text, label=label, needs_reply=needs,
                        to_addrs=[who])
        return dict(direction="inbound", sent_at=at, body_text=text, label=label, needs_reply=needs,
                    from_addr=who, from_name=who.split("@")[0].title())

    start = MON - timedelta(days=20)
    for i in range(25):
        at = start + timedelta(hours=rng.randrange(0, 20 * 24))
        thread_ids.append(add_thread(db_engine, account_id, f"Deal {i}", mail(at)))
    for day in range(0, 40):
        now = start + timedelta(days=20 + day, hours=9)
        with session_scope(db_engine) as session:
            for thread_id in rng.sample(thread_ids, 3):
                add_messages(session, account_id, thread_id, mail(now - timedelta(hours=rng.randrange(1, 12))))
        detect(db_engine, account_id, now)
        full = detect(db_engine, account_id, now, full=True)
        assert full.changed == 0, (day, full)
    assert {t.kind for t in tasks(db_engine).values()} >= {"awaiting_reply", "needs_reply", "complaint",
                                                           "post_sale_checkin", "promise"}


# ---- one task per customer question, not per mailbox (issue #16) -----------------------

SALES = "sales@seller.com"


def second_mailbox(engine, owner_email: str, address: str) -> int:
    with session_scope(engine) as session:
        owner = session.exec(select(User).where(User.email == owner_email)).one()
        account = MailAccount(user_id=owner.id, addresses=[address], internal_domains=["seller.com"])
        session.add(account)
        session.flush()
        return account.id


def question_to_both(engine, first: int, second: int, to: list[str]) -> tuple[int, int]:
    """The customer's one mail, synced into both mailboxes: the same Message-ID in each."""
    return tuple(add_thread(engine, account, "Datasheet",
                            inn(MON, to_addrs=to, message_id_header="q1@acme.com")) for account in (first, second))


def test_the_same_mail_in_two_mailboxes_of_one_user_is_one_task_and_a_reply_from_either_closes_it(
        db_engine, account_id):
    sales = second_mailbox(db_engine, ME, SALES)
    _, sales_thread = question_to_both(db_engine, account_id, sales, [ME, SALES])
    detect(db_engine, account_id, MON + timedelta(days=3))
    report = detect(db_engine, sales, MON + timedelta(days=3, hours=1))
    assert report.opened == 0
    [task] = tasks(db_engine).values()
    assert task.kind == "needs_reply" and task.account_id == account_id  # the mailbox detected first keeps it
    with session_scope(db_engine) as session:  # the rep's list, over both mailboxes
        assert len(list_open_tasks(session, MON + timedelta(days=3), account_ids=[account_id, sales])) == 1

    with session_scope(db_engine) as session:  # the rep answers from the sales mailbox
        add_messages(session, sales, sales_thread,
                     out(MON + timedelta(days=3, hours=2), "Attached.", from_addr=SALES, in_reply_to="q1@acme.com"))
    report = detect(db_engine, sales, MON + timedelta(days=3, hours=3))
    assert report.resolved == 1
    [task] = tasks(db_engine).values()
    assert task.status == TaskStatus.RESOLVED and events(db_engine, task.id) == ["opened", "resolved"]
    # The first mailbox never saw the reply: its next pass opens nothing again.
    detect(db_engine, account_id, MON + timedelta(days=4), full=True)
    detect(db_engine, sales, MON + timedelta(days=4), full=True)
    assert [t.status for t in tasks(db_engine).values()] == [TaskStatus.RESOLVED]


def test_a_mail_to_two_teammates_is_one_task_whoever_answers(db_engine, account_id):
    kims = second_mailbox(db_engine, "kim@seller.com", "kim@seller.com")
    rep_thread, _ = question_to_both(db_engine, account_id, kims, [ME, "kim@seller.com"])
    detect(db_engine, account_id, MON + timedelta(days=3))
    detect(db_engine, kims, MON + timedelta(days=3))
    [task] = tasks(db_engine).values()
    assert task.account_id == account_id
    with session_scope(db_engine) as session:  # not twice on the team's lists
        assert list_open_tasks(session, MON + timedelta(days=3), account_ids=[kims]) == []

    with session_scope(db_engine) as session:  # the rep answers from their own mailbox
        add_messages(session, account_id, rep_thread, out(MON + timedelta(days=3, hours=2), "Attached."))
    detect(db_engine, account_id, MON + timedelta(days=3, hours=3))
    detect(db_engine, kims, MON + timedelta(days=5), full=True)  # Kim's copy still looks unanswered
    assert [t.status for t in tasks(db_engine).values()] == [TaskStatus.RESOLVED]


def test_a_customer_gone_quiet_is_one_task_across_a_users_mailboxes_and_mail_in_either_ends_it(
        db_engine, account_id):
    sales = second_mailbox(db_engine, ME, SALES)
    for account in (account_id, sales):  # the same order, synced into both mailboxes
        add_thread(db_engine, account, "Order",
                   inn(MON, "We'll take 200 units.", label="sale", needs_reply=False, to_addrs=[ME, SALES],
                       message_id_header="order@acme.com"),
                   out(MON + timedelta(hours=1), "Thanks, all sorted!", message_id_header="thanks@seller.com"))
    quiet = MON + timedelta(days=91)
    detect(db_engine, account_id, quiet)
    detect(db_engine, sales, quiet + timedelta(hours=1), full=True)
    [task] = [t for t in tasks(db_engine).values() if t.kind == "dormant_customer"]
    assert task.account_id == account_id and task.status == TaskStatus.OPEN

    # Dana writes again, to the sales mailbox only.
    add_thread(db_engine, sales, "Reorder", inn(quiet + timedelta(days=1), "Same again, please.", to_addrs=[SALES]))
    detect(db_engine, sales, quiet + timedelta(days=1, hours=1))
    [task] = [t for t in tasks(db_engine).values() if t.kind == "dormant_customer"]
    assert task.status == TaskStatus.RESOLVED
    detect(db_engine, account_id, quiet + timedelta(days=2), full=True)  # still quiet in the first mailbox
    assert [t.status for t in tasks(db_engine).values() if t.kind == "dormant_customer"] == [TaskStatus.RESOLVED]


def test_mailboxes_of_other_teams_keep_their_own_tasks(db_engine, account_id):
    with session_scope(db_engine) as session:
        other_team = Team(name="Elsewhere")
        session.add(other_team)
        session.flush()
        session.add(User(email="zoe@other.com", password_hash="x", team_id=other_team.id))
    zoes = second_mailbox(db_engine, "zoe@other.com", "zoe@other.com")
    question_to_both(db_engine, account_id, zoes, [ME, "zoe@other.com"])
    detect(db_engine, account_id, MON + timedelta(days=3))
    detect(db_engine, zoes, MON + timedelta(days=3))
    assert sorted(t.account_id for t in tasks(db_engine).values()) == [account_id, zoes]


def test_promises_and_each_contacts_pace_in_full_and_incremental_passes(db_engine, account_id):
    wed = datetime(2026, 3, 4, 10, tzinfo=UTC)  # Wednesday 4 March
    drawings = add_thread(db_engine, account_id, "Drawings", inn(wed - timedelta(hours=2), "Could we see the drawings?"),
                          out(wed, "I'll send you the drawings on Friday."))
    add_thread(db_engine, account_id, "PO", inn(wed, "Great, we will send the PO by 5 March.", needs_reply=False,
                                               from_addr="ana@globex.com", from_name="Ana Silva"))
    fast = "lee@fastco.com"
    history = []
    for week in (6, 4, 2):  # three questions, each answered within 3 hours
        asked = MON - timedelta(weeks=week)
        history += [out(asked, to_addrs=[fast]), inn(asked + timedelta(hours=3), "Yes.", from_addr=fast,
                                                     from_name="Lee Park", needs_reply=False)]
    add_thread(db_engine, account_id, "Earlier orders", *history)
    detect(db_engine, account_id, wed)
    # A new question to the fast contact, seen by an incremental pass only: their history
    # lies in a thread that pass does not look at.
    quote = add_thread(db_engine, account_id, "Quote", out(wed, "Could you confirm the quote?", to_addrs=[fast]))
    fri = datetime(2026, 3, 6, 9, tzinfo=UTC)
    detect(db_engine, account_id, fri)
    assert detect(db_engine, account_id, fri, full=True).changed == 0
    with session_scope(db_engine) as session:
        rows = {r.subject: r for r in list_open_tasks(session, fri)}
    assert rows["Drawings"].kind == "promise"
    assert rows["Drawings"].nudge == "You promised the drawings by Fri 6 Mar — Dana Wu (Acme), 'Drawings'"
    assert rows["PO"].nudge.startswith("Ana Silva promised the PO by Thu 5 Mar: nothing came")
    assert rows["Quote"].kind == "awaiting_reply"  # a business day: late for someone who answers in 3 h
    assert rows["Quote"].nudge.startswith("No reply in 1 business day — Lee Park")
    reason = tasks(db_engine)[f"awaiting_reply:thread:{quote}"].reason
    assert reason.endswith("usually replies within 3 h; 1 business day now")

    with session_scope(db_engine) as session:  # the drawings go out, as an attachment
        add_messages(session, account_id, drawings, out(fri, "See the file.", attachments=[
            {"filename": "lyon.pdf", "content_type": "application/pdf", "size": 1000}]))
    detect(db_engine, account_id, fri + timedelta(hours=1))
    promise = tasks(db_engine)[f"promise:thread:{drawings}"]
    assert promise.status == "resolved" and events(db_engine, promise.id)[-1] == "resolved"
    assert detect(db_engine, account_id, fri + timedelta(hours=1), full=True).changed == 0

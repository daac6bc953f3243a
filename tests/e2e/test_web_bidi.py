"""Bidi controls in mail-supplied strings, in a real headless Chromium: a follow-up row and a
thread page whose subject, sender and attachment are "invoice\u202egpj.exe" read as their
characters (the filter and the digest's text: tests/unit/test_web_bidi.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from followup.db.models import FollowUpTask, Message, Thread, User
from followup.domain.vocabulary import TaskStatus
from tests.e2e.chromium import DEMO_PASSWORD, wait_until
from tests.rows import db
from web.scoping import my_tasks

SPOOF = "invoice\u202egpj.exe"


@pytest.mark.slow
def test_a_spoofed_subject_reads_as_its_characters_in_chromium(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    with db(rt) as session:
        demo_user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        task = session.exec(my_tasks(demo_user)  # the top of the list, in its own order
                            .where(FollowUpTask.status == TaskStatus.OPEN, FollowUpTask.thread_id.is_not(None))
                            .order_by(FollowUpTask.priority.desc(), FollowUpTask.due_at, FollowUpTask.id)).first()
        thread = session.get(Thread, task.thread_id)
        thread.subject = SPOOF
        message = session.get(Message, task.trigger_message_id)
        message.subject, message.from_name = SPOOF, "Eve \u202eevE"
        message.attachments = [{"filename": SPOOF, "content_type": "application/octet-stream", "size": 10}]
        session.add_all([thread, message])
        session.commit()
        task_id, thread_id = task.id, thread.id

    browser.get(base + "/login")
    wait_until(browser, EC.presence_of_element_located((By.ID, "email")))
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    row = wait_until(browser, EC.presence_of_element_located((By.ID, f"task-{task_id}")))
    row.find_element(By.CSS_SELECTOR, "summary.row-line .badge").click()  # the row unfolds to its subject
    subject = row.find_element(By.CSS_SELECTOR, ".subject").text
    assert "invoiceexe.jpg" not in subject and "invoice⟨U+202E⟩gpj.exe" in subject
    assert row.find_element(By.CSS_SELECTOR, ".subject .bidi-control").get_attribute("title") == \
        "U+202E RIGHT-TO-LEFT OVERRIDE"

    browser.get(f"{base}/threads/{thread_id}")
    heading = wait_until(browser, EC.presence_of_element_located((By.TAG_NAME, "h1"))).text
    assert heading == "invoice⟨U+202E⟩gpj.exe"
    assert browser.title.startswith("invoice⟨U+202E⟩gpj.exe")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "invoiceexe.jpg" not in page and "Eve ⟨U+202E⟩evE" in page
    assert "Attachments: invoice⟨U+202E⟩gpj.exe" in page

"""Bidi controls in mail-supplied strings are shown, not obeyed: the `from_mail` filter, the
digest's text, and a real headless Chromium reading a follow-up row and a thread page whose
subject, sender and attachment are "invoice\u202egpj.exe"."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from markupsafe import Markup
from sqlmodel import select

from followup.nudges.digest import DigestTask, build_digest
from followup.db.models import FollowUpTask, Message, Thread, User
from followup.domain.vocabulary import TaskStatus
from tests.test_web_e2e import DEMO_PASSWORD, _wait, browser, demo_site  # noqa: F401 (fixtures)
from tests.test_web_helpers import db
from web.formatting import from_mail
from web.scoping import my_tasks

SPOOF = "invoice\u202egpj.exe"


def test_the_filter_isolates_escapes_and_names_each_control():
    assert from_mail(SPOOF) == Markup(
        '<bdi>invoice<span class="bidi-control" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>'
        "gpj.exe</bdi>")
    assert from_mail("<b>Tom</b> \u2066x\u2069") == Markup(
        '<bdi>&lt;b&gt;Tom&lt;/b&gt; <span class="bidi-control" title="U+2066 LEFT-TO-RIGHT ISOLATE">'
        '⟨U+2066⟩</span>x<span class="bidi-control" title="U+2069 POP DIRECTIONAL ISOLATE">⟨U+2069⟩</span></bdi>')
    assert from_mail(Markup('<mark class="evidence">price\u200f</mark>')) == Markup(
        '<bdi><mark class="evidence">price<span class="bidi-control" title="U+200F RIGHT-TO-LEFT MARK">'
        "⟨U+200F⟩</span></mark></bdi>")
    assert from_mail(None) == Markup("<bdi></bdi>")
    assert from_mail(SPOOF).striptags() == "invoice⟨U+202E⟩gpj.exe"


@pytest.mark.parametrize("char", "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
def test_every_bidi_control_is_shown(char):
    assert char not in from_mail(f"a{char}b") and f"U+{ord(char):04X}" in from_mail(f"a{char}b")


def test_the_digest_carries_no_raw_controls():
    now = datetime(2026, 3, 10, 7, 0, tzinfo=timezone.utc)
    task = DigestTask(id=1, kind="needs_reply", nudge=f"Reply to Eve about {SPOOF}", subject=SPOOF,
                      contact="Eve\u202e", due_at=now, priority=50)
    digest = build_digest(to="rep@example.com", name="Rep\u2067", timezone="UTC", tasks=[task],
                          base_url="http://localhost", now=now)
    for text in (digest.text, digest.html):
        assert "\u202e" not in text and "\u2067" not in text
        assert "invoice⟨U+202E⟩gpj.exe" in text


@pytest.mark.slow
def test_a_spoofed_subject_reads_as_its_characters_in_chromium(demo_site, browser):  # noqa: F811
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
    _wait(browser, EC.presence_of_element_located((By.ID, "email")))
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    row = _wait(browser, EC.presence_of_element_located((By.ID, f"task-{task_id}")))
    subject = row.find_element(By.CSS_SELECTOR, ".subject").text
    assert "invoiceexe.jpg" not in subject and "invoice⟨U+202E⟩gpj.exe" in subject
    assert row.find_element(By.CSS_SELECTOR, ".subject .bidi-control").get_attribute("title") == \
        "U+202E RIGHT-TO-LEFT OVERRIDE"

    browser.get(f"{base}/threads/{thread_id}")
    heading = _wait(browser, EC.presence_of_element_located((By.TAG_NAME, "h1"))).text
    assert heading == "invoice⟨U+202E⟩gpj.exe"
    assert browser.title.startswith("invoice⟨U+202E⟩gpj.exe")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "invoiceexe.jpg" not in page and "Eve ⟨U+202E⟩evE" in page
    assert "Attachments: invoice⟨U+202E⟩gpj.exe" in page

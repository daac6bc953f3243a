"""End to end in a real headless Chromium (Debian's chromium + chromedriver, via Selenium):
the demo mailbox imported, classified and detected; sign in, see the nudges, snooze one
(htmx) and watch it leave the list, open a thread and see the evidence highlighted.
Screenshots go to screenshots-tmp/ (ignored by git); to refresh the README's images run
`FOLLOWUP_SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/e2e/test_web_e2e.py`."""

from __future__ import annotations

import pytest
from sqlmodel import select

from followup.db.models import FollowUpTask, Message, User
from followup.domain.vocabulary import TaskStatus
from followup.tasks import open_task_clause
from tests.e2e.chromium import DEMO_PASSWORD, SCREENSHOTS, wait_until
from tests.rows import NOW, db
from web.scoping import my_tasks

pytestmark = pytest.mark.slow


def test_sign_in_snooze_and_read_the_evidence(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    browser.get(base + "/")
    wait_until(browser, EC.presence_of_element_located((By.ID, "email")))
    assert browser.current_url.startswith(base + "/login")
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))

    # The demo's nudges, most urgent first, with counts per kind in the navigation.
    rows = browser.find_elements(By.CSS_SELECTOR, "ol.tasks li.task")
    # The demo user's list: theirs, less the complaints handed to a teammate, less the
    # check-ins not due yet (upcoming) on the site's day.
    with db(rt) as session:
        demo_user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        open_tasks = session.exec(my_tasks(demo_user).where(open_task_clause(NOW))).all()
    assert len(rows) == min(len(open_tasks), 25) and len(rows) >= 5
    nudges = [r.find_element(By.CSS_SELECTOR, ".nudge").text for r in rows]
    assert all(nudges) and any("reply" in n.lower() for n in nudges), nudges
    total = browser.find_element(By.CSS_SELECTOR, '#kind-counts .count[data-kind="all"]').text
    assert int(total) == len(open_tasks)
    browser.save_screenshot(str(SCREENSHOTS / "followups.png"))
    # Keyboard: the first Tab reaches the skip link; every action is a real button in a form.
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("class") == "skip-link"

    # Snooze the first one until tomorrow: htmx posts the form, the row leaves the list.
    first = rows[0]
    first_id = int(first.get_attribute("id").removeprefix("task-"))
    first.find_element(By.CSS_SELECTOR, 'button[value="snooze_tomorrow"]').click()
    wait_until(browser, EC.staleness_of(first))
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, "messages"), "Snoozed until"))
    assert browser.find_element(By.CSS_SELECTOR, '#kind-counts .count[data-kind="all"]').text == str(int(total) - 1)
    assert not browser.find_elements(By.ID, f"task-{first_id}")
    with db(rt) as session:
        snoozed = session.get(FollowUpTask, first_id)
        assert snoozed.status == TaskStatus.SNOOZED and snoozed.snooze_until > NOW
    browser.refresh()
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))
    assert not browser.find_elements(By.ID, f"task-{first_id}")
    browser.save_screenshot(str(SCREENSHOTS / "followups-after-snooze.png"))

    # Open a thread whose trigger message has evidence: the phrases are marked.
    with db(rt) as session:
        candidates = session.exec(
            select(FollowUpTask.id, Message.evidence)
            .join(Message, Message.id == FollowUpTask.trigger_message_id)
            .where(FollowUpTask.status == TaskStatus.OPEN)
        ).all()
    shown = {int(r.get_attribute("id").removeprefix("task-"))
             for r in browser.find_elements(By.CSS_SELECTOR, "ol.tasks li.task")}
    task_id, evidence = next((t, e) for t, e in candidates
                             if t in shown and any(not x["kind"].startswith("subject:") for x in e))
    browser.find_element(By.CSS_SELECTOR, f"#task-{task_id} .nudge a").click()
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.messages")))
    marks = browser.find_elements(By.CSS_SELECTOR, ".mail-text mark.evidence")
    assert marks, "no evidence highlighted"
    body_phrases = {x["text"] for x in evidence if not x["kind"].startswith("subject:")}
    assert body_phrases & {m.text for m in marks}
    background = marks[0].value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    browser.save_screenshot(str(SCREENSHOTS / "thread-evidence.png"))

    # The complaint board of the demo team, and the list at phone width.
    browser.get(base + "/complaints/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".board")))
    browser.save_screenshot(str(SCREENSHOTS / "complaints.png"))
    browser.set_window_size(390, 844)
    browser.get(base + "/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    browser.save_screenshot(str(SCREENSHOTS / "followups-phone.png"))
    # No console errors (CSP violations, htmx errors).
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors

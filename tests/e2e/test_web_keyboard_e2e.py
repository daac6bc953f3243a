"""The follow-ups list driven from the keyboard in a real headless Chromium: j/k move, e done
with the focus moving on, the Undo toast (screenshot undo-toast.png) and z undoing, s with a
snooze phrase shown back before Enter, # dismiss, ? the list of shortcuts; letters typed
into a field never act."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.db.models import FollowUpTask
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.e2e.chromium import SCREENSHOTS, wait_until
from tests.rows import NOW, PASSWORD, add_account, add_task, add_thread, add_user, db

pytestmark = pytest.mark.slow


def status(rt, task_id) -> str:
    with db(rt) as session:
        return session.get(FollowUpTask, task_id).status


def test_shortcuts_act_on_the_focused_follow_up_and_never_inside_fields(served, web_rt, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    ids = []
    for n, who in enumerate(("Ann Archer", "Bo Baker", "Cy Cole")):
        thread, messages = add_thread(web_rt, account, subject=f"Quote {n}", messages=[{"from_name": who}])
        ids.append(add_task(web_rt, account, thread, messages[0], kind=TaskKind.NEEDS_REPLY, priority=9 - n,
                            nudge=f"{who} is waiting for your answer", due=NOW - timedelta(days=1)).id)
    first, second, third = ids

    browser.get(served + "/login")
    browser.find_element(By.ID, "email").send_keys("rep@example.com")
    browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))

    def press(key):
        ActionChains(browser).send_keys(key).perform()

    def focused_row():
        return browser.execute_script("var r = document.activeElement.closest('li.task'); return r && r.id;")

    press("j")
    assert focused_row() == f"task-{first}"
    press("j")
    press("j")
    assert focused_row() == f"task-{third}"
    press("k")
    press("k")
    assert focused_row() == f"task-{first}"

    # e: done; the row leaves, the Undo toast shows, the next follow-up has the focus.
    press("e")
    wait_until(browser, EC.invisibility_of_element_located((By.ID, f"task-{first}")))
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#messages form.undo button")))
    assert "Marked as done." in browser.find_element(By.ID, "messages").text
    assert status(web_rt, first) == TaskStatus.DONE
    wait_until(browser, lambda b: focused_row() == f"task-{second}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "undo-toast.png"))

    # z: undo; the page comes back with the follow-up on it.
    press("z")
    wait_until(browser, EC.presence_of_element_located((By.ID, f"task-{first}")))
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, "messages"), "Undone."))
    assert status(web_rt, first) == TaskStatus.OPEN

    # ? shows the shortcuts; Escape closes them.
    press("?")
    dialog = browser.find_element(By.ID, "shortcuts")
    assert dialog.is_displayed() and "undo the last action" in dialog.text
    press(Keys.ESCAPE)
    assert not dialog.is_displayed()

    # s: the snooze field; letters typed there are text, not shortcuts; the moment is shown back.
    press("j")
    assert focused_row() == f"task-{first}"
    press("s")
    field = browser.switch_to.active_element
    assert field.get_attribute("name") == "when"
    field.send_keys("e#m tomorrow afternoon")
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, f"when-{first}-shown"), "is not a moment"))
    assert status(web_rt, first) == TaskStatus.OPEN
    field.clear()
    field.send_keys("tomorrow afternoon")
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, f"when-{first}-shown"), "Wed, Mar 11, 2026, 3:00\u202fPM"))  # the one date format
    field.send_keys(Keys.ENTER)
    wait_until(browser, EC.invisibility_of_element_located((By.ID, f"task-{first}")))
    assert status(web_rt, first) == TaskStatus.SNOOZED

    # #: dismiss the focused one (the next after the snoozed row).
    wait_until(browser, lambda b: focused_row() == f"task-{second}")
    press("#")
    wait_until(browser, EC.invisibility_of_element_located((By.ID, f"task-{second}")))
    assert status(web_rt, second) == TaskStatus.DISMISSED
    # The Undo button goes after its 10 seconds.
    wait_until(browser, EC.invisibility_of_element_located((By.CSS_SELECTOR, "#messages form.undo")), timeout=14)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors

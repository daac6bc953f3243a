"""The follow-ups list as a rep scans it, in a real headless Chromium: one line per follow-up
(at least 12 on a 1366x900 laptop screen), a two-line row at 390x844 that does not scroll
sideways, the kind filter in use marked, and one date format on the list, a thread and the board."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from followup.db.models import FollowUpTask, User
from followup.domain.vocabulary import TaskStatus
from tests.e2e.chromium import DEMO_PASSWORD, SCREENSHOTS, wait_until
from tests.rows import db
from web.scoping import my_tasks

pytestmark = pytest.mark.slow

# date_display.absolute in English: "Tue, Dec 1, 2026, 9:05 AM" (Babel puts a narrow no-break space before AM/PM).
ABSOLUTE = re.compile(r"^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$")
ROWS = "ol.tasks li.task"


def _sign_in(browser, base):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    browser.get(base + "/login")
    wait_until(browser, EC.presence_of_element_located((By.ID, "email")))
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ROWS)))


def _rows_in_view(browser) -> int:
    """Rows wholly inside the first screen (the viewport, not the window)."""
    return browser.execute_script(
        "const h = window.innerHeight;"
        f"return [...document.querySelectorAll('{ROWS}')]"
        ".filter(r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= h; }).length;")


def _dates_on_page(browser) -> list[str]:
    """Each <time>'s absolute form: its hover (title) when it reads relative, else its text."""
    from selenium.webdriver.common.by import By

    return [t.get_attribute("title") or t.text for t in browser.find_elements(By.CSS_SELECTOR, "main time")]


def test_a_laptop_screen_shows_a_dozen_follow_ups_and_the_phone_two_lines(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    browser.set_window_size(1366, 900)
    _sign_in(browser, base)
    with db(rt) as session:
        demo_user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        open_count = len(session.exec(my_tasks(demo_user).where(FollowUpTask.status == TaskStatus.OPEN)).all())
    assert _rows_in_view(browser) >= min(open_count, 12)
    first = browser.find_element(By.CSS_SELECTOR, ROWS)
    line = browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).lineHeight) || 24;", first)
    assert first.size["height"] <= 3 * line, f"a desktop row is {first.size['height']}px high"

    browser.set_window_size(390, 844)
    browser.get(base + "/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ROWS)))
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "followups-phone-rows.png"))
    assert _rows_in_view(browser) >= min(open_count, 5)  # below the header, the kinds and the filters


def test_the_filter_in_use_is_marked_and_dates_read_one_way_everywhere(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    browser.set_window_size(1366, 900)
    _sign_in(browser, base)
    active = browser.find_elements(By.CSS_SELECTOR, "#kind-counts a.active")
    assert [a.get_attribute("aria-current") for a in active] == ["page"] and "All open" in active[0].text

    browser.get(base + "/?kind=complaint")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#kind-counts a.active")))
    active = browser.find_element(By.CSS_SELECTOR, "#kind-counts a.active")
    assert active.text.startswith("Complaint")
    plain = browser.find_element(By.CSS_SELECTOR, "#kind-counts a:not(.active)")
    def look(link):  # what the eye sees: the underline and the count's fill
        count = link.find_element(By.CSS_SELECTOR, ".count")
        return (link.value_of_css_property("border-bottom-style"), link.value_of_css_property("font-weight"),
                count.value_of_css_property("background-color"))
    assert look(active) != look(plain) and look(active)[0] == "solid"
    # Every kind stays in the navigation, with 0 when none is open.
    kinds = browser.find_elements(By.CSS_SELECTOR, "#kind-counts .count")
    assert len(kinds) == 8 and all(k.text.isdigit() for k in kinds)

    browser.get(base + "/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ROWS)))
    dates = _dates_on_page(browser)
    link = browser.find_element(By.CSS_SELECTOR, f"{ROWS} .nudge a").get_attribute("href")
    browser.get(link)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.messages")))
    thread_dates = _dates_on_page(browser)
    browser.get(base + "/complaints/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".board")))
    dates += thread_dates + _dates_on_page(browser)
    assert thread_dates and len(dates) > len(thread_dates)
    odd = [d for d in dates if not ABSOLUTE.match(d)]
    assert not odd, odd

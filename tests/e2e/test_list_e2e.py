"""The follow-ups list as a rep scans it, in a real headless Chromium at a laptop's size
(1366x900) and a phone's (390x844): at least 12 follow-ups on a laptop screen, one line each;
two lines and a menu at phone width; the filter in use marked; one date format on the list,
the thread and the board. Screenshots go to SCREENSHOTS (docs/screenshots for the README:
`FOLLOWUP_SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/e2e/test_list_e2e.py`)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.chromium import SCREENSHOTS, sign_in_as_demo, wait_until

pytestmark = pytest.mark.slow

# followup.domain.date_display.absolute in English: "Wed, Dec 2, 2026, 2:40 PM".
ABSOLUTE = re.compile(r"^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M$")
ROWS_PER_LAPTOP_SCREEN = 12


def _rows_per_screen(browser) -> float:
    """How many rows fit between the first row's top and the bottom of the window: the rows
    shown there, and the room left below the last one in rows of the average height."""
    return browser.execute_script("""
        var rows = Array.prototype.slice.call(document.querySelectorAll("ol.tasks li.task"));
        var top = rows[0].getBoundingClientRect().top, height = window.innerHeight;
        var inside = rows.filter(function (r) { return r.getBoundingClientRect().bottom <= height; });
        var last = inside[inside.length - 1].getBoundingClientRect().bottom;
        var average = (last - top) / inside.length;
        return inside.length + (inside.length === rows.length ? (height - last) / average : 0);
    """)


def test_a_laptop_screen_shows_a_dozen_follow_ups_in_one_format(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1366, 900)
    sign_in_as_demo(browser, base)
    browser.set_window_rect(width=1366, height=900)
    inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    browser.set_window_size(1366 + (1366 - inner[0]), 900 + (900 - inner[1]))  # the page itself is 1366x900
    browser.refresh()
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))
    assert _rows_per_screen(browser) >= ROWS_PER_LAPTOP_SCREEN

    # One line per follow-up: the kind, who, why and when side by side.
    for row in browser.find_elements(By.CSS_SELECTOR, "ol.tasks li.task")[:8]:
        line = row.find_element(By.CSS_SELECTOR, ".row-line")
        assert line.size["height"] <= 40, (line.text, line.size)
        # One badge on the line: the kind (a label that adds something is in the folded part).
        assert len([b for b in row.find_elements(By.CSS_SELECTOR, ".badge") if b.is_displayed()]) == 1
    # Groups by due, overdue first.
    headings = [h.get_attribute("textContent").strip() for h in browser.find_elements(By.CSS_SELECTOR, ".due-heading")]
    assert headings and set(headings) <= {"Overdue", "Today", "This week", "Upcoming"}
    order = ["Overdue", "Today", "This week", "Upcoming"]
    assert headings == sorted(headings, key=order.index)

    # The absolute date on hover of every relative one, in the one format.
    times = browser.find_elements(By.CSS_SELECTOR, "#task-list time")
    assert times and all(ABSOLUTE.match(t.get_attribute("title")) for t in times), \
        [t.get_attribute("title") for t in times if not ABSOLUTE.match(t.get_attribute("title"))]
    browser.save_screenshot(str(SCREENSHOTS / "followups.png"))

    # The kind filter in use is marked, in the navigation and in the form.
    kind_link = browser.find_element(By.CSS_SELECTOR, '#kind-counts a[href="/?kind=awaiting_reply"]')
    kind_link.click()
    wait_until(browser, EC.url_contains("kind=awaiting_reply"))
    active = browser.find_element(By.CSS_SELECTOR, '#kind-counts a[aria-current="page"]')
    assert active.get_attribute("href").endswith("/?kind=awaiting_reply")
    assert active.value_of_css_property("font-weight") == "700"
    assert browser.find_element(By.CSS_SELECTOR, ".filters label.active select[name=kind]")
    assert not browser.find_elements(By.CSS_SELECTOR, '#kind-counts a[href="/"][aria-current]')

    # The thread and the board show their dates in the same format.
    browser.find_element(By.CSS_SELECTOR, "ol.tasks li.task .nudge a").click()
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.messages")))
    # textContent: the thread's other messages are folded below the one the follow-up is about.
    shown = [t.get_attribute("textContent").strip() for t in browser.find_elements(By.CSS_SELECTOR, "ol.messages time")]
    assert shown and all(ABSOLUTE.match(text) for text in shown), shown
    browser.save_screenshot(str(SCREENSHOTS / "thread-evidence.png"))
    browser.get(base + "/complaints/")
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".board")))
    titles = [t.get_attribute("title") for t in browser.find_elements(By.CSS_SELECTOR, ".board time")]
    assert all(ABSOLUTE.match(title) for title in titles), titles


def test_a_phone_shows_two_lines_a_row_and_the_actions_in_a_menu(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(390, 844)
    sign_in_as_demo(browser, base)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    inner = browser.execute_script("return window.innerWidth")
    assert width <= inner, f"the page scrolls sideways at phone width ({width}px)"
    row = browser.find_elements(By.CSS_SELECTOR, "ol.tasks li.task")[0]
    line_height = float(browser.execute_script(
        "return parseFloat(getComputedStyle(arguments[0].querySelector('.nudge')).lineHeight)", row))
    summary = row.find_element(By.CSS_SELECTOR, ".row-line")
    assert summary.size["height"] <= 3.5 * line_height, summary.size  # kind · who, then why · when
    tomorrow = row.find_element(By.CSS_SELECTOR, 'button[value="snooze_tomorrow"]')
    assert not tomorrow.is_displayed()  # in the menu
    row.find_element(By.CSS_SELECTOR, ".menu-toggle").click()
    wait_until(browser, lambda _: tomorrow.is_displayed())
    browser.save_screenshot(str(SCREENSHOTS / "followups-phone.png"))
    tomorrow.click()
    wait_until(browser, EC.staleness_of(row))
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, "messages"), "Snoozed until"))

"""The lead's page in a real headless Chromium on the demo (whose user leads its team): four
charts drawn (each <img> loaded), and each table's numbers those of the database. The
screenshot for the README goes to SCREENSHOTS (`FOLLOWUP_SCREENSHOT_DIR=docs/screenshots`)."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from followup.db.models import FollowUpTask, MailAccount, User
from followup.domain.date_display import day
from followup.domain.insight_figures import week_starts_at
from followup.insights import compute_insights
from followup.tasks import open_task_clause
from tests.e2e.chromium import SCREENSHOTS, sign_in_as_demo, wait_until
from tests.rows import NOW

pytestmark = pytest.mark.slow

CHARTS = ("open", "replies", "deadlines", "nudges")


def _tables(browser) -> dict[str, list[list[str]]]:
    return browser.execute_script("""
        var out = {};
        document.querySelectorAll("section.insight").forEach(function (s) {
            out[s.id] = Array.prototype.map.call(s.querySelectorAll("table tr"), function (tr) {
                return Array.prototype.map.call(tr.querySelectorAll("th, td"), function (c) {
                    return c.textContent.trim(); });
            });
        });
        return out;
    """)


def test_the_leads_page_draws_four_charts_with_the_databases_numbers(demo_site, browser):
    from selenium.webdriver.common.by import By

    rt, base = demo_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1366, 900)
    sign_in_as_demo(browser, base)
    browser.find_element(By.LINK_TEXT, "Team").click()
    wait_until(browser, lambda b: b.execute_script(
        "var i = document.querySelectorAll('section.insight img');"
        "return i.length === 4 && Array.prototype.every.call(i, function (x) { return x.complete; });"))
    widths = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('section.insight img'),"
        " function (i) { return [i.getAttribute('src'), i.naturalWidth, i.alt]; });")
    assert [src for src, _, _ in widths] == [f"/insights/{name}.svg" for name in CHARTS]
    assert all(width > 0 and alt for _, width, alt in widths), widths
    assert browser.title.startswith("Team")
    tables = _tables(browser)

    with Session(rt.engine) as session:
        lead = session.exec(select(User).where(User.email == "demo@example.com")).one()
        accounts = list(session.exec(select(MailAccount).join(User, User.id == MailAccount.user_id)
                                     .where(User.team_id == lead.team_id)))
        open_counts = Counter(dict(session.exec(
            select(FollowUpTask.kind, func.count()).where(
                FollowUpTask.account_id.in_([a.id for a in accounts]), open_task_clause(NOW))
            .group_by(FollowUpTask.kind)).all()))
        expected = compute_insights(session, accounts, NOW, ZoneInfo(lead.timezone))

    # 1. Open now: the demo's one rep, every open follow-up of the team's mailboxes.
    rows = tables["open"]
    lead_row = next(row for row in rows[1:] if row[0] == (lead.display_name or lead.email))
    assert int(lead_row[-1]) == sum(open_counts.values()) > 0
    assert sum(int(row[-1]) for row in rows[1:]) == sum(open_counts.values())
    # 2-4: the weeks (Mondays in the one date format) and their numbers.
    labels = [day(week_starts_at(monday, lead.timezone and ZoneInfo(lead.timezone)),
                  lead.timezone) for monday in expected.weeks]
    assert [row[0] for row in tables["replies"][1:]] == labels
    shown = lambda v: "–" if v is None else f"{v:.1f}"  # noqa: E731
    assert [row[1:] for row in tables["replies"][1:]] == [
        [shown(expected.reply_hours["inquiry"][i]), shown(expected.reply_hours["complaint"][i])]
        for i in range(len(labels))]
    assert [[int(c) for c in row[1:]] for row in tables["deadlines"][1:]] == [
        [expected.deadlines[o][i] for o in ("met", "missed", "pending")] for i in range(len(labels))]
    assert [int(row[1]) for row in tables["nudges"][1:]] == expected.answered_after
    # The demo has mail for each chart: none is empty.
    assert any(c != "–" for row in tables["replies"][1:] for c in row[1:])
    assert sum(int(c) for row in tables["deadlines"][1:] for c in row[1:]) > 0
    assert sum(expected.answered_after) > 0
    browser.set_window_size(1366, 1500)  # the first charts and their tables in one picture
    browser.save_screenshot(str(SCREENSHOTS / "team-insights.png"))

    # At phone width the charts shrink and the tables scroll inside themselves, not the page.
    browser.set_window_size(390, 844)
    wait_until(browser, lambda b: b.execute_script("return window.innerWidth") <= 400)
    width, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page scrolls sideways at phone width ({width}px)"

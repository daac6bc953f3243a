"""The draft editor in a real headless Chromium against a real Dovecot: sign in, open "Draft
follow-up" on the customer's question, change the answer, save it to Drafts and find it there.
The screenshot (draft-editor.png) goes with the others (tests/e2e/chromium.py's SCREENSHOTS)."""

from __future__ import annotations

import pytest

from followup.worker.jobs import sync_account
from tests.e2e.chromium import SCREENSHOTS, wait_until
from tests.integration.mailboxes import (
    NOW,
    OWNER_PASSWORD,
    append_quote_request,
    drafts,
    make_account,
    needs_reply_task,
)
from tests.runtimes import sqlite_runtime
from tests.web_client import serving

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path, _sqlite_template, imap_user):
    from web import create_app

    rt = sqlite_runtime(tmp_path, _sqlite_template)
    append_quote_request(imap_user)
    account_id = make_account(rt, imap_user)
    sync_account(account_id, runtime=rt)
    app = create_app(rt, {"FOLLOWUP_NOW": NOW, "FOLLOWUP_START_SYNC": False})
    with serving(app) as base_url:
        yield rt, account_id, base_url
    rt.engine.dispose()


def test_draft_edited_in_the_browser_lands_in_drafts(site, browser, imap_user):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    rt, account_id, base = site
    task = needs_reply_task(rt, account_id)
    browser.get(base + "/login")
    browser.find_element(By.ID, "email").send_keys("owner@example.com")
    browser.find_element(By.ID, "password").send_keys(OWNER_PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.ID, f"task-{task.id}")))

    browser.find_element(By.CSS_SELECTOR, f"#task-{task.id} a.draft-link").click()
    wait_until(browser, EC.presence_of_element_located((By.ID, "draft-editor")))
    text = browser.find_element(By.ID, "draft-text")
    assert "> Could you send me a quote for 40 chairs by Friday?" in text.get_attribute("value")
    assert browser.find_element(By.ID, "draft-to").get_attribute("value") == "Ann Buyer <ann@client.com>"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "draft-editor.png"))

    text.clear()
    text.send_keys("Hi Ann,\n\n40 chairs are 1,200 EUR, delivered on Friday.\n\nBest regards")
    browser.find_element(By.CSS_SELECTOR, 'button[value="save"]').click()
    wait_until(browser, EC.text_to_be_present_in_element((By.ID, "messages"), "Draft saved in “Drafts”"))

    [(flags, copy)] = drafts(imap_user)
    assert "\\Draft" in flags and copy["In-Reply-To"] == "<q1@client.com>"
    assert "1,200 EUR" in copy.get_content()
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors

"""The whole "Connect with Google" flow in a real headless Chromium: Mailboxes → Connect with
Google (pointed at the test authorization server of tests/services/oauth_server.py, labelled
Google; only it is offered on the page) → its consent page → back to followup → the first
sync over XOAUTH2 against Dovecot (tokens checked at the server's introspection endpoint)
→ the customer's question appears as a follow-up.

Its screenshots illustrate README's "Connecting a mailbox"; to refresh them run
`FOLLOWUP_SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/e2e/test_oauth_connect_e2e.py`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket

import pytest
from werkzeug.serving import make_server

from followup.bootstrap import Runtime
from followup.oauth_providers import load_providers
from tests.e2e.chromium import SCREENSHOTS, wait_until
from tests.integration.mailboxes import NOW, mail
from tests.rows import PASSWORD, add_user
from tests.runtimes import sqlite_runtime
from tests.services.fixtures import OAUTH_PROVIDER

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path, _sqlite_template, oauth_idp, oauth_mailbox, monkeypatch):
    import threading

    from web import create_app

    monkeypatch.setenv(f"FOLLOWUP_OAUTH_{OAUTH_PROVIDER.upper()}_LABEL", "Google")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    oauth_idp.server.redirect_uris = [base_url + "/oauth/callback"]
    rt = sqlite_runtime(tmp_path, _sqlite_template)
    rt = Runtime(settings=dataclasses.replace(rt.settings, base_url=base_url, data_dir=rt.settings.data_dir),
                 engine=rt.engine)
    add_user(rt, "rep@example.com", name="Rita Rep")
    asked = NOW - dt.timedelta(days=4)
    oauth_idp.dovecot.append(oauth_mailbox, "INBOX", mail(
        frm="Ann Buyer <ann@client.com>", to=oauth_mailbox, subject="Quote for 40 chairs", when=asked,
        msgid="q1-oauth@client.com", body="Hello,\n\nCould you send me a quote for 40 chairs by Friday?\n"),
        msg_time=asked)
    providers = load_providers()
    app = create_app(rt, {"FOLLOWUP_NOW": NOW, "FOLLOWUP_START_SYNC": True,
                          "FOLLOWUP_OAUTH_PROVIDERS": {OAUTH_PROVIDER: providers[OAUTH_PROVIDER]}})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rt, base_url
    finally:
        server.shutdown()
        thread.join()
        rt.engine.dispose()


def test_connect_with_google_in_chromium_then_the_first_sync_brings_follow_ups(site, browser, oauth_mailbox):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(base + "/login")
    browser.find_element(By.ID, "email").send_keys("rep@example.com")
    browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_until(browser, EC.url_to_be(base + "/"))

    browser.get(base + "/accounts/")
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Connect with Google']")
    browser.save_screenshot(str(SCREENSHOTS / "oauth-connect.png"))
    button.click()

    wait_until(browser, EC.presence_of_element_located((By.ID, "allow")))
    assert browser.find_element(By.ID, "who").text == oauth_mailbox
    assert "code_challenge_method=S256" in browser.current_url
    browser.save_screenshot(str(SCREENSHOTS / "oauth-consent.png"))
    browser.find_element(By.ID, "allow").click()

    wait_until(browser, EC.url_contains(base + "/accounts/"))
    assert f"{oauth_mailbox} connected with Google" in browser.page_source, browser.find_element(By.TAG_NAME, "main").text
    assert "Signed in with" in browser.page_source

    def synced(driver):
        driver.refresh()
        # Synced, then classified and detected (the pipeline runs after the sync in the same thread).
        return "status-ok" in driver.page_source and "1 messages, 1 open follow-ups" in driver.page_source

    wait_until(browser, synced, timeout=120)
    browser.save_screenshot(str(SCREENSHOTS / "oauth-connected.png"))

    browser.get(base + "/")
    wait_until(browser, EC.presence_of_element_located(
        (By.XPATH, "//*[contains(normalize-space(), 'Quote for 40 chairs')]")))
    assert "Ann Buyer" in browser.page_source
    browser.save_screenshot(str(SCREENSHOTS / "oauth-followups.png"))

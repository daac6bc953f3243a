"""Forms in a real Chromium: the connect form (a preset fills the server in, "Other" clears
it) and Settings suggesting the browser's time zone on a first visit."""

from __future__ import annotations

import pytest

from sqlmodel import select

from followup.db.models import User
from tests.e2e.chromium import sign_in_as_demo, wait_until
from tests.rows import db

pytestmark = pytest.mark.slow


def test_choosing_other_clears_the_presets_server(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select

    _rt, base = demo_site
    sign_in_as_demo(browser, base)
    browser.get(base + "/accounts/new")
    provider = Select(wait_until(browser, EC.presence_of_element_located((By.ID, "provider"))))
    host, port = browser.find_element(By.ID, "imap_host"), browser.find_element(By.ID, "imap_port")

    provider.select_by_value("fastmail")
    assert (host.get_attribute("value"), port.get_attribute("value")) == ("imap.fastmail.com", "993")
    assert not browser.find_element(By.ID, "server-fields").is_displayed()  # the preset's server
    provider.select_by_value("custom")
    assert browser.find_element(By.ID, "server-fields").is_displayed()
    assert (host.get_attribute("value"), port.get_attribute("value")) == ("", "")


def test_settings_suggest_the_browsers_time_zone_on_a_first_visit(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC

    rt, base = demo_site
    with db(rt) as session:
        user = session.exec(select(User).where(User.email == "demo@example.com")).one()
        kept, user.timezone = user.timezone, "UTC"
        session.commit()
    try:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
        sign_in_as_demo(browser, base)
        browser.get(base + "/settings/")
        hint = wait_until(browser, EC.visibility_of_element_located((By.ID, "timezone-suggested")))
        assert hint.text == "Suggested from your browser: Europe/Berlin. Save to keep it."
        assert browser.find_element(By.ID, "timezone").get_attribute("value") == "Europe/Berlin"
    finally:
        with db(rt) as session:
            session.exec(select(User).where(User.email == "demo@example.com")).one().timezone = kept
            session.commit()

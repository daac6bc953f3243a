"""The connect form in a real Chromium: a preset fills the server in, "Other" clears it."""

from __future__ import annotations

import pytest

from tests.e2e.chromium import DEMO_PASSWORD, wait_until

pytestmark = pytest.mark.slow


def test_choosing_other_clears_the_presets_server(demo_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select

    _rt, base = demo_site
    browser.get(base + "/login")
    wait_until(browser, EC.presence_of_element_located((By.ID, "email")))
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks")))
    browser.get(base + "/accounts/new")
    provider = Select(wait_until(browser, EC.presence_of_element_located((By.ID, "provider"))))
    host, port = browser.find_element(By.ID, "imap_host"), browser.find_element(By.ID, "imap_port")

    provider.select_by_value("fastmail")
    assert (host.get_attribute("value"), port.get_attribute("value")) == ("imap.fastmail.com", "993")
    assert not browser.find_element(By.ID, "server-fields").is_displayed()  # the preset's server
    provider.select_by_value("custom")
    assert browser.find_element(By.ID, "server-fields").is_displayed()
    assert (host.get_attribute("value"), port.get_attribute("value")) == ("", "")

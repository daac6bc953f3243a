"""Debian's headless Chromium driven through Selenium: where it is, where its screenshots go,
waiting for a page, and signing in as the demo user."""

import os

from tests.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO_PASSWORD = "demo-password-for-e2e"
SCREENSHOTS = REPO_ROOT / os.environ.get("FOLLOWUP_SCREENSHOT_DIR", "screenshots-tmp")


def wait_until(driver, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def sign_in_as_demo(browser, base: str) -> None:
    """Sign in on the login page as the demo user and wait for the follow-ups list."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC

    browser.get(base + "/login")
    wait_until(browser, EC.presence_of_element_located((By.ID, "email")))
    browser.find_element(By.ID, "email").send_keys("demo@example.com")
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD + Keys.ENTER)
    wait_until(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "ol.tasks li.task")))

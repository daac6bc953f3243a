"""Debian's headless Chromium driven through Selenium: where it is, where its screenshots go,
and waiting for a page."""

import os

from tests.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO_PASSWORD = "demo-password-for-e2e"
SCREENSHOTS = REPO_ROOT / os.environ.get("FOLLOWUP_SCREENSHOT_DIR", "screenshots-tmp")


def wait_until(driver, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)

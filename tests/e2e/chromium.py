"""Debian's headless Chromium driven through Selenium: where it is, and waiting for a page."""

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DEMO_PASSWORD = "demo-password-for-e2e"


def wait_until(driver, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)

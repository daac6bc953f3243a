"""Fixtures of the e2e layer: the demo served on loopback, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.chromium import CHROMEDRIVER, CHROMIUM, DEMO_PASSWORD
from tests.rows import NOW
from tests.runtimes import sqlite_runtime
from tests.web_client import serving


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory, _sqlite_template):
    """The demo, served on a free loopback port (as `followup demo` sets it up)."""
    from followup import demo as demo_mailbox
    from followup.cli.web import setup_demo
    from web import create_app

    rt = sqlite_runtime(tmp_path_factory.mktemp("e2e"), _sqlite_template)
    old = os.environ.get("FOLLOWUP_DEMO_PASSWORD")
    os.environ["FOLLOWUP_DEMO_PASSWORD"] = DEMO_PASSWORD
    try:
        setup_demo(rt, NOW, demo_mailbox)
    finally:
        if old is None:
            os.environ.pop("FOLLOWUP_DEMO_PASSWORD")
        else:
            os.environ["FOLLOWUP_DEMO_PASSWORD"] = old
    app = create_app(rt, {"FOLLOWUP_NOW": NOW, "FOLLOWUP_START_SYNC": False})
    with serving(app) as base_url:
        yield rt, base_url
    rt.engine.dispose()


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver are needed: apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()

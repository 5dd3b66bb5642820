from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from social_listen.listener import build_report
from social_listen.query import BrandProfile
from tests.listener.listener_support import DAYS, START, generate

pytestmark = pytest.mark.browser


def _driver(browser: str, driver_path: str, profile_dir: Path) -> object:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile_dir}",
        "--window-size=1200,2400",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def test_html_report_opens_offline_with_visible_charts_and_no_console_errors(
    chromium_paths: tuple[str, str], tmp_path: Path
) -> None:
    pytest.importorskip("plotly")
    from selenium.webdriver.common.by import By

    end = START + timedelta(days=DAYS)
    report = build_report(
        generate(),
        BrandProfile(name="acme", competitors=("rival", "other")),
        since=START + timedelta(days=7),
        until=end,
        now=end,
    )
    page = report.save(tmp_path / "report.html", charts=True)
    driver = _driver(*chromium_paths, tmp_path / "profile")
    try:
        driver.get(page.as_uri())  # type: ignore[attr-defined]
        charts = driver.find_elements(By.CSS_SELECTOR, ".chart")  # type: ignore[attr-defined]
        assert len(charts) == 4
        for chart in charts:
            svg = chart.find_elements(By.CSS_SELECTOR, "svg.main-svg")
            assert svg, chart.get_attribute("id")
            assert svg[0].size["width"] > 200
            assert svg[0].size["height"] > 200
            assert svg[0].is_displayed()
        # the volume chart drew its line
        assert driver.find_elements(By.CSS_SELECTOR, "#chart-volume .scatterlayer path.js-line")  # type: ignore[attr-defined]
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]  # type: ignore[attr-defined]
        assert errors == []
        shot = os.environ.get("SOCIAL_LISTEN_REPORT_SCREENSHOT")
        if shot:
            driver.save_screenshot(shot)  # type: ignore[attr-defined]
    finally:
        driver.quit()  # type: ignore[attr-defined]

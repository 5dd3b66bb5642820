"""Browser tests: skipped when Debian's chromium is missing, unless CI requires them."""

from __future__ import annotations

import os
import shutil

import pytest


def _chromium() -> tuple[str | None, str | None]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver") else None
    )
    return browser, driver


@pytest.fixture
def chromium_paths() -> tuple[str, str]:
    """Paths of chromium and chromedriver; skip (or fail with SOCIAL_LISTEN_REQUIRE_BROWSER=1)."""
    browser, driver = _chromium()
    if browser and driver:
        return browser, driver
    message = "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
    if os.environ.get("SOCIAL_LISTEN_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)

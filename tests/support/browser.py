"""Headless Debian Chromium driven by chromedriver (selenium), for tests that check what a person sees.

``.ci/run`` installs ``chromium`` and ``chromium-driver`` when missing; without them (or without the
``selenium`` package) a test using the ``browser`` fixture is skipped with a reason.

Chromium runs with a fresh profile and without its background services: this machine's network is
closed, and Chromium's own connections (updates, sync, safe browsing) would be refused anyway.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.tools import require

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--lang=en-US",
)
DESKTOP = (1280, 800)
PHONE = (390, 844)  # a common phone's CSS pixels


@dataclass(frozen=True, slots=True)
class Box:
    """An element's place on the page, in CSS pixels."""

    x: float
    y: float
    width: float
    height: float
    displayed: bool


class Browser:
    """One Chromium session: open pages at a width, look at elements, take screenshots."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def open(self, url: str, width: int = DESKTOP[0], height: int | None = None, *, mobile: bool | None = None,
             language: str | None = None) -> None:
        """Load ``url`` in a viewport ``width`` CSS pixels wide (a phone's, with touch, under 600)."""
        mobile = width < 600 if mobile is None else mobile
        height = height or (PHONE[1] if mobile else DESKTOP[1])
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile})
        if language is not None:
            self.driver.execute_cdp_cmd("Network.enable", {})
            self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": language}})
        self.driver.get(url)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def find_all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def box(self, css: str) -> Box:
        """The first element matching ``css``; the test fails when there is none."""
        found = self.find_all(css)
        assert found, f"no element matches {css!r} on {self.driver.current_url}"
        r = self.js("const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height];", found[0])
        return Box(*r, displayed=found[0].is_displayed())

    def visible(self, css: str) -> bool:
        """Displayed, not empty, and within the viewport's width (reachable without scrolling sideways)."""
        b = self.box(css)
        return b.displayed and b.width > 0 and b.height > 0 and b.x >= 0 and b.x + b.width <= self.viewport_width() + 1

    def viewport_width(self) -> int:
        return int(self.js("return document.documentElement.clientWidth;"))

    def scrolls_sideways(self) -> bool:
        return bool(self.js("return document.documentElement.scrollWidth > document.documentElement.clientWidth;"))

    def text(self, css: str = "body") -> str:
        found = self.find_all(css)
        return found[0].text if found else ""

    def screenshot(self, path: Path) -> Path:
        """The whole page (not only the viewport) as a PNG."""
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """A fresh headless Chromium (its own empty profile), quit afterwards."""
    binary, driver_path = require("chromium"), require("chromedriver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the selenium package is not installed (test extra)")
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="feedbot-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        driver.set_page_load_timeout(60)
        try:
            yield Browser(driver)
        finally:
            driver.quit()


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")

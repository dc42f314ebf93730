"""The pages a person opens, in a real headless Chromium at a desktop and a phone width.

The feed server is the one ``feedbot demo`` runs (the bundled site scraped for real), so the pages
show real articles. Checks are on what a person sees: elements displayed inside the viewport, no
sideways scrolling on a phone; each page is also saved as a screenshot.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.browser import DESKTOP, PHONE, png_size
from tests.test_e2e import REPO, free_port, wait_for


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """``feedbot demo`` with its first scrape published: the base URL of its feed server."""
    tmp = tmp_path_factory.mktemp("pages")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(tmp / "data"), "demo", "--port", str(port),
         "--new-article-after", "3600"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/feeds/all.atom", timeout=5).status_code == 200, 60,
                 "the demo's first published feed", proc)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.parametrize("width", [DESKTOP[0], PHONE[0]], ids=["desktop", "phone"])
def test_the_index_page_is_readable_at_desktop_and_phone_width(browser, demo_server, width, tmp_path):
    browser.open(f"{demo_server}/", width)
    assert browser.viewport_width() == width
    assert browser.visible("h1")
    assert browser.visible(f'a[href="{demo_server}/feeds/all.atom"]')
    assert not browser.scrolls_sideways(), "the page scrolls sideways"
    shot = browser.screenshot(tmp_path / f"index-{width}.png")
    assert png_size(shot)[0] == width

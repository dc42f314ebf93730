"""`feedbot demo` as a newcomer runs it: starts offline, serves valid feeds, shows the new article, stops on Ctrl+C."""

from __future__ import annotations

import os
import socket
import signal
import subprocess
import sys

import feedparser
import httpx
import pytest

from bot.demo.demo import DEMO_ROOT, DemoSite, extra_listing_item, with_extra_item
from tests.test_e2e import EXTRA_SLUG, REPO, free_port, wait_for


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
    env["FEEDBOT_TEST_INTERVAL_SECONDS"] = "1"  # test-only: scrape every second, not every minute
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(tmp_path / "data"), "demo", "--port", str(port),
         "--new-article-after", "1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    yield proc, f"http://127.0.0.1:{port}", tmp_path / "data" / "demo"
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def test_demo_serves_valid_feeds_shows_the_new_article_and_stops_on_sigint(demo):
    proc, base, data = demo

    def atom() -> httpx.Response | None:
        r = httpx.get(f"{base}/feeds/all.atom", timeout=5)
        done = r.status_code == 200 and EXTRA_SLUG in r.text and r.text.count("<entry>") == 12
        return r if done else None

    feed = wait_for(atom, 30, "the demo's new article in all.atom", proc)
    parsed = feedparser.parse(feed.content)
    assert parsed.bozo == 0 and len(parsed.entries) == 12  # 8 vi + 3 en + the new one
    rss = feedparser.parse(httpx.get(f"{base}/feeds/all.rss", timeout=5).content)
    assert rss.bozo == 0 and rss.version.startswith("rss")
    assert httpx.get(f"{base}/feeds/events.ics", timeout=5).text.startswith("BEGIN:VCALENDAR")
    assert feedparser.parse(httpx.get(f"{base}/feeds.opml", timeout=5).content).bozo == 0
    index = httpx.get(f"{base}/", timeout=5).text
    assert f"{base}/feeds/all.atom" in index and 'rel="alternate"' in index
    assert httpx.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    assert (data / "sources.toml").exists() and (data / "feedbot.db").exists()

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err[-2000:]
    assert f"{base}/feeds/all.atom" in out and f"{base}/healthz" in out
    assert "Telegram: off" in out


async def test_demo_site_serves_pages_conditionally_and_never_outside_its_folder():
    site = DemoSite()
    await site.start(0)
    try:
        async with httpx.AsyncClient(base_url=site.base_url) as client:
            first = await client.get("/tin-tuc/")
            assert first.status_code == 200 and EXTRA_SLUG not in first.text
            again = await client.get("/tin-tuc/", headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304
            for path in ("/%2e%2e/demo.py", "/tin-tuc/%2e%2e/%2e%2e/demo.py", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
                assert (await client.get(path)).status_code == 404
            assert site.file_for("/../demo.py") is None and site.file_for("/tin-tuc/../../scheduler.py") is None
            site.add_new_article()
            listed = await client.get("/tin-tuc/", headers={"If-None-Match": first.headers["etag"]})
            assert listed.status_code == 200 and EXTRA_SLUG in listed.text
            assert (await client.get(f"/extra/{EXTRA_SLUG}/")).status_code == 200
    finally:
        await site.stop()


def test_the_new_item_goes_first_in_the_listing():
    page = with_extra_item((DEMO_ROOT / "tin-tuc" / "index.html").read_text(encoding="utf-8"), extra_listing_item())
    assert page.index(EXTRA_SLUG) < page.index("<article", page.index(EXTRA_SLUG) + 1)


def test_demo_on_a_busy_port_says_how_to_pick_another(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
        r = subprocess.run(
            [sys.executable, "-m", "bot.cli", "--data-dir", str(tmp_path / "data"), "demo", "--port", str(port)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
        )
    assert r.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr and "feedbot demo --port" in r.stderr


def test_demo_site_content_types():
    from bot.demo.demo import content_type

    assert content_type("/tin-tuc/") == "text/html; charset=utf-8"
    assert content_type("/robots.txt") == "text/plain; charset=utf-8"
    assert content_type("/wp-content/uploads/2019/05/a.jpg") == "image/jpeg"

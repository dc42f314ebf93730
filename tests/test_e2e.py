"""`feedbot run` as a subprocess against the bundled site (127.0.0.1) and the fake Bot API.

The service runs exactly as deployed except for FEEDBOT_TEST_INTERVAL_SECONDS (test-only, see
bot/scheduler.py), which makes every source run every second instead of every minute.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import feedparser
import httpx
import pytest

from bot.demo.demo import DEMO_ROOT, extra_listing_item, sources_toml, with_extra_item
from bot.delivery.subscribers import Subscribers
from feeds.store import Store, database_url

REPO = Path(__file__).resolve().parents[1]
EXTRA_SLUG = "hoi-thao-tiet-kiem-nang-luong-trong-cong-nghiep-thanh-hoa"
ADMIN = 7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the service exited with {proc.returncode} while waiting for {what}")
        try:
            value = predicate()
        except (httpx.HTTPError, OSError, ValueError):
            value = None
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {timeout} s for {what}")


def listing_with_extra() -> str:
    page = (DEMO_ROOT / "tin-tuc" / "index.html").read_text(encoding="utf-8")
    return with_extra_item(page, extra_listing_item())


class Service:
    """A `feedbot run` subprocess and its HTTP address."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env = tmp, env
        self.port = int(env["FEEDBOT_HTTP_PORT"])
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> Service:
        self.runs += 1
        log = (self.tmp / f"service-{self.runs}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=REPO, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        return self

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=5)

    def health(self) -> tuple[int, dict]:
        r = self.get("/healthz")
        return r.status_code, r.json()

    def wait_seeded(self) -> None:
        """Until every source has had a successful run (the silent first scrape)."""
        def seeded() -> bool:
            _, body = self.health()
            return all(s["last_success"] for s in body["sources"].values())

        try:
            wait_for(seeded, 30, "the first scrape of every source", self.proc)
        except pytest.fail.Exception:
            print(self.output()[-6000:])  # shown by pytest with the failure
            raise

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def output(self) -> str:
        return (self.tmp / f"service-{self.runs}.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def service(tmp_path, site, botapi):
    site.add_dir(DEMO_ROOT)
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site.base), encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text(
        '[fetch]\ndelay_seconds = 0\ntimeout_seconds = 3\nretries = 0\nallow_private = ["127.0.0.1"]\n'
        "[health]\nbroken_after_minutes = 0\n"
        f'[telegram]\napi_url = "{botapi.base_url}"\nadmins = [{ADMIN}]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
    env.update(
        FEEDBOT_SETTINGS=str(settings), FEEDBOT_SOURCES=str(sources), FEEDBOT_DATA_DIR=str(tmp_path / "data"),
        FEEDBOT_HTTP_PORT=str(free_port()), TELEGRAM_BOT_TOKEN=botapi.token, FEEDBOT_TEST_INTERVAL_SECONDS="1",
    )
    svc = Service(tmp_path, env)
    yield svc
    if svc.proc is not None and svc.proc.poll() is None:
        svc.proc.kill()
        svc.proc.wait()


def alerts(botapi, chat_id: int) -> list[str]:
    return [m.text for m in botapi.sent() if m.chat_id == chat_id and EXTRA_SLUG in m.text]


def test_new_article_reaches_the_feed_and_a_subscriber_then_breakage_shows_in_healthz(service, site, botapi):
    service.start()
    service.wait_seeded()
    assert not botapi.sent(), "the first scrape must alert nobody"
    botapi.push_message(1001, "/subscribe all", language_code="vi")
    wait_for(lambda: botapi.sent(1001), 10, "the subscription reply", service.proc)

    site.add("/tin-tuc/", listing_with_extra())
    feed = wait_for(lambda: (r := service.get("/feeds/all.atom", **{"Accept-Encoding": "identity"})).status_code == 200
                    and EXTRA_SLUG in r.text and r, 15, "the new article in all.atom", service.proc)
    parsed = feedparser.parse(feed.content)
    assert parsed.bozo == 0 and any(EXTRA_SLUG in e.link for e in parsed.entries)
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    again = service.get("/feeds/all.atom", **{"If-None-Match": feed.headers["etag"], "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b""

    alert = wait_for(lambda: alerts(botapi, 1001), 15, "the alert to the subscriber", service.proc)
    assert len(alert) == 1 and "Thanh Hóa" in alert[0]

    site.add("/tin-tuc/", "<html><body><p>Trang đang bảo trì</p></body></html>")
    status, body = wait_for(lambda: (h := service.health())[0] == 503 and h, 15, "/healthz 503", service.proc)
    assert body["down"] == ["demo-vi"] and "matched nothing" in body["sources"]["demo-vi"]["broken_reason"]
    notice = wait_for(lambda: [m.text for m in botapi.sent(ADMIN)], 10, "the admin notice", service.proc)
    assert "demo-vi" in notice[0] and "hỏng" in notice[0]

    started = time.monotonic()
    assert service.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 10
    assert "service stopped" in service.output()
    assert botapi.token not in service.output()


def test_sigkill_during_fan_out_then_restart_delivers_to_everyone_with_at_most_one_repeat(service, site, botapi):
    chats = list(range(5001, 5041))
    data = Path(service.env["FEEDBOT_DATA_DIR"])
    data.mkdir(parents=True)
    store = Store.open(database_url(data))
    subs = Subscribers(store)
    for chat in chats:
        subs.upsert_chat(chat)
        subs.subscribe(chat, "all")
    store.close()
    service.env["FEEDBOT_DELIVERY_GLOBAL_PER_SECOND"] = "10"  # 40 alerts take about 4 s

    service.start()
    service.wait_seeded()
    site.add("/tin-tuc/", listing_with_extra())
    wait_for(lambda: sum(len(alerts(botapi, c)) for c in chats) >= 8, 20, "the fan-out to start", service.proc)
    assert service.stop(signal.SIGKILL) == -signal.SIGKILL
    before_restart = sum(len(alerts(botapi, c)) for c in chats)
    assert before_restart < len(chats), "the kill must land in the middle of the fan-out"

    service.start()
    wait_for(lambda: all(alerts(botapi, c) for c in chats), 30, "every subscriber's alert", service.proc)
    counts = Counter({c: len(alerts(botapi, c)) for c in chats})
    assert sum(counts.values()) - len(chats) <= 1, f"repeats: {[c for c, n in counts.items() if n > 1]}"
    assert service.stop(signal.SIGTERM) == 0


def test_healthz_reports_a_failing_source_and_sighup_reloads_the_sources(service, site):
    site.add("/tin-tuc/", b"", status=500)  # the Vietnamese listing fails as a whole
    service.start()
    status, body = wait_for(lambda: (h := service.health())[1]["sources"]["demo-vi"]["last_run"] and h, 15,
                            "a failed run of demo-vi", service.proc)
    vi = body["sources"]["demo-vi"]
    assert vi["consecutive_failures"] >= 1 and "500" in vi["last_error"] and vi["last_success"] is None
    assert body["outbox"] == {"pending": 0, "failed": 0}
    wait_for(lambda: json.loads(service.get("/healthz").text)["telegram"] == "polling", 10, "the bot", service.proc)

    sources = Path(service.env["FEEDBOT_SOURCES"])
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace('id = "demo-en"', 'id = "demo-english"'), encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    body = wait_for(lambda: "demo-english" in (h := service.health()[1])["sources"] and h, 10, "the reload",
                    service.proc)
    assert sorted(body["sources"]) == ["demo-english", "demo-vi"]
    sources.write_text(text + "\n[[sources]]\nid = 'Not valid'\n", encoding="utf-8")
    service.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the previous ones" in service.output(), 10, "the refused reload", service.proc)
    assert sorted(service.health()[1]["sources"]) == ["demo-english", "demo-vi"]
    assert service.stop(signal.SIGINT) == 0

"""`feedbot demo --telegram local` as a newcomer without a token uses it: open the chat page, type
/start, tap Subscribe, and the demo's new article arrives as an alert; and the local Bot API stays
out of `feedbot run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
import telegram
from telegram.error import RetryAfter

from bot.demo.local_telegram import start_local_telegram
from tests.test_demo_chat import bot_messages, tap, texts, wait_page
from tests.test_e2e import REPO, free_port, wait_for
from tests.test_layout import _violations, _within

ALERT_TITLE = "Hội thảo tiết kiệm năng lượng trong sản xuất công nghiệp tại Thanh Hóa"
NEW_ARTICLE_AFTER = 30  # seconds: time to subscribe first (the test waits on the page, not on a clock)


@pytest.fixture
def local_demo(tmp_path):
    port, chat_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBOT_", "TELEGRAM_"))}
    env["FEEDBOT_TEST_INTERVAL_SECONDS"] = "1"  # test-only: scrape every second, not every minute
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--data-dir", str(tmp_path / "data"), "demo", "--port", str(port),
         "--telegram", "local", "--chat-port", str(chat_port), "--new-article-after", str(NEW_ARTICLE_AFTER)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    started = time.monotonic()
    yield proc, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{chat_port}/chat", started
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.mark.slow
def test_a_newcomer_subscribes_on_the_chat_page_and_the_new_article_arrives(browser, local_demo):
    proc, base, chat, started = local_demo
    wait_for(lambda: httpx.get(f"{base}/healthz", timeout=5).json()["telegram"] == "polling", 60,
             "the bot polling the local Bot API", proc)
    browser.open(chat, 390)
    browser.find_all("#text")[0].send_keys("/start")
    browser.find_all("#send")[0].click()
    wait_page(browser, lambda: "Tất cả bài mới" in texts(browser, ".msg.bot .kb button"), "the welcome buttons")
    assert tap(browser, "Tất cả bài mới")
    wait_page(browser, lambda: any("Đã đăng ký" in m for m in bot_messages(browser)), "the subscription confirmed")
    subscribed_after = time.monotonic() - started
    assert subscribed_after < NEW_ARTICLE_AFTER, "subscribed after the new article: raise NEW_ARTICLE_AFTER"
    wait_page(browser, lambda: any(ALERT_TITLE in m for m in bot_messages(browser)), "the new article's alert",
              timeout=NEW_ARTICLE_AFTER + 60)
    assert not browser.scrolls_sideways()

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert f"Telegram: local: open {chat}" in out


def test_the_service_never_imports_the_local_bot_api():
    demo_only = ("bot.demo.botapi", "bot.demo.chat", "bot.demo.local_telegram", "bot.demo.telegram_html")
    found = _violations(lambda module, name: _within(name, demo_only) and not _within(module, ("bot.demo",)))
    assert not found, found
    assert not _violations(lambda module, name: _within(module, ("bot.service", "bot.commands", "bot.delivery"))
                           and _within(name, ("bot.demo",)))


async def test_the_local_bot_api_answers_at_once_and_refuses_what_telegram_refuses():
    local = await start_local_telegram()
    try:
        assert local.api.latency == 0  # the chat page feels instant
        async with telegram.Bot(local.api.token, base_url=local.api.base_url) as bot:
            await bot.send_message(5, "Tin mới")
            with pytest.raises(RetryAfter):  # a second message to one chat within a second, as Telegram
                await bot.send_message(5, "Tin mới nữa")
        assert local.api.refusals() == 1 and len(local.api.sent(5)) == 1
    finally:
        await local.stop()

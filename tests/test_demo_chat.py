"""The local Telegram chat page (bot/demo/chat.py) in a real headless Chromium, talking to a running
``feedbot run`` through the Bot API server: type /start, tap a button, see the new article's alert
arrive, in Vietnamese or English."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.demo.chat import CHAT_ID, ChatPage, buttons, start_chat_server, telegram_html
from tests.test_e2e import listing_with_extra, service, wait_for  # noqa: F401  (service: a fixture)

REPO = Path(__file__).resolve().parents[1]
ALERT_TITLE = "Hội thảo tiết kiệm năng lượng trong sản xuất công nghiệp tại Thanh Hóa"


@pytest.fixture
def chat_page(botapi):
    """The chat page over the test's Bot API server, served from a thread of its own: its URL."""
    page = ChatPage(botapi)
    loop = asyncio.new_event_loop()
    runner, port = loop.run_until_complete(start_chat_server(page))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/chat"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.run_until_complete(runner.cleanup())
    loop.close()


def wait_page(browser, predicate, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"waited {timeout} s for {what}; the page shows: {browser.text('#log')[-1500:]}")


def texts(browser, css: str) -> list[str]:
    """Read in one step: the page redraws the conversation when it changes."""
    return browser.js(f"return [...document.querySelectorAll({css!r})].map(e => e.innerText);")


def bot_messages(browser) -> list[str]:
    return texts(browser, ".msg.bot")


def tap(browser, label: str) -> bool:
    """Tap the visible button labelled ``label`` (found and clicked in one step)."""
    return browser.js("""const b = [...document.querySelectorAll('.msg.bot .kb button')]
        .find(e => e.innerText === arguments[0] && e.offsetParent !== null);
        if (b) { b.click(); return true; } return false;""", label)


def test_subscribing_through_the_chat_page_then_the_new_article_arrives_as_an_alert(
        browser, service, site, botapi, chat_page, tmp_path):  # noqa: F811
    service.start()
    service.wait_seeded()
    browser.open(chat_page, 390)
    assert browser.visible("#text") and browser.visible("#send") and not browser.scrolls_sideways()

    browser.find_all("#text")[0].send_keys("/start")
    browser.find_all("#send")[0].click()
    assert wait_page(browser, lambda: "/start" in texts(browser, ".msg.user"), "/start shown")
    labels = wait_page(browser, lambda: texts(browser, ".msg.bot .kb button"), "the welcome message's buttons")
    assert "Tất cả bài mới" in labels
    assert browser.visible(".msg.bot .kb button")
    assert tap(browser, "Tất cả bài mới")
    wait_page(browser, lambda: any("Đã đăng ký" in m for m in bot_messages(browser)), "the subscription confirmed")

    site.add("/tin-tuc/", listing_with_extra())  # the demo site publishes one more article
    wait_page(browser, lambda: any(ALERT_TITLE in m for m in bot_messages(browser)), "the alert", timeout=30)
    assert not browser.scrolls_sideways()
    assert any(ALERT_TITLE in s.text for s in botapi.sent(CHAT_ID))  # what the page shows is what the bot sent
    folder = REPO / "docs" / "screenshots" if os.environ.get("FEEDBOT_REGEN_SCREENSHOTS") else tmp_path
    browser.screenshot(folder / "chat-390.png")


def test_the_chat_speaks_english_when_the_person_does(browser, service, botapi, chat_page):  # noqa: F811
    service.start()
    service.wait_seeded()
    browser.open(chat_page, 1280)
    browser.js("const s = document.getElementById('lang'); s.value = 'en'; s.dispatchEvent(new Event('change'));")
    browser.find_all("#text")[0].send_keys("/start")
    browser.find_all("#send")[0].click()
    labels = wait_page(browser, lambda: texts(browser, ".msg.bot .kb button"), "the welcome message's buttons")
    assert "All new articles" in labels
    assert browser.js("return document.documentElement.lang") == "en"


def test_bot_html_is_shown_safely_and_buttons_keep_their_data():
    assert telegram_html('<b>Tin</b> <a href="https://x.org">x</a>\n<script>alert(1)</script>') == (
        '<b>Tin</b> <a href="https://x.org" rel="noopener noreferrer">x</a><br>')
    markup = {"inline_keyboard": [[{"text": "Tất cả", "callback_data": "sub:all"}], [{"text": "Web", "url": "https://x"}]]}
    assert buttons(markup) == [[{"text": "Tất cả", "callback_data": "sub:all"}], [{"text": "Web", "url": "https://x"}]]
    assert buttons(None) == []


def test_the_chat_api_refuses_empty_messages_and_bad_presses(botapi, chat_page):
    base = chat_page.removesuffix("/chat")
    assert httpx.post(f"{base}/chat/send", json={"text": "  "}).status_code == 400
    assert httpx.post(f"{base}/chat/press", json={"data": "sub:all"}).status_code == 400
    assert httpx.post(f"{base}/chat/send", json={"text": "/help", "lang": "en"}).json() == {"ok": True}
    update = wait_for(lambda: botapi._updates, 5, "the message queued as an update")[-1]  # as a bot would read it
    assert update["message"]["text"] == "/help" and update["message"]["from"]["language_code"] == "en"

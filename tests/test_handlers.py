"""The real python-telegram-bot Application, polling the fake Bot API server on 127.0.0.1,
with a real SQLite store: commands, keyboards, callbacks, groups, admins, throttling, errors."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event

from bot.commands.handlers import BotHooks, Throttle
from bot.service.settings import load_settings
from bot.delivery.subscribers import Subscribers
from bot.commands.app import build_application, register_commands
from feeds.models import (
    Article,
    Event,
    EventKind,
    EventStatus,
    ListingSelectors,
    RefreshResult,
    Recommendation,
    Source,
)
from feeds.store import Store, database_url
from tests.support import factories
from tests.support.botapi import BotApiServer, Call, Sent

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN = 4242
USER = 1001
GROUP = -100555
SOURCES = (
    Source(id="vncpc", name="VNCPC – Tin tức", url="https://vncpc.org/tin-tuc/", listing=ListingSelectors(item="article")),
    Source(id="vncpc-en", name="VNCPC News", url="https://vncpc.org/en/news/", listing=ListingSelectors(item="article")),
)


class Harness:
    """Pushes updates into the fake server and waits for the bot's answers."""

    def __init__(self, api: BotApiServer, store: Store, subscribers: Subscribers) -> None:
        self.api, self.store, self.subscribers = api, store, subscribers
        self.scrapes: list[str | None] = []
        self.wakes = 0

    async def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    async def say(self, chat_id: int, text: str, *, replies: int = 1, **kw) -> list[Sent]:
        """Send ``text`` to the bot in ``chat_id`` and return the ``replies`` messages it answers."""
        before = len(self.api.sent(chat_id))
        self.api.push_message(chat_id, text, **kw)
        await self.wait(lambda: len(self.api.sent(chat_id)) >= before + replies, f"reply to {text!r}")
        return self.api.sent(chat_id)[before:]

    async def reply(self, chat_id: int, text: str, **kw) -> Sent:
        return (await self.say(chat_id, text, **kw))[-1]

    async def press(self, chat_id: int, data: str, **kw) -> Call:
        """Press a button (on the last message in the chat); returns the editMessageText call."""
        before = len(self.api.calls("editMessageText"))
        self.api.push_callback(chat_id, data, **kw)
        await self.wait(lambda: len(self.api.calls("editMessageText")) > before, f"edit after {data!r}")
        return self.api.calls("editMessageText")[-1]

    async def silent(self, chat_id: int, text: str, **kw) -> None:
        """Send ``text`` and check the bot answers nothing (a /help afterwards is the only reply)."""
        before = len(self.api.sent(chat_id))
        self.api.push_message(chat_id, text, **kw)
        lang = kw.get("language_code", "vi")
        help_kw = {k: v for k, v in kw.items() if k in ("user_id", "chat_type", "language_code")}
        replies = await self.say(chat_id, "/help", **help_kw)
        assert len(self.api.sent(chat_id)) == before + 1, [s.text for s in self.api.sent(chat_id)[before:]]
        assert replies[-1].text.startswith("<b>Các lệnh</b>" if lang == "vi" else "<b>Commands</b>")


def buttons(sent: Sent | Call) -> list[tuple[str, str]]:
    markup = sent.reply_markup if isinstance(sent, Sent) else sent.params.get("reply_markup")
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def make_article(n: int, *, events: tuple[Event, ...] = ()) -> Article:
    """Workshop post ``n`` of source vncpc, its title with characters to escape."""
    return factories.make_article(
        n,
        source_id="vncpc",
        title=f"Tập huấn sản xuất sạch hơn đợt {n} & <đánh giá>",
        events=events,
        recommendations=(Recommendation(1, "Nhân rộng mô hình tại các tỉnh."),),
        summary=f"Khóa tập huấn đợt {n} thu hút nhiều doanh nghiệp.",
    )


@pytest.fixture
async def bot(tmp_path):
    with BotApiServer() as api:
        store = Store.open(database_url(tmp_path))
        subscribers = Subscribers(store, source_names={s.id: s.name for s in SOURCES})
        env = {"FEEDBOT_TELEGRAM_API_URL": api.base_url, "FEEDBOT_TELEGRAM_ADMINS": f"{ADMIN}",
               # these tests are about what the commands answer: replies are not spaced per chat
               # here (the flood budget's pacing has tests of its own, in test_replies.py)
               "FEEDBOT_DELIVERY_PER_CHAT_SECONDS": "0", "FEEDBOT_DELIVERY_GROUP_PER_MINUTE": "1000"}
        settings = load_settings(None, env=env)
        harness = Harness(api, store, subscribers)

        async def scrape_now(source_id: str | None) -> str:
            harness.scrapes.append(source_id)
            if source_id == "vncpc-en":
                raise RuntimeError(f"scrape exploded near {api.token}")
            return f"{source_id or 'all'}: 2 new & 0 changed"

        def wake() -> None:
            harness.wakes += 1

        hooks = BotHooks(scrape_now=scrape_now, wake_sender=wake, sources=lambda: SOURCES)
        app = build_application(settings, api.token, store=store, subscribers=subscribers, hooks=hooks)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                yield harness
            finally:
                await app.updater.stop()
                await app.stop()
        store.close()


# --------------------------------------------------------------------------- subscriber commands


@pytest.mark.parametrize(
    ("code", "welcome", "first_button"),
    [("vi", "👋 Xin chào!", "Tất cả bài mới"), ("en", "👋 Hello!", "All new articles"), (None, "👋 Xin chào!", "Tất cả bài mới")],
)
async def test_start_welcomes_in_the_users_language_with_subscribe_buttons(bot, code, welcome, first_button):
    sent = await bot.reply(USER, "/start", language_code=code)
    assert sent.text.startswith(welcome)
    assert sent.params["parse_mode"] == "HTML"
    assert buttons(sent)[0] == (first_button, "sub:all")
    assert ("Nguồn: VNCPC – Tin tức" if code != "en" else "Source: VNCPC – Tin tức", "sub:vncpc") in buttons(sent)


@pytest.mark.parametrize(("code", "expected"), [("vi", "✅ Đã đăng ký: Bài có sự kiện."), ("en", "✅ Subscribed: Articles with events.")])
async def test_start_deep_link_subscribes_directly(bot, code, expected):
    sent = await bot.reply(USER, "/start events", language_code=code)
    assert sent.text == expected
    assert bot.subscribers.topics(USER) == ["events"]
    assert bot.subscribers.get_chat(USER).language == code


async def test_start_with_a_stale_deep_link_still_offers_the_topics(bot):
    sent = await bot.reply(USER, "/start old-source", language_code="en")
    assert sent.text.startswith("There is no topic “old-source”. Topics: all, events")
    assert "👋 Hello!" in sent.text and "sub:events" in [data for _, data in buttons(sent)]
    assert bot.subscribers.topics(USER) == []


async def test_subscribe_keyboard_then_button_edits_the_message(bot):
    sent = await bot.reply(USER, "/subscribe")
    assert sent.text == "Chọn chủ đề muốn đăng ký:"
    assert [data for _, data in buttons(sent)] == ["sub:all", "sub:events", "sub:recommendations", "sub:vncpc", "sub:vncpc-en"]
    edit = await bot.press(USER, "sub:recommendations")
    assert edit.status == 200
    assert edit.params["text"] == "✅ Đã đăng ký: Bài có kiến nghị."
    assert edit.params["message_id"] == sent.message_id
    assert bot.subscribers.topics(USER) == ["recommendations"]
    assert bot.api.calls("answerCallbackQuery")


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_subscribe_with_argument_again_and_unknown(bot, lang):
    first = await bot.reply(USER, "/subscribe vncpc", language_code=lang)
    again = await bot.reply(USER, "/subscribe VNCPC", language_code=lang)
    unknown = await bot.reply(USER, "/subscribe <weather>", language_code=lang)
    if lang == "vi":
        assert first.text == "✅ Đã đăng ký: Nguồn: VNCPC – Tin tức."
        assert again.text == "Bạn đã đăng ký Nguồn: VNCPC – Tin tức rồi."
        assert unknown.text.startswith("Không có chủ đề “&lt;weather&gt;”. Các chủ đề: all, events")
    else:
        assert first.text == "✅ Subscribed: Source: VNCPC – Tin tức."
        assert again.text == "You are already subscribed to Source: VNCPC – Tin tức."
        assert unknown.text.startswith("There is no topic “&lt;weather&gt;”. Topics: all, events")
    assert bot.subscribers.topics(USER) == ["vncpc"]


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_unsubscribe_topic_keyboard_and_all(bot, lang):
    none = await bot.reply(USER, "/unsubscribe", language_code=lang)
    assert none.text == ("Bạn chưa đăng ký chủ đề nào. Gõ /subscribe để bắt đầu." if lang == "vi" else "You have no subscriptions. Type /subscribe to start.")
    for topic in ("all", "events", "vncpc"):
        await bot.reply(USER, f"/subscribe {topic}", language_code=lang)
    removed = await bot.reply(USER, "/unsubscribe events", language_code=lang)
    assert removed.text == ("Đã hủy đăng ký: Bài có sự kiện." if lang == "vi" else "Unsubscribed: Articles with events.")
    missing = await bot.reply(USER, "/unsubscribe events", language_code=lang)
    assert missing.text.startswith("Bạn chưa đăng ký" if lang == "vi" else "You are not subscribed")
    keyboard = await bot.reply(USER, "/unsubscribe", language_code=lang)
    assert [data for _, data in buttons(keyboard)] == ["unsub:vncpc", "unsub:all"]
    edit = await bot.press(USER, "unsub:vncpc", language_code=lang)
    assert bot.subscribers.topics(USER) == ["all"]
    assert "VNCPC – Tin tức" in edit.params["text"]
    everything = await bot.reply(USER, "/unsubscribe all", language_code=lang)
    assert everything.text == ("Đã hủy mọi đăng ký." if lang == "vi" else "All subscriptions removed.")
    assert bot.subscribers.topics(USER) == []
    again = await bot.reply(USER, "/unsubscribe all", language_code=lang)
    assert again.text == none.text  # nothing was removed: say so instead of "removed"


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_list_shows_subscriptions_and_settings(bot, lang):
    await bot.reply(USER, "/subscribe events", language_code=lang)
    await bot.reply(USER, "/subscribe vncpc-en", language_code=lang)
    sent = await bot.reply(USER, "/list", language_code=lang)
    if lang == "vi":
        assert sent.text == (
            "<b>Các chủ đề đã đăng ký</b>\n• Bài có sự kiện\n• Nguồn: VNCPC News\n\n"
            "Chế độ: gửi ngay khi có tin\nNgôn ngữ: Tiếng Việt"
        )
    else:
        assert sent.text == (
            "<b>Subscribed topics</b>\n• Articles with events\n• Source: VNCPC News\n\n"
            "Mode: instant alerts\nLanguage: English"
        )


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_latest_default_count_limit_and_usage(bot, lang):
    empty = await bot.reply(USER, "/latest", language_code=lang)
    assert empty.text == ("Chưa có bài nào." if lang == "vi" else "No articles yet.")
    now = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
    bot.store.upsert_articles("vncpc", [make_article(n) for n in range(1, 26)], now=now)
    default = await bot.reply(USER, "/latest", language_code=lang)
    assert default.text.startswith("<b>🗞 5 bài mới nhất</b>" if lang == "vi" else "<b>🗞 Latest articles (5)</b>")
    assert default.text.count("Tập huấn sản xuất sạch hơn đợt") == 5
    assert "đợt 25 &amp; &lt;đánh giá&gt;</b>" in default.text  # newest first, escaped
    three = await bot.reply(USER, "/latest 3", language_code=lang)
    assert three.text.count("<b>Tập huấn") == 3
    many = await bot.say(USER, "/latest 500", language_code=lang)  # capped at 20
    assert many[-1].text.count("<b>Tập huấn") == 20
    bad = await bot.reply(USER, "/latest abc", language_code=lang)
    assert bad.text == ("Dùng: /latest [n], với n từ 1 đến 20." if lang == "vi" else "Usage: /latest [n], n from 1 to 20.")


@contextlib.contextmanager
def threads_running(engine, needle: str):
    """The threads that run SQL statements containing ``needle`` on ``engine`` meanwhile."""
    found: list[int] = []

    def seen(conn, cursor, statement, *args):
        if needle in statement:
            found.append(threading.get_ident())

    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)


async def test_events_reads_every_event_article_off_the_event_loop(bot):
    """/events scans every article with events: on the loop it would stall the bot, sender and feeds."""
    today = dt.datetime.now(TZ).date()
    soon = Event(name="Hội thảo tuần tới", kind=EventKind.WORKSHOP, start=today + dt.timedelta(days=7))
    bot.store.upsert_articles("vncpc", [make_article(1, events=(soon,))], now=dt.datetime.now(TZ))
    with threads_running(bot.store.engine, "has_events") as scans:
        sent = await bot.reply(USER, "/events", language_code="vi")
    assert "Hội thảo tuần tới" in sent.text
    assert scans and threading.get_ident() not in scans


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_events_lists_upcoming_events_soonest_first(bot, lang):
    none = await bot.reply(USER, "/events", language_code=lang)
    assert none.text == ("Chưa có sự kiện sắp diễn ra." if lang == "vi" else "No upcoming events.")
    today = dt.datetime.now(TZ).date()

    def event(name: str, days: int) -> Event:
        return Event(name=name, kind=EventKind.WORKSHOP, start=today + dt.timedelta(days=days),
                     location="TP Huế", status=EventStatus.UPCOMING, participants=80)

    later = make_article(1, events=(event("Hội thảo muộn", 40),))
    sooner = make_article(2, events=(event("Hội thảo sớm", 3),))
    past = make_article(3, events=(Event(name="Hội thảo đã qua", start=today - dt.timedelta(days=30)),))
    bot.store.upsert_articles("vncpc", [later, sooner, past], now=dt.datetime.now(TZ))
    sent = await bot.reply(USER, "/events", language_code=lang)
    assert sent.text.startswith("<b>📅 Sự kiện sắp diễn ra</b>" if lang == "vi" else "<b>📅 Upcoming events</b>")
    assert sent.text.index("Hội thảo sớm") < sent.text.index("Hội thảo muộn")
    assert "Hội thảo đã qua" not in sent.text
    assert ("👥 80+ đại biểu" if lang == "vi" else "👥 80+ participants") in sent.text


async def test_settings_digest_hour_instant_and_language(bot):
    await bot.reply(USER, "/subscribe all")
    menu = await bot.reply(USER, "/settings")
    assert menu.text == "<b>Cài đặt</b>\nChế độ: gửi ngay khi có tin\nNgôn ngữ: Tiếng Việt"
    assert [data for _, data in buttons(menu)] == ["set:instant", "set:digest", "set:lang:en"]
    hours = await bot.press(USER, "set:digest")
    assert hours.params["text"] == "Chọn giờ nhận bản tin (giờ Việt Nam):"
    assert len(buttons(hours)) == 24 and buttons(hours)[7] == ("07:00", "set:hour:7")
    saved = await bot.press(USER, "set:hour:7")
    assert "Chế độ: bản tin hằng ngày lúc 7:00 (giờ Việt Nam)" in saved.params["text"]
    chat = bot.subscribers.get_chat(USER)
    assert (chat.mode, chat.digest_hour) == ("digest", 7)
    english = await bot.press(USER, "set:lang:en")
    assert english.params["text"] == "✅ Saved.\n\n<b>Settings</b>\nMode: daily digest at 7:00 (Vietnam time)\nLanguage: English"
    assert [data for _, data in buttons(english)][-1] == "set:lang:vi"
    instant = await bot.press(USER, "set:instant")
    assert "Mode: instant alerts" in instant.params["text"]
    assert bot.subscribers.get_chat(USER).mode == "instant"
    # the saved language wins over the Telegram client's language from now on
    help_text = await bot.reply(USER, "/help", language_code="vi")
    assert help_text.text.startswith("<b>Commands</b>")


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_stop_asks_then_forgets_everything(bot, lang):
    await bot.reply(USER, "/subscribe all", language_code=lang)
    ask = await bot.reply(USER, "/stop", language_code=lang)
    assert [data for _, data in buttons(ask)] == ["stop:yes", "stop:no"]
    cancelled = await bot.press(USER, "stop:no", language_code=lang)
    assert cancelled.params["text"] == ("Đã hủy." if lang == "vi" else "Cancelled.")
    assert bot.subscribers.topics(USER) == ["all"]
    await bot.reply(USER, "/stop", language_code=lang)
    done = await bot.press(USER, "stop:yes", language_code=lang)
    assert done.params["text"].startswith("Đã xóa mọi dữ liệu" if lang == "vi" else "Every record of this chat was deleted")
    assert bot.subscribers.get_chat(USER) is None
    assert bot.subscribers.topics(USER) == []


# --------------------------------------------------------------------------- groups and channels


async def test_only_group_admins_change_subscriptions(bot):
    bot.api.set_admins(GROUP, [7, 8])
    refused = await bot.reply(GROUP, "/subscribe all", user_id=9, chat_type="group")
    assert refused.text == "Chỉ quản trị viên nhóm mới được thay đổi đăng ký và cài đặt."
    assert bot.subscribers.topics(GROUP) == []
    accepted = await bot.reply(GROUP, "/subscribe all", user_id=8, chat_type="group")
    assert accepted.text == "✅ Đã đăng ký: Tất cả bài mới."
    assert bot.subscribers.get_chat(GROUP).type == "group"
    assert [c.params["user_id"] for c in bot.api.calls("getChatMember")] == [9, 8]
    # a member pressing a settings button gets an alert and changes nothing
    await bot.reply(GROUP, "/settings", user_id=7, chat_type="group")
    bot.api.push_callback(GROUP, "set:digest", user_id=9, chat_type="group")
    await bot.wait(lambda: any(c.params.get("show_alert") for c in bot.api.calls("answerCallbackQuery")), "alert")
    assert bot.api.calls("answerCallbackQuery")[-1].params["text"] == "Chỉ quản trị viên nhóm mới được thay đổi đăng ký và cài đặt."
    assert bot.subscribers.get_chat(GROUP).mode == "instant"
    # anyone may read
    listing = await bot.reply(GROUP, "/list", user_id=9, chat_type="group")
    assert "Tất cả bài mới" in listing.text


async def test_channel_posts_can_subscribe_but_only_channel_admins_press_buttons(bot):
    sent = await bot.reply(-100777, "/subscribe events", chat_type="channel")
    assert sent.text == "✅ Đã đăng ký: Bài có sự kiện."
    assert bot.subscribers.get_chat(-100777).type == "channel"
    await bot.reply(-100777, "/subscribe", chat_type="channel")  # a keyboard every reader sees
    bot.api.push_callback(-100777, "sub:all", user_id=31, chat_type="channel")
    await bot.wait(lambda: any(c.params.get("show_alert") for c in bot.api.calls("answerCallbackQuery")), "refusal")
    assert bot.subscribers.topics(-100777) == ["events"]
    bot.api.set_admins(-100777, [30])
    edit = await bot.press(-100777, "sub:all", user_id=30, chat_type="channel")
    assert edit.params["text"] == "✅ Đã đăng ký: Tất cả bài mới."
    assert bot.subscribers.topics(-100777) == ["all", "events"]


async def test_blocking_or_removing_the_bot_deactivates_the_chat(bot):
    await bot.reply(USER, "/subscribe all")
    bot.api.set_admins(GROUP, [7])
    await bot.reply(GROUP, "/subscribe all", chat_type="supergroup", user_id=7)
    bot.api.push_my_chat_member(USER, new_status="kicked")
    bot.api.push_my_chat_member(GROUP, new_status="left", chat_type="supergroup", user_id=7)
    await bot.wait(lambda: not bot.subscribers.get_chat(GROUP).active, "group deactivated")
    assert not bot.subscribers.get_chat(USER).active
    assert bot.subscribers.stats().active == 0


# --------------------------------------------------------------------------- fallbacks and throttling


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_unknown_command_and_free_text_get_short_help(bot, lang):
    unknown = await bot.reply(USER, "/frobnicate now", language_code=lang)
    text = await bot.reply(USER, "xin chào bot", language_code=lang)
    expected = "Tôi chưa hiểu. Gõ /help" if lang == "vi" else "Sorry, I did not understand."
    assert unknown.text.startswith(expected) and text.text.startswith(expected)
    assert "Traceback" not in unknown.text


async def test_group_chatter_and_other_bots_commands_are_ignored(bot):
    await bot.silent(GROUP, "chào cả nhóm", chat_type="group", user_id=5)
    await bot.silent(GROUP, "/frobnicate", chat_type="group", user_id=5)
    addressed = await bot.reply(GROUP, "/frobnicate@vncpc_feed_bot", chat_type="group", user_id=5)
    assert addressed.text.startswith("Tôi chưa hiểu.")


async def test_command_flood_gets_one_warning_then_silence(bot):
    for n in range(20):  # a person trying commands one after another is served: 20 a minute
        await bot.reply(USER, "/help")
    warning = await bot.reply(USER, "/list")
    assert warning.text == "Bạn gửi lệnh quá nhanh, vui lòng chờ một lát."
    before = len(bot.api.sent(USER))
    for _ in range(5):
        bot.api.push_message(USER, "/help")
    bot.api.push_message(USER + 1, "/help")  # another chat is not throttled
    await bot.wait(lambda: len(bot.api.sent(USER + 1)) == 1, "other chat served")
    await asyncio.sleep(0.1)
    assert len(bot.api.sent(USER)) == before


def test_throttle_recovers_after_the_window():
    now = [0.0]
    throttle = Throttle(limit=3, window=10.0, clock=lambda: now[0])
    assert [throttle.check(1) for _ in range(6)] == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert throttle.check(2) == "ok"
    now[0] = 25.0
    assert throttle.check(1) == "ok"


def test_throttle_defaults_allow_20_commands_a_minute():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(20):
        now[0] += 2.0  # a command every 2 s: 20 within 40 s
        assert throttle.check(1) == "ok"
    assert throttle.check(1) == "warn"
    now[0] += 61.0
    assert throttle.check(1) == "ok"


# --------------------------------------------------------------------------- admin commands


async def test_admin_commands_refuse_other_users_and_log_their_id(bot, caplog):
    caplog.set_level(logging.WARNING, logger="bot.commands.handlers")
    for command in ("/stats", "/sources", "/pause vncpc", "/resume vncpc", "/scrape", "/broadcast hi"):
        refused = await bot.reply(USER, command, language_code="en")
        assert refused.text == "Sorry, this command is for the bot's administrators only."
    refusals = [r.getMessage() for r in caplog.records if "admin command refused" in r.getMessage()]
    assert len(refusals) == 6 and all(f"user={USER}" in r for r in refusals)
    assert bot.scrapes == [] and bot.subscribers.outbox_rows() == []
    assert not bot.store.source_health("vncpc").paused


async def test_stats_and_sources_for_admins(bot):
    await bot.reply(USER, "/subscribe all")
    await bot.reply(USER + 1, "/subscribe events")
    now = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
    stored = bot.store.upsert_articles("vncpc", [make_article(1)], now=now).new
    bot.store.record_run("vncpc", RefreshResult("vncpc", new=stored), now=now)
    bot.store.record_run("vncpc-en", RefreshResult("vncpc-en", error="fetch https://vncpc.org/en/: timed out <30 s>"), now=now)
    bot.subscribers.enqueue_broadcast("Thông báo", ADMIN)
    stats = await bot.reply(ADMIN, "/stats")
    assert "Hàng đợi: 2 chờ gửi, 0 chờ bản tin, 0 lỗi" in stats.text
    assert stats.text.startswith("<b>📊 Thống kê</b>\nNgười đăng ký: 2 đang hoạt động / 2\n")
    assert "Bài viết: 1" in stats.text
    assert "• all: 1\n• events: 1" in stats.text
    assert "• vncpc: 28/11/2026 10:00 ✅ ổn" in stats.text
    sources = await bot.reply(ADMIN, "/sources", language_code="en")
    assert "<b>VNCPC News</b> (vncpc-en) — ⚠️ 1 failures in a row" in sources.text
    assert "Last error: fetch https://vncpc.org/en/: timed out &lt;30 s&gt;" in sources.text
    assert "<b>VNCPC – Tin tức</b> (vncpc) — ✅ OK\nLast run: 28 Nov 2026 10:00" in sources.text


async def test_pause_resume_and_scrape_for_admins(bot):
    usage = await bot.reply(ADMIN, "/pause")
    assert usage.text == "Dùng: /pause &lt;mã nguồn&gt;"
    unknown = await bot.reply(ADMIN, "/pause nowhere")
    assert unknown.text == "Không có nguồn “nowhere”. Các nguồn: vncpc, vncpc-en."
    paused = await bot.reply(ADMIN, "/pause vncpc")
    assert paused.text == "⏸ Đã tạm dừng nguồn vncpc."
    assert bot.store.source_health("vncpc").paused
    resumed = await bot.reply(ADMIN, "/resume vncpc", language_code="en")
    assert resumed.text == "▶️ Source vncpc resumed."
    assert not bot.store.source_health("vncpc").paused
    started, result = await bot.say(ADMIN, "/scrape", replies=2)
    assert started.text == "⏳ Đang quét mọi nguồn…"
    assert result.text == "all: 2 new &amp; 0 changed"
    _, one = await bot.say(ADMIN, "/scrape vncpc", replies=2)
    assert one.text == "vncpc: 2 new &amp; 0 changed"
    assert bot.scrapes == [None, "vncpc"]


async def test_broadcast_needs_confirmation_then_queues_and_wakes_the_sender(bot):
    for chat in (USER, USER + 1, USER + 2):
        await bot.reply(chat, "/subscribe all")
    bot.api.push_my_chat_member(USER + 2, new_status="kicked")  # blocked: gets nothing
    await bot.wait(lambda: not bot.subscribers.get_chat(USER + 2).active, "deactivation")
    ask = await bot.reply(ADMIN, "/broadcast Hội thảo <mới> & quan trọng")
    assert ask.text == "Gửi thông báo này tới 2 người đăng ký?\n\nHội thảo &lt;mới&gt; &amp; quan trọng"
    assert bot.subscribers.outbox_rows() == []
    yes, no = (data for _, data in buttons(ask))
    assert yes.startswith("bc:yes:") and no.startswith("bc:no:")
    # a non-admin pressing the button is refused
    bot.api.push_callback(ADMIN, yes, user_id=USER)
    await bot.wait(lambda: any(c.params.get("show_alert") for c in bot.api.calls("answerCallbackQuery")), "refusal")
    assert bot.subscribers.outbox_rows() == []
    done = await bot.press(ADMIN, yes)
    assert done.params["text"] == "📣 Đã xếp hàng 2 tin nhắn."
    rows = bot.subscribers.outbox_rows(status="pending")
    assert sorted(r["chat_id"] for r in rows) == [USER, USER + 1]
    assert {r["text"] for r in rows} == {"Hội thảo &lt;mới&gt; &amp; quan trọng"}
    assert bot.wakes == 1
    again = await bot.press(ADMIN, yes)  # pressing twice never queues twice
    assert again.params["text"] == "Thông báo này đã hết hạn, vui lòng gửi lại /broadcast."
    assert len(bot.subscribers.outbox_rows()) == 2


async def test_broadcast_queues_its_rows_off_the_event_loop(bot):
    """One row per subscriber (thousands): written on the loop it would stall the bot and the sender."""
    for chat in (USER, USER + 1):
        await bot.reply(chat, "/subscribe all")
    ask = await bot.reply(ADMIN, "/broadcast Bảo trì hệ thống")
    yes, _ = (data for _, data in buttons(ask))
    with threads_running(bot.store.engine, "INSERT INTO outbox") as inserts:
        done = await bot.press(ADMIN, yes)
    assert "2" in done.params["text"] and len(bot.subscribers.outbox_rows(status="pending")) == 2
    assert inserts and threading.get_ident() not in inserts


async def test_broadcast_cancel_queues_nothing(bot):
    await bot.reply(USER, "/subscribe all")
    ask = await bot.reply(ADMIN, "/broadcast Thông báo", language_code="en")
    _, no = (data for _, data in buttons(ask))
    cancelled = await bot.press(ADMIN, no, language_code="en")
    assert cancelled.params["text"] == "Cancelled."
    assert bot.subscribers.outbox_rows() == [] and bot.wakes == 0


# --------------------------------------------------------------------------- errors, commands menu, logging


async def test_errors_are_logged_without_the_token_and_answered_briefly(bot, caplog):
    caplog.set_level(logging.DEBUG)
    _, answer = await bot.say(ADMIN, "/scrape vncpc-en", language_code="en", replies=2)
    assert answer.text == "Something went wrong, please try again later."
    errors = [r.getMessage() for r in caplog.records if r.name == "bot.commands.handlers" and r.levelno == logging.ERROR]
    assert errors and "RuntimeError: scrape exploded near <token>" in errors[0]
    assert all(bot.api.token not in r.getMessage() for r in caplog.records)
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_register_commands_in_vietnamese_english_and_for_admins(bot, tmp_path):
    settings = load_settings(None, env={"FEEDBOT_TELEGRAM_API_URL": bot.api.base_url})
    app = build_application(settings, bot.api.token, store=bot.store, subscribers=bot.subscribers, hooks=BotHooks())
    async with app:
        await register_commands(app, admins=(ADMIN,))
    vi = {c["command"]: c["description"] for c in bot.api.commands()}
    en = {c["command"]: c["description"] for c in bot.api.commands("en")}
    assert vi["subscribe"] == "Đăng ký một chủ đề" and en["subscribe"] == "Subscribe to a topic"
    assert set(vi) == set(en) and "stats" not in vi
    admin = {c["command"] for c in bot.api.commands("", scope="chat")}
    assert {"stats", "broadcast", "subscribe"} <= admin


async def test_unblocking_reactivates_and_group_migration_moves_subscriptions(bot):
    await bot.reply(USER, "/subscribe all")
    bot.api.push_my_chat_member(USER, new_status="kicked")
    await bot.wait(lambda: not bot.subscribers.get_chat(USER).active, "deactivated")
    bot.api.push_my_chat_member(USER, new_status="member", old_status="kicked")
    await bot.wait(lambda: bot.subscribers.get_chat(USER).active, "reactivated")
    assert bot.subscribers.topics(USER) == ["all"]
    bot.api.push_my_chat_member(-4242, new_status="member", old_status="left", chat_type="group")  # unknown group
    bot.api.set_admins(-31, [5])
    await bot.reply(-31, "/subscribe events", chat_type="group", user_id=5)
    group = bot.api.chat(-31, "group")
    bot.api.push_update({"message": {"message_id": 1, "date": 0, "chat": group, "from": bot.api.user(5, "vi"),
                                     "migrate_to_chat_id": -1000031}})
    await bot.wait(lambda: bot.subscribers.topics(-1000031) == ["events"], "migration")
    assert bot.subscribers.get_chat(-1000031).type == "supergroup"
    assert bot.subscribers.get_chat(-4242) is None


async def test_deep_link_in_a_group_needs_a_group_admin(bot):
    bot.api.set_admins(GROUP, [7])
    refused = await bot.reply(GROUP, "/start all", chat_type="supergroup", user_id=9)
    assert refused.text == "Chỉ quản trị viên nhóm mới được thay đổi đăng ký và cài đặt."
    welcome = await bot.reply(GROUP, "/start", chat_type="supergroup", user_id=9)  # reading is for everyone
    assert welcome.text.startswith("👋 Xin chào!")
    assert bot.subscribers.topics(GROUP) == []


@pytest.mark.parametrize(
    "command", ["/start", "/help", "/subscribe", "/unsubscribe", "/list", "/latest", "/events", "/settings", "/stop",
                "/stats", "/sources", "/pause", "/resume", "/broadcast", "/nonsense"],
)
async def test_every_command_answers_in_both_languages(bot, command):
    vi = await bot.reply(ADMIN, command, language_code="vi")
    en = await bot.reply(ADMIN, command, language_code="en")  # none of these saves a language
    assert vi.text != en.text
    assert vi.params["parse_mode"] == en.params["parse_mode"] == "HTML"
    words = {"vi": ("Bạn", "Chọn", "Xin", "lệnh", "Chưa", "Cài", "Xóa", "Thống", "Tình", "Dùng", "hiểu", "quản trị"),
             "en": ("You", "Pick", "Hello", "Commands", "No ", "Settings", "Delete", "Statistics", "Source", "Usage",
                    "Sorry", "administrators")}
    assert any(w in vi.text for w in words["vi"]), vi.text
    assert any(w in en.text for w in words["en"]), en.text

"""The bot's replies at a real round trip: the real python-telegram-bot Application (default
settings) polling the fake Bot API, which answers each call after 150 ms and enforces Telegram's
flood limits. Updates of different chats are handled at once, one chat's in order; replies share
the flood budget with the outbox sender and go first; a 429 on a reply is waited out."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.delivery.flood import FloodBudget
from bot.commands.handlers import BotHooks
from bot.delivery.sender import Sender, SenderConfig, make_bot
from bot.service.settings import load_settings
from bot.delivery.subscribers import Subscribers
from bot.commands.app import build_application
from feeds.models import ListingSelectors, Source
from feeds.store import Store, database_url
from tests.support.botapi import BotApiServer
from tests.support.delivery import add_article, add_subscribers

RTT = 0.15
SOURCES = (Source(id="vncpc", name="VNCPC", url="https://vncpc.org/tin-tuc/", listing=ListingSelectors(item="article")),)
HELP = "<b>Các lệnh</b>"
WELCOME = "👋 Xin chào!"


class Bot:
    """The running Application, its store, the server and the flood budget it replies through."""

    def __init__(self, api: BotApiServer, subs: Subscribers, budget: FloodBudget) -> None:
        self.api, self.subs, self.budget = api, subs, budget

    async def replies(self, chat_id: int, count: int, timeout: float = 30.0) -> list:
        await asyncio.to_thread(self.api.wait_sent, count, chat_id, timeout)
        return self.api.sent(chat_id)


@pytest.fixture
async def bot(tmp_path):
    with BotApiServer(latency=RTT) as api:
        api.flood_limits()
        store = Store.open(database_url(tmp_path))
        subs = Subscribers(store, source_names={s.id: s.name for s in SOURCES})
        settings = load_settings(None, env={"FEEDBOT_TELEGRAM_API_URL": api.base_url})
        budget = FloodBudget.from_settings(settings)
        hooks = BotHooks(sources=lambda: SOURCES)
        app = build_application(settings, api.token, store=store, subscribers=subs, hooks=hooks, budget=budget)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                yield Bot(api, subs, budget)
            finally:
                await app.updater.stop()
                await app.stop()
        store.close()


async def test_two_chats_commands_are_handled_at_the_same_time(bot):
    bot.api.fail_next(1, "slow", delay=3.0)  # the reply to chat 1 takes 3 s more to be answered
    bot.api.push_message(1, "/help")
    bot.api.push_message(2, "/help")
    [to_2] = await bot.replies(2, 1)
    [to_1] = await bot.replies(1, 1)
    # handled one after the other, chat 2's reply could only have left once chat 1's was answered
    assert to_2.at < to_1.at + 3.0
    assert to_1.text.startswith(HELP) and to_2.text.startswith(HELP)


async def test_one_chats_updates_stay_in_order(bot):
    group, admin = -100, 7
    bot.api.set_admins(group, [admin])
    # the first update's handler waits 1 s for Telegram (is the sender a group admin?) before it acts
    bot.api.fail_next(group, "slow", delay=1.0, method="getChatMember")
    bot.api.push_message(group, "/subscribe all", user_id=admin, chat_type="supergroup")
    bot.api.push_message(group, "/unsubscribe all", user_id=admin, chat_type="supergroup")
    first, second = await bot.replies(group, 2)
    # handled out of order, the unsubscription would have come first and the subscription stayed
    assert bot.subs.topics(group) == []
    assert first.text.startswith("✅ Đã đăng ký") and second.text == "Đã hủy mọi đăng ký."


async def test_replies_to_one_chat_keep_telegrams_interval_without_a_refusal(bot):
    for text in ("/start", "/help", "/list"):
        bot.api.push_message(1, text)
    await bot.replies(1, 3)
    assert bot.api.refusals() == 0 and bot.api.violations() == []
    assert min(bot.api.chat_intervals()[1]) >= 1.0


async def test_a_429_on_a_reply_is_waited_out_and_the_reply_still_sent(bot):
    bot.api.fail_next(1, "429", retry_after=2)
    bot.api.push_message(1, "/help")
    [reply] = await bot.replies(1, 1)
    assert reply.text.startswith(HELP)  # the reply itself, not the "something went wrong" note
    refused, accepted = [c for c in bot.api.calls("sendMessage") if c.chat_id == 1]
    assert refused.status == 429 and accepted.status == 200 and accepted.at - refused.at >= 2.0
    await asyncio.sleep(0.5)
    assert len(bot.api.sent(1)) == 1


async def test_a_reply_during_a_long_fan_out_goes_out_before_it_ends(bot):
    add_subscribers(bot.subs, range(100, 400))  # 300 alerts: ten seconds at 30 a second
    add_article(bot.subs.store, 1)
    bot.subs.fan_out()
    sender_bot = make_bot(bot.api.token, bot.api.base_url, connections=SenderConfig().max_in_flight)
    async with sender_bot:
        sender = Sender(sender_bot, bot.subs, SenderConfig(), budget=bot.budget)
        task = asyncio.create_task(sender.run())
        try:
            await asyncio.to_thread(bot.api.wait_sent, 30, None, 30.0)  # the fan-out is under way
            bot.api.push_message(5, "/start")
            [reply] = await bot.replies(5, 1)
            pending = await asyncio.to_thread(bot.subs.pending_count)
        finally:
            await sender.stop()
            with contextlib.suppress(Exception):
                await task
    assert reply.text.startswith(WELCOME)
    assert pending > 0  # answered while alerts were still waiting, not after them
    assert bot.api.refusals() == 0  # the reply took its turn in the budget the alerts keep to

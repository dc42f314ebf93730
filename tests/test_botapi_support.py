"""The fake Bot API server answers the way python-telegram-bot expects and refuses what Telegram refuses."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest
import telegram
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.support.botapi import BotApiServer
from tests.support.botapi_process import BotApiProcess
from tests.support.telegram_html import HtmlError, parse_html


@pytest.fixture
async def bot(botapi):
    async with telegram.Bot(botapi.token, base_url=botapi.base_url) as b:
        yield b


async def test_send_message_is_recorded_and_parsed(bot, botapi):
    msg = await bot.send_message(42, "<b>Hội thảo</b> về sản xuất sạch hơn &amp; tiết kiệm", parse_mode="HTML")
    assert msg.chat.id == 42 and msg.text == "Hội thảo về sản xuất sạch hơn & tiết kiệm"
    assert [s.text for s in botapi.sent(42)] == ["<b>Hội thảo</b> về sản xuất sạch hơn &amp; tiết kiệm"]


@pytest.mark.parametrize(
    ("kind", "error"),
    [("429", RetryAfter), ("403", Forbidden), ("chat_not_found", BadRequest), ("400", BadRequest),
     ("500", NetworkError), ("502", NetworkError), ("drop", NetworkError)],
)
async def test_injected_failures_map_to_ptb_errors(bot, botapi, kind, error):
    botapi.fail_next(7, kind, retry_after=4)
    with pytest.raises(error):
        await bot.send_message(7, "Tin mới")
    assert botapi.sent(7) == []
    await bot.send_message(7, "Tin mới")  # only the next call failed
    assert len(botapi.sent(7)) == 1


async def test_retry_after_carries_the_delay(bot, botapi):
    botapi.fail_next(None, "429", retry_after=4)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(8, "x")
    assert info.value._retry_after.total_seconds() == 4


@pytest.mark.parametrize("text", ["<b>đậm", "<p>đoạn</p>", "a < b", "Hà Nội & TP.HCM", "<b><i>x</b></i>", "<span>x</span>"])
def test_strict_html_refuses(text):
    with pytest.raises(HtmlError):
        parse_html(text)


def test_html_accepts_every_telegram_tag():
    text = ('<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s><strike>8</strike>'
            '<del>9</del><a href="https://vncpc.org/?a=1&amp;b=2">10</a><code>11</code><pre>12</pre>'
            '<blockquote>13</blockquote><tg-spoiler>14</tg-spoiler><span class="tg-spoiler">15</span>&#273;')
    assert parse_html(text) == "123456789101112131415đ"


async def test_bad_html_and_long_text_are_400(bot, botapi):
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(9, "Chi phí < 5 triệu", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(9, "ạ" * 4097)
    await bot.send_message(9, "<b>" + "ạ" * 4096 + "</b>", parse_mode="HTML")  # length counts after parsing


async def test_updates_long_poll_with_offset(bot, botapi):
    botapi.push_message(5, "/start events", language_code="en")
    botapi.push_callback(5, "sub:all")
    botapi.push_my_chat_member(5, new_status="kicked")
    updates = await bot.get_updates(timeout=1)
    assert updates[0].message.text == "/start events" and updates[0].message.from_user.language_code == "en"
    assert updates[1].callback_query.data == "sub:all"
    assert updates[2].my_chat_member.new_chat_member.status == "kicked"
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_group_admins_and_commands(bot, botapi):
    botapi.set_admins(-100, [11, 12])
    assert (await bot.get_chat_member(-100, 12)).status == "administrator"
    assert (await bot.get_chat_member(-100, 13)).status == "member"
    await bot.set_my_commands([("subscribe", "Đăng ký")], language_code="vi")
    assert botapi.commands("vi") == [{"command": "subscribe", "description": "Đăng ký"}]


async def test_wrong_token_is_refused(botapi):
    with pytest.raises(InvalidToken):
        async with telegram.Bot("1:wrong", base_url=botapi.base_url):
            pass


async def test_global_rate_limit_answers_429(bot, botapi):
    botapi.set_rate_limit(3)
    for chat in range(3):
        await bot.send_message(chat + 100, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(200, "x")


def test_json_and_form_bodies(botapi):
    by_json = httpx.post(botapi.api_url + "/sendMessage", json={"chat_id": 3, "text": "Chào", "reply_markup": {"inline_keyboard": []}})
    by_form = httpx.post(botapi.api_url + "/sendMessage", data={"chat_id": "3", "text": "[1] 2", "parse_mode": "HTML"})
    assert by_json.json()["result"]["chat"]["id"] == 3 and by_form.json()["ok"]
    assert [(s.chat_id, s.text) for s in botapi.sent(3)] == [(3, "Chào"), (3, "[1] 2")]
    assert botapi.sent(3)[0].reply_markup == {"inline_keyboard": []}
    refused = httpx.post(botapi.api_url + "/sendMessage", data={"chat_id": "3", "text": "a & b", "parse_mode": "HTML"})
    assert refused.status_code == 400 and refused.json()["description"].startswith("Bad Request: can't parse entities")


async def test_latency_delays_every_call_without_serialising_them():
    with BotApiServer(latency=0.3) as api:
        async with telegram.Bot(api.token, base_url=api.base_url) as bot:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.gather(*(bot.send_message(chat, "x") for chat in range(1, 11)))
            elapsed = loop.time() - start
            arrivals = [s.at for s in api.sent()]
    assert elapsed >= 0.3  # each call took the round trip ...
    # ... and the ten overlapped: they all reached the server within one half trip of each other,
    # which ten calls one after another (each waiting 0.3 s) could not do
    assert max(arrivals) - min(arrivals) < 0.15 * 10 and len(arrivals) == 10


async def test_flood_limits_refuse_a_second_message_to_a_chat_within_a_second(bot, botapi):
    botapi.flood_limits()
    await bot.send_message(5, "một")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(5, "hai")
    assert info.value._retry_after.total_seconds() >= 1
    await bot.send_message(6, "other chats are not held up")
    assert botapi.refusals() == 1 and [s.chat_id for s in botapi.sent()] == [5, 6]


async def test_flood_limits_allow_20_messages_a_minute_to_a_group(bot, botapi):
    botapi.flood_limits(per_chat_interval=0)
    for n in range(20):
        await bot.send_message(-100, f"tin {n}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(-100, "tin 21")
    assert 1 <= info.value._retry_after.total_seconds() <= 61
    with pytest.raises(RetryAfter):  # a channel by name is limited the same way
        await _twenty_one(bot, "@kenh")
    assert botapi.refusals() == 2


async def _twenty_one(bot, chat):
    for n in range(21):
        await bot.send_message(chat, f"tin {n}")


async def test_flood_limits_30_a_second_with_one_second_of_burst_and_1000_when_paid(bot, botapi):
    botapi.flood_limits()
    results = await asyncio.gather(*(bot.send_message(c, "x") for c in range(1, 101)), return_exceptions=True)
    accepted = botapi.sent()
    span = accepted[-1].at - accepted[0].at
    assert 30 <= len(accepted) <= 30 + 30 * span + 1  # one second of burst, then 30 a second
    assert all(isinstance(r, RetryAfter) for r in results if not isinstance(r, telegram.Message))
    assert botapi.refusals() == 100 - len(accepted)
    # paid broadcasts have a bucket of their own, 1,000 a second
    await asyncio.gather(*(bot.send_message(c, "x", allow_paid_broadcast=True) for c in range(200, 500)))
    assert len(botapi.sent()) == len(accepted) + 300


def test_the_server_runs_in_a_process_of_its_own():
    with BotApiProcess(latency=0.05, cpu=None) as api:
        api.flood_limits()
        assert httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": "9", "text": "a"}).status_code == 200
        assert httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": "9", "text": "b"}).status_code == 429
        api.set("enforce_per_chat", False)
        assert httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": "9", "text": "c"}).status_code == 200
        assert [s.text for s in api.sent(9)] == ["a", "c"] and api.refusals() == 1 and api.pid not in (None, os.getpid())

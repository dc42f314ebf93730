"""The outbox sender with a real python-telegram-bot Bot against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import replace

import pytest

from bot.delivery.sender import Sender, SenderConfig, TokenBucket, make_bot
from bot.service.settings import load_settings
from bot.delivery.subscribers import Subscribers
from bot.delivery.errors import DeliveryError
from feeds.models import Recommendation
from tests.support.botapi import BotApiServer
from tests.support.delivery import NOW, add_article, add_subscribers, make_article, open_store

FAST = SenderConfig(
    global_per_second=500, per_chat_seconds=0.05, backoff_seconds=0.05, idle_seconds=0.2, max_attempts=4
)


@pytest.fixture
def subs(tmp_path):
    with open_store(tmp_path) as store:
        yield Subscribers(store, source_names={"vncpc": "Trung tâm SXSH Việt Nam"})


@pytest.fixture
async def bot(botapi):
    async with make_bot(botapi.token, botapi.base_url, timeout=2.0) as b:
        yield b


def _chats(subs, *chat_ids, topic="all", **kw):
    for chat_id in chat_ids:
        subs.upsert_chat(chat_id, **kw)
        subs.subscribe(chat_id, topic)


def _alert(subs, n=1, **kw):
    article = add_article(subs.store, n, **kw)
    subs.fan_out()
    return article


def _status(subs, chat_id):
    return [r["status"] for r in subs.outbox_rows(chat_id=chat_id)]


async def test_alerts_are_rendered_in_each_chats_language_and_marked_sent(subs, bot, botapi):
    _chats(subs, 1, language="vi")
    _chats(subs, 2, language="en")
    _alert(subs, 1, events=True)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals["sent"] == 2
    [vi], [en] = botapi.sent(1), botapi.sent(2)
    assert "Doanh nghiệp &lt;1&gt;" in vi.text and "https://vncpc.org/tin-tuc/bai-viet-so-1/" in vi.text
    assert vi.params["parse_mode"] == "HTML" and vi.text != en.text
    rows = subs.outbox_rows()
    assert {r["status"] for r in rows} == {"sent"}
    assert {r["message_id"] for r in rows} == {vi.message_id, en.message_id}


async def test_retry_after_is_honoured_and_nothing_is_lost(subs, bot, botapi):
    _chats(subs, 1, 2, 3)
    _alert(subs)
    botapi.fail_next(2, "429", retry_after=1)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"sent": 3, "retried": 1}
    assert [len(botapi.sent(c)) for c in (1, 2, 3)] == [1, 1, 1]
    refused, accepted = [c for c in botapi.calls("sendMessage") if c.chat_id == 2]
    assert refused.status == 429 and accepted.at - refused.at >= 1.0
    assert subs.outbox_rows(chat_id=2)[0]["attempts"] == 1  # a RetryAfter is not a failed attempt


async def test_flood_control_on_several_chats_pauses_everyone(subs, bot, botapi):
    _chats(subs, *range(1, 7))
    _alert(subs)
    botapi.fail_next(None, "429", times=3, retry_after=1)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals["sent"] == 6 and len({s.chat_id for s in botapi.sent()}) == 6
    first_refusal = min(c.at for c in botapi.calls("sendMessage") if c.status == 429)
    later = [c.at for c in botapi.calls("sendMessage") if c.status == 200 and c.at > first_refusal + 0.1]
    assert later and min(later) - first_refusal >= 0.9  # nobody was sent to during the pause


@pytest.mark.parametrize("kind", ["403", "chat_not_found"])
async def test_blocked_or_missing_chat_is_deactivated(subs, bot, botapi, kind):
    _chats(subs, 1, 2)
    _alert(subs, 1)
    _alert(subs, 2)
    botapi.fail_next(1, kind)
    await Sender(bot, subs, FAST).drain()
    assert _status(subs, 1) == ["failed", "cancelled"]
    assert not subs.get_chat(1).active and subs.get_chat(2).active
    assert len(botapi.sent(2)) == 2 and botapi.sent(1) == []
    assert len([c for c in botapi.calls("sendMessage") if c.chat_id == 1]) == 1


async def test_other_bad_request_fails_without_retry(subs, bot, botapi):
    _chats(subs, 1)
    _alert(subs)
    botapi.fail_next(1, "400", description="Bad Request: message must be non-empty")
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"failed": 1}
    [row] = subs.outbox_rows(chat_id=1)
    assert row["status"] == "failed" and "non-empty" in row["last_error"]
    assert subs.get_chat(1).active
    assert len(botapi.calls("sendMessage")) == 1


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_server_errors_are_retried_until_sent(subs, bot, botapi, kind):
    _chats(subs, 1)
    _alert(subs)
    botapi.fail_next(1, kind, times=2)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"retried": 2, "sent": 1}
    [row] = subs.outbox_rows(chat_id=1)
    assert row["status"] == "sent" and row["attempts"] == 3
    assert len(botapi.sent(1)) == 1


async def test_migrated_group_gets_the_message_under_its_new_id(subs, bot, botapi):
    _chats(subs, -5, type="group", title="Nhóm SXSH")
    _alert(subs)
    botapi.fail_next(-5, "migrated", migrate_to=-1005)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"retried": 1, "sent": 1}
    assert botapi.sent(-5) == [] and len(botapi.sent(-1005)) == 1
    assert subs.get_chat(-5) is None and subs.topics(-1005) == ["all"]
    assert _status(subs, -1005) == ["sent"]


async def test_a_retry_is_sent_when_due_even_with_later_rows_waiting_behind_it(subs, bot, botapi):
    _chats(subs, 1)
    subs.enqueue_text([1], "Một")
    subs.enqueue_text([1], "Hai")  # due now, but behind the first in its chat
    botapi.fail_next(1, "500")
    patient = SenderConfig(per_chat_seconds=0.05, backoff_seconds=0.3, idle_seconds=60)
    totals = await Sender(bot, subs, patient).drain(timeout=10)  # the idle wait alone would be 60 s
    assert totals == {"retried": 1, "sent": 2}
    assert [s.text for s in botapi.sent(1)] == ["Một", "Hai"]


async def test_a_row_that_keeps_failing_is_parked(subs, bot, botapi):
    _chats(subs, 1)
    _alert(subs)
    botapi.fail_next(1, "500", times=10)
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"retried": 3, "failed": 1}
    [row] = subs.outbox_rows(chat_id=1)
    assert row["status"] == "failed" and row["attempts"] == 4 and "gave up after 4 attempts" in row["last_error"]
    assert subs.stats().failed == 1


async def test_timeout_retries_and_repeats_at_most_once(subs, botapi):
    _chats(subs, 1)
    _alert(subs)
    botapi.fail_next(1, "slow", delay=0.8)  # Telegram got it, the answer came too late
    async with make_bot(botapi.token, botapi.base_url, timeout=0.3) as impatient:
        await Sender(impatient, subs, FAST).drain()
    assert _status(subs, 1) == ["sent"]
    assert 1 <= len(botapi.sent(1)) <= 2


async def test_pacing_per_chat_and_per_group(subs, bot, botapi):
    botapi.per_chat_interval = 1.0
    botapi.enforce_per_chat = True
    botapi.group_per_minute = 40
    _chats(subs, 1, 2, 3)
    _chats(subs, -100, type="supergroup", title="Nhóm")
    for text in ("Một", "Hai", "Ba"):
        subs.enqueue_text([1, -100], f"<b>{text}</b>")
    subs.enqueue_text([2, 3], "Chỉ một tin")
    await Sender(bot, subs, SenderConfig(global_per_second=500, group_per_minute=40)).drain()
    assert botapi.violations() == []
    intervals = botapi.chat_intervals()
    assert len(intervals[1]) == 2 and min(intervals[1]) >= 1.0
    assert len(intervals[-100]) == 2 and min(intervals[-100]) >= 1.5  # 40 a minute
    assert [s.text for s in botapi.sent(1)] == ["<b>Một</b>", "<b>Hai</b>", "<b>Ba</b>"]  # order kept
    second_to_1 = botapi.sent(1)[1].at
    assert all(botapi.sent(c)[0].at < second_to_1 for c in (2, 3))  # a paced chat holds nobody up


async def test_global_rate_is_respected(subs, bot, botapi):
    botapi.set_rate_limit(20)
    _chats(subs, *range(1, 41))
    _alert(subs)
    totals = await Sender(bot, subs, SenderConfig(global_per_second=20, burst=5)).drain()
    assert totals == {"sent": 40}
    assert [c for c in botapi.calls("sendMessage") if c.status == 429] == []


def _most_in_one_second(times):
    times = sorted(times)
    return max(sum(1 for u in times if t <= u <= t + 1.0) for t in times)


async def test_global_rate_holds_in_every_second_even_after_an_idle_spell(subs, bot, botapi):
    _chats(subs, *range(1, 41))
    sender = Sender(bot, subs, SenderConfig(global_per_second=20))
    task = asyncio.create_task(sender.run())
    await asyncio.sleep(0.6)  # idle: nothing to send (a token bucket would save tokens up meanwhile)
    _alert(subs)
    sender.wake()
    await asyncio.to_thread(botapi.wait_sent, 40, None, 10.0)
    await sender.stop()
    await task
    assert _most_in_one_second([s.at for s in botapi.sent()]) <= 21  # 20 a second (+1: a closed window)


async def test_broadcast_to_blocked_and_unblocked_users(subs, bot, botapi):
    _chats(subs, 1, 2, 3)
    assert subs.enqueue_broadcast("<b>Thông báo:</b> bảo trì hệ thống &amp; cập nhật", admin=9) == 3
    botapi.fail_next(2, "403")
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"sent": 2, "failed": 1}
    assert [s.chat_id for s in botapi.sent()] == [1, 3]
    assert not subs.get_chat(2).active


async def test_wrong_token_stops_with_an_operator_message(subs, botapi):
    _chats(subs, 1)
    _alert(subs)
    wrong = make_bot("1:wrong", botapi.base_url)
    with pytest.raises(DeliveryError, match="TELEGRAM_BOT_TOKEN"):
        await Sender(wrong, subs, FAST).drain(timeout=5)
    assert _status(subs, 1) == ["pending"]


async def test_stop_finishes_the_message_in_flight(subs, bot, botapi):
    _chats(subs, 1, 2)
    _alert(subs)
    botapi.fail_next(None, "slow", delay=0.5)
    sender = Sender(bot, subs, SenderConfig(global_per_second=1, concurrency=1, burst=1))
    task = asyncio.create_task(sender.run())
    await asyncio.to_thread(botapi.wait_until, lambda: len(botapi.calls("sendMessage")) >= 1, 5, "a send")
    await sender.stop()
    await task
    assert sorted(_status(subs, 1) + _status(subs, 2)) == ["pending", "sent"]
    assert len(botapi.sent()) == 1


async def test_a_chat_that_says_stop_while_its_row_waits_for_pacing_gets_nothing(subs, bot, botapi):
    _chats(subs, 1, 2)
    _alert(subs)  # one row each; at 1 msg/s the second waits about a second for its turn
    sender = Sender(bot, subs, SenderConfig(global_per_second=1, concurrency=1, burst=1))
    task = asyncio.create_task(sender.run())
    await asyncio.to_thread(botapi.wait_sent, 1, None, 5.0)
    [first] = botapi.sent()
    other = 2 if first.chat_id == 1 else 1
    await asyncio.to_thread(subs.forget, other)  # /stop confirmed while its alert waits
    await asyncio.sleep(1.5)
    await sender.stop()
    await task
    assert botapi.sent(other) == [] and subs.outbox_rows(chat_id=other) == []


async def test_wake_sends_new_rows_without_waiting(subs, bot, botapi):
    _chats(subs, 1)
    sender = Sender(bot, subs, SenderConfig(idle_seconds=60))
    task = asyncio.create_task(sender.run())
    await asyncio.sleep(0.1)
    subs.enqueue_text([1], "Tin khẩn")
    sender.wake()
    await asyncio.to_thread(botapi.wait_sent, 1, 1, 5.0)
    await sender.stop()
    await task
    assert _status(subs, 1) == ["sent"]


async def test_a_row_without_text_fails_cleanly(subs, bot, botapi):
    _chats(subs, 1)
    subs.enqueue_text([1], "")
    totals = await Sender(bot, subs, FAST).drain()
    assert totals == {"failed": 1} and "has no text" in subs.outbox_rows()[0]["last_error"]


async def test_token_never_logged(subs, bot, botapi, caplog):
    caplog.set_level(logging.DEBUG)
    _chats(subs, 1, 2)
    _alert(subs)
    botapi.fail_next(1, "500")
    botapi.fail_next(2, "400")
    await Sender(bot, subs, FAST).drain()
    assert "delivery batch sent=" in caplog.text
    assert botapi.token not in caplog.text
    assert all(botapi.token not in (r["last_error"] or "") for r in subs.outbox_rows())


async def test_digest_is_delivered_in_order(subs, bot, botapi):
    _chats(subs, 1, language="en")
    subs.set_mode(1, "digest", digest_hour=8)
    for n in range(1, 4):
        _alert(subs, n, events=n == 2)
    assert await Sender(bot, subs, FAST).drain() == {}  # held: nothing goes out before the digest
    at_eight = (dt.datetime.now(NOW.tzinfo) + dt.timedelta(days=1)).replace(hour=8, minute=1)
    [chat] = subs.due_digests(at_eight)
    assert subs.release_digest(chat, at_eight) >= 1
    await Sender(bot, subs, FAST).drain()
    text = "\n".join(s.text for s in botapi.sent(1))
    positions = [text.index(f"&lt;{n}&gt;") for n in (1, 2, 3)]
    assert positions == sorted(positions)  # in the order the alerts were queued


async def test_a_very_long_article_still_fits_one_message(subs, bot, botapi):
    _chats(subs, 1)
    long = make_article(1, recommendations=True)
    recs = tuple(Recommendation(i, "Khuyến nghị dài về tiết kiệm năng lượng & nước " * 8, label=f"{i}.") for i in range(1, 60))
    long = replace(long, title="Tiêu đề rất dài " * 40, extraction=replace(long.extraction, recommendations=recs))
    subs.store.upsert_articles("vncpc", [long], now=NOW)
    subs.fan_out()
    assert await Sender(bot, subs, FAST).drain() == {"sent": 1}
    assert long.url in botapi.sent(1)[0].text  # the link survives the shortening


def test_token_bucket_paces_and_pauses():
    now = [0.0]
    bucket = TokenBucket(10, 2, clock=lambda: now[0])
    assert bucket.delay() == 0
    bucket.take()
    assert bucket.delay() == pytest.approx(0.1)
    now[0] = 1.0
    assert bucket.delay() == 0 and bucket.tokens == 2  # saved up to the capacity only
    bucket.pause(3.0)
    assert bucket.delay() == pytest.approx(2.0)
    now[0] = 3.05
    assert bucket.delay() == pytest.approx(0.05)


def test_config_from_the_settings_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[delivery]\nmax_attempts = 3\nglobal_per_second = 25.0\ngroup_per_minute = 10\n", encoding="utf-8")
    config = SenderConfig.from_settings(load_settings(path, env={}), concurrency=2)
    assert (config.max_attempts, config.global_per_second, config.concurrency) == (3, 25.0, 2)
    defaults = SenderConfig.from_settings(load_settings(None, env={}))
    assert defaults.concurrency == 0 and not defaults.paid_broadcast  # a window sized by itself, unpaid
    assert config.interval("private") == 1.0 and config.interval("channel") == 6.0
    assert config.backoff(1) == 2.0 and config.backoff(30) == config.backoff_cap_seconds


async def test_at_a_real_round_trip_the_window_keeps_several_sends_in_flight(subs):
    with BotApiServer(latency=0.2) as api:
        api.flood_limits()
        _chats(subs, *range(1, 61))
        _alert(subs)
        config = SenderConfig(backoff_seconds=0.05, idle_seconds=0.2)  # the default rate and window
        async with make_bot(api.token, api.base_url, connections=config.max_in_flight) as bot:
            sender = Sender(bot, subs, config)
            assert await sender.drain() == {"sent": 60}
    assert sender.window.rtt >= 0.2 and sender.window.size >= 8  # 30/s x 0.2 s + 2, from its own timings
    assert api.peak_open >= 2  # pipelined: several calls were in flight at once ...
    assert api.refusals() == 0 and api.violations() == []  # ... within Telegram's limits


async def test_never_two_sends_in_flight_to_one_chat(subs):
    with BotApiServer(latency=0.2) as api:
        _chats(subs, 1, 2, 3)
        for text in ("Một", "Hai", "Ba"):
            subs.enqueue_text([1, 2, 3], text)
        fast = SenderConfig(global_per_second=500, per_chat_seconds=0, concurrency=50)
        async with make_bot(api.token, api.base_url) as bot:
            await Sender(bot, subs, fast).drain()
        arrivals = {chat: [s.at for s in api.sent(chat)] for chat in (1, 2, 3)}
    for chat, times in arrivals.items():
        assert [s.text for s in api.sent(chat)] == ["Một", "Hai", "Ba"]
        # the next send to a chat left only after the previous one was answered (a full round trip)
        assert all(b - a >= 0.2 for a, b in zip(times, times[1:])), (chat, times)


async def test_paid_broadcasts_are_sent_with_allow_paid_broadcast(subs, botapi):
    botapi.flood_limits()
    _chats(subs, *range(1, 101))
    _alert(subs)
    paid = SenderConfig(paid_broadcast=True, per_chat_seconds=0.05, idle_seconds=0.2)
    assert paid.rate == 1000 and paid.max_in_flight > SenderConfig().max_in_flight
    async with make_bot(botapi.token, botapi.base_url, connections=paid.max_in_flight) as bot:
        assert await Sender(bot, subs, paid).drain() == {"sent": 100}
    assert all(s.params.get("allow_paid_broadcast") is True for s in botapi.sent())
    assert botapi.refusals() == 0  # 100 at once is within the paid limit, far beyond the 30/s one


async def test_the_senders_http_layer_reports_failures_without_the_token(botapi):
    from telegram.error import NetworkError, TimedOut

    botapi.fail_next(1, "drop")
    botapi.fail_next(2, "slow", delay=1.0)
    async with make_bot(botapi.token, botapi.base_url, timeout=0.3) as bot:
        with pytest.raises(NetworkError) as dropped:
            await bot.send_html(1, "x")
        with pytest.raises(TimedOut):
            await bot.send_html(2, "x")
        assert await bot.send_html(3, "<b>x</b>") > 0  # the pool recovers
    assert botapi.token not in str(dropped.value)
    unreachable = make_bot(botapi.token, "http://127.0.0.1:1/bot")
    with pytest.raises(NetworkError) as refused:
        await unreachable.send_html(1, "x")
    await unreachable.request.shutdown()
    assert botapi.token not in str(refused.value) and "Cannot connect" in str(refused.value)


async def test_no_repeat_when_an_outcome_is_committed_while_the_outbox_is_read(subs, bot, botapi):
    # no per-chat interval: a chat is free again as soon as its outcome is committed, possibly
    # while a query for the next rows runs and still reads the row as pending
    chats = range(1, 401)
    add_subscribers(subs, chats)
    subs.enqueue_text(chats, "Một")
    subs.enqueue_text(chats, "Hai")
    unpaced = SenderConfig(global_per_second=100_000, per_chat_seconds=0, burst=64, concurrency=16)
    assert await Sender(bot, subs, unpaced).drain() == {"sent": 800}
    texts: dict[int, list[str]] = {}
    for s in botapi.sent():
        texts.setdefault(s.chat_id, []).append(s.text)
    assert all(texts[c] == ["Một", "Hai"] for c in chats)

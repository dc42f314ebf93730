"""The flood budget shared by the sender and the replies, and the sender's window (pure logic,
an injected clock; the asyncio waits run on a real loop)."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.flood import FloodBudget, chat_kind
from bot.delivery.send_window import INITIAL_RTT, MAX_IN_FLIGHT, SendWindow
from bot.service.settings import load_settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_waiting_reply_gets_the_next_token_before_the_sender():
    clock = Clock()
    budget = FloodBudget(per_second=10, clock=clock)
    assert budget.delay() == 0  # the sender may take the first token
    budget.take_now()
    assert budget.delay() == pytest.approx(0.1)
    budget._urgent = 1  # a reply waits for a token (what take() registers)
    clock.now += 0.1001
    assert budget.delay(urgent=True) == 0  # the reply gets it ...
    assert budget.delay() == pytest.approx(0.1)  # ... the sender waits one more token's time
    budget._urgent = 0
    assert budget.delay() == 0


def test_no_second_gets_more_than_rate_plus_one_ordinary_messages():
    clock = Clock()
    budget = FloodBudget(per_second=20, clock=clock)
    clock.now += 60  # a long idle spell saves nothing beyond the burst and the slack
    sent = []
    while clock.now < 163:
        if budget.delay() == 0:
            budget.take_now()
            sent.append(clock.now)
        clock.now += 0.003  # a taker that looks every 3 ms
    assert max(sum(1 for u in sent if t <= u < t + 1.0) for t in sent) <= 21
    assert len(sent) >= 20 * 3  # and it keeps the rate


def test_paid_messages_have_their_own_bucket_at_1000_a_second():
    settings = load_settings(None, env={"FEEDBOT_DELIVERY_PAID_BROADCAST": "true"})
    clock = Clock()
    budget = FloodBudget.from_settings(settings, clock=clock)
    assert budget.paid is not None and budget.paid.rate == 1000 and budget.ordinary.rate == 30
    clock.now += 1.0
    for _ in range(100):  # the paid bucket's slack: a pause of the process is made up afterwards
        assert budget.delay(paid=True) == 0
        budget.take_now(paid=True)
    assert budget.delay() == 0  # ordinary messages (replies) are not held up by paid ones
    assert FloodBudget.from_settings(load_settings(None, env={})).paid is None  # off by default


def test_one_call_in_flight_per_chat_and_the_interval_from_the_answer():
    clock = Clock()
    budget = FloodBudget(per_chat_seconds=1.0, group_per_minute=20, clock=clock)
    assert budget.free(7)
    budget.claim(7)
    assert not budget.free(7) and budget.free(8)
    clock.now += 0.2  # the answer comes 0.2 s later: the next message goes 1 s after it
    budget.release(7, "private")
    assert not budget.free(7)
    clock.now += 0.99
    assert not budget.free(7)
    clock.now += 0.02
    assert budget.free(7)
    budget.claim(-5)
    budget.release(-5, "supergroup")  # groups: 20 a minute
    clock.now += 2.9
    assert not budget.free(-5) and budget.next_gate() == pytest.approx(clock.now + 0.1)
    assert chat_kind(5) == "private" and chat_kind(-5) == chat_kind("@kenh") == "supergroup"


def test_a_refusal_waits_for_the_chat_and_several_pause_everyone():
    clock = Clock()
    budget = FloodBudget(clock=clock)
    assert budget.refused(1, 3.0) is False  # one chat: only that chat waits
    assert not budget.free(1) and budget.free(2) and budget.delay() == 0
    clock.now += 0.5
    assert budget.refused(2, 5.0) is True  # a second chat within a second: the bot-wide limit
    assert budget.delay() == pytest.approx(5.0)
    clock.now += 5.0 + 1 / 29  # the pause, then the first token
    assert budget.free(1) and budget.free(2) and budget.delay() == 0


async def test_a_reply_waits_for_the_chat_and_holds_the_sender_off_meanwhile():
    budget = FloodBudget(per_chat_seconds=0.0)
    budget.claim(9)  # the sender's call to chat 9 is in flight
    order = []

    async def reply() -> None:
        async with budget.chat(9):
            order.append("reply")

    task = asyncio.create_task(reply())
    await asyncio.sleep(0.01)
    assert order == [] and not budget.free(9)  # the reply waits; the sender may not take the chat
    budget.release(9, "private")
    assert not budget.free(9)  # the waiting reply has it first
    await task
    assert order == ["reply"] and budget.free(9)


def test_the_window_is_rate_times_round_trip_and_follows_it():
    window = SendWindow(30.0)
    assert window.rtt == INITIAL_RTT and window.size == 17  # 30 x 0.5 + 2, before any answer
    for _ in range(40):
        window.observe(0.15)
    assert window.rtt == pytest.approx(0.15, abs=0.01) and window.size == 7  # 30 x 0.15 + 2
    for _ in range(40):
        window.observe(0.25)
    assert window.size == 10  # the round trip grew: so did the window
    for _ in range(40):
        window.observe(0.001)
    assert window.size == 3  # loopback: hardly anything in flight


def test_the_window_keeps_to_its_cap_and_the_connection_limit():
    capped = SendWindow(30.0, cap=1)
    capped.observe(0.25)
    assert capped.size == 1  # delivery.concurrency = 1: one at a time, as before
    paid = SendWindow(1000.0)
    paid.observe(0.15)
    for _ in range(40):
        paid.observe(0.15)
    assert 150 < paid.size < 170
    paid.observe(5.0)  # a stalled link: the window stays within what the pool can hold
    assert paid.size == paid.limit == MAX_IN_FLIGHT

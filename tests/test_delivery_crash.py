"""A sender SIGKILLed in the middle of a fan-out and restarted: everyone gets the alert; one
message at a time, at most that one is repeated; with the window sized for a 150 ms round trip,
at most one per chat (the ones accepted but not yet recorded at the kill)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bot.delivery.subscribers import Subscribers
from tests.support.botapi import BotApiServer
from tests.support.delivery import add_article, add_subscribers, open_store

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBERS = 30


def _child(data_dir: Path, botapi, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "tests.support.crash_sender", str(data_dir), botapi.base_url, botapi.token, "--rate", "10",
           *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigkill_mid_fan_out_loses_nothing(tmp_path, botapi):
    with open_store(tmp_path) as store:
        add_subscribers(Subscribers(store), range(1, SUBSCRIBERS + 1))
        add_article(store, 1)  # stored, not fanned out yet: the child does it
    botapi.fail_next(None, "slow", times=SUBSCRIBERS, delay=0.05)  # widen the window between accept and record

    first = _child(tmp_path, botapi)
    botapi.wait_until(lambda: len(botapi.sent()) >= 10, 30, "10 alerts from the first run")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_after = len(botapi.sent())
    assert killed_after < SUBSCRIBERS, "the first run finished before the kill; nothing was tested"

    second = _child(tmp_path, botapi)
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output.decode()
    assert b"fanned out 0 rows" in output  # the first run's fan-out was committed once

    per_chat = Counter(s.chat_id for s in botapi.sent())
    assert set(per_chat) == set(range(1, SUBSCRIBERS + 1))
    assert sum(per_chat.values()) - SUBSCRIBERS <= 1
    with open_store(tmp_path) as store:
        rows = Subscribers(store).outbox_rows()
    assert len(rows) == SUBSCRIBERS and {r["status"] for r in rows} == {"sent"}


def test_sigkill_with_many_sends_in_flight_at_150_ms_repeats_at_most_one_per_chat(tmp_path):
    subscribers = 300
    with open_store(tmp_path) as store:
        add_subscribers(Subscribers(store), range(1, subscribers + 1))
        add_article(store, 1)
    with BotApiServer(latency=0.15) as botapi:
        botapi.flood_limits()
        first = _child(tmp_path, botapi, "--rate", "30", "--window")
        botapi.wait_until(lambda: len(botapi.sent()) >= 100, 60, "100 alerts from the first run")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        time.sleep(0.5)  # calls that reached the server before the kill are still answered
        in_flight = botapi.peak_open
        reached = {s.chat_id for s in botapi.sent()}
        assert len(reached) < subscribers, "the first run finished before the kill; nothing was tested"
        with open_store(tmp_path) as store:
            unrecorded = {r["chat_id"] for r in Subscribers(store).outbox_rows(status="pending")} & reached

        second = _child(tmp_path, botapi, "--rate", "30", "--window")
        output, _ = second.communicate(timeout=90)
        assert second.returncode == 0, output.decode()
        per_chat = Counter(s.chat_id for s in botapi.sent())

    assert in_flight >= 3  # the window kept several sends in flight (30/s x 0.15 s + 2)
    assert set(per_chat) == set(range(1, subscribers + 1))  # nothing lost
    # repeated: exactly the messages Telegram accepted whose outcome was not committed yet, one per chat
    assert {c for c, n in per_chat.items() if n > 1} == unrecorded and max(per_chat.values()) <= 2
    with open_store(tmp_path) as store:
        rows = Subscribers(store).outbox_rows()
    assert len(rows) == subscribers and {r["status"] for r in rows} == {"sent"}

"""Telegram's flood limits as one budget that the outbox sender and the bot's replies share.

Telegram lets a bot send about 30 messages a second, about one a second to one chat and 20 a
minute to one group or channel; messages sent with ``allow_paid_broadcast`` may go at 1,000 a
second (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). One
:class:`FloodBudget` per process holds:

- the bot-wide buckets: ``per_second`` for ordinary messages and, when paid broadcasts are on,
  a second one at 1,000 a second for them. Tokens go to **urgent** takers (replies) first: while
  a reply waits for a token, the sender does not get one, so a reply waits at most for the next
  token, not behind a fan-out;
- the chats: at most one call in flight to a chat (sender and replies together), and the next
  message to a chat only ``interval`` after the previous one was answered (so Telegram sees the
  spacing too). A reply waiting for a chat is served before the sender's next row for it;
- 429 answers: the refused chat waits as long as Telegram asked; when several chats are refused
  within a second (the bot-wide limit), the bucket pauses for everyone.

Waiting is the caller's choice: the sender asks ``delay()``/``free()`` and never waits for one
chat (it sends to another), replies ``await take()`` / ``async with chat(...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.delivery.subscribers import GROUP_TYPES

PAID_PER_SECOND = 1000.0  # Telegram's limit for allow_paid_broadcast
# Lateness of a taker that a bucket forgives (it may hold this much more than ``burst``): a taker
# woken a little late does not lose the token's worth of time, and no second ever gets more than
# rate + 1 ordinary messages. The paid bucket forgives 200 ms (200 messages): at 1,000 a second a
# pause of the process (a garbage collection, a busy database thread) is made up afterwards,
# well within the second of burst that the limit allows.
ORDINARY_SLACK_TOKENS = 0.9
PAID_SLACK_SECONDS = 0.2
_REFUSALS_WINDOW = 1.0  # 429s of several chats within this many seconds = the bot-wide limit


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved; ``pause`` stops refilling until a time."""

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self.clock = rate, max(1.0, capacity), clock
        self.tokens, self.stamp, self.paused_until = 1.0, clock(), 0.0

    def delay(self) -> float:
        """Seconds until a token is available (0: take one now)."""
        now = self.clock()
        if now < self.paused_until:
            return self.paused_until - now
        self.tokens = min(self.capacity, self.tokens + (now - max(self.stamp, self.paused_until)) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0

    def give_back(self) -> None:
        self.tokens = min(self.capacity, self.tokens + 1.0)

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)
        self.tokens = 0.0


def retry_seconds(exc: Any) -> float:
    """The wait a ``telegram.error.RetryAfter`` asks for (its public ``retry_after`` attribute
    warns about a coming change of type; the timedelta behind it does not)."""
    return max(0.0, exc._retry_after.total_seconds())


def chat_kind(chat_id: int | str) -> str:
    """The chat type as far as its id tells: users have positive ids, groups and channels negative
    ones (or an @name)."""
    return "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"


class FloodBudget:
    """The shared budget (see the module docstring). ``paid_per_second`` None: no paid bucket."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        per_chat_seconds: float = 1.0,
        group_per_minute: int = 20,
        paid_per_second: float | None = None,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_chat_seconds, self.group_per_minute = per_chat_seconds, group_per_minute
        self.clock = clock
        self.ordinary = TokenBucket(per_second, burst + ORDINARY_SLACK_TOKENS, clock)
        self.paid = (
            TokenBucket(paid_per_second, burst + paid_per_second * PAID_SLACK_SECONDS, clock)
            if paid_per_second else None
        )
        self._urgent = 0  # replies waiting for an ordinary token
        self._busy: set[int | str] = set()  # chats with a call in flight
        self._gates: dict[int | str, float] = {}  # chat -> clock() time its next message may go
        self._waiting: dict[int | str, int] = {}  # chat -> replies waiting for it
        self._released: dict[int | str, asyncio.Event] = {}
        self._refusals: deque[tuple[float, int | str]] = deque(maxlen=64)
        self._purged = clock()

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> FloodBudget:
        d = settings.delivery
        values: dict[str, Any] = dict(
            per_second=d.global_per_second, per_chat_seconds=d.per_chat_seconds, group_per_minute=d.group_per_minute,
            paid_per_second=PAID_PER_SECOND if d.paid_broadcast else None,
        )
        return cls(**{**values, **overrides})

    def interval(self, chat_type: str) -> float:
        """Seconds between two messages to a chat of this type."""
        if chat_type in GROUP_TYPES:
            return max(self.per_chat_seconds, 60.0 / self.group_per_minute)
        return self.per_chat_seconds

    # ----------------------------------------------------------------- bot-wide tokens

    def bucket(self, paid: bool = False) -> TokenBucket:
        return self.paid if paid and self.paid is not None else self.ordinary

    def delay(self, *, paid: bool = False, urgent: bool = False) -> float:
        """Seconds until the caller may take a token (0: now). An ordinary taker that is not urgent
        waits one token's time while a reply waits for one."""
        bucket = self.bucket(paid)
        wait = bucket.delay()
        if wait <= 0 and not urgent and self._urgent and bucket is self.ordinary:
            return 1.0 / bucket.rate
        return wait

    def take_now(self, *, paid: bool = False) -> None:
        """Take a token after ``delay()`` answered 0 (nothing awaited in between)."""
        self.bucket(paid).take()

    def give_back(self, *, paid: bool = False) -> None:
        """Return a token that was taken but not used."""
        self.bucket(paid).give_back()

    async def take(self, *, paid: bool = False) -> None:
        """Wait for a token as an urgent taker (a reply)."""
        self._urgent += 1
        try:
            while (wait := self.delay(paid=paid, urgent=True)) > 0:
                await asyncio.sleep(wait)
            self.take_now(paid=paid)
        finally:
            self._urgent -= 1

    # ----------------------------------------------------------------- chats

    def free(self, chat_id: int | str) -> bool:
        """Whether the sender may send to the chat now: nothing in flight to it, its interval
        passed, and no reply waiting for it."""
        if chat_id in self._busy or self._waiting.get(chat_id):
            return False
        gate = self._gates.get(chat_id)
        return gate is None or gate <= self.clock()

    def claim(self, chat_id: int | str) -> None:
        """A call to the chat is about to go (after ``free()`` said so)."""
        self._busy.add(chat_id)

    def release(self, chat_id: int | str, chat_type: str) -> None:
        """The call to the chat was answered: its next message waits for the interval."""
        now = self.clock()
        self._busy.discard(chat_id)
        self._gates[chat_id] = max(self._gates.get(chat_id, 0.0), now + self.interval(chat_type))
        event = self._released.pop(chat_id, None)
        if event is not None:
            event.set()
        if now - self._purged > 60.0:
            self._gates = {c: t for c, t in self._gates.items() if t > now}
            self._purged = now

    def next_gate(self) -> float | None:
        """The earliest time (``clock()``) a chat waiting for its interval becomes free, if any."""
        now = self.clock()
        return min((t for t in self._gates.values() if t > now), default=None)

    @contextlib.asynccontextmanager
    async def chat(self, chat_id: int | str, chat_type: str | None = None) -> AsyncIterator[None]:
        """For a reply: wait until the chat is free (before the sender's next row for it), hold it
        while the call is made, and start its interval when the block ends."""
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            while chat_id in self._busy or (wait := self._gates.get(chat_id, 0.0) - self.clock()) > 0:
                if chat_id in self._busy:
                    await self._released.setdefault(chat_id, asyncio.Event()).wait()
                else:
                    await asyncio.sleep(wait)
            self.claim(chat_id)
        finally:
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id]
        try:
            yield
        finally:
            self.release(chat_id, chat_type or chat_kind(chat_id))

    # ----------------------------------------------------------------- refusals

    def refused(self, chat_id: int | str, seconds: float, *, paid: bool = False) -> bool:
        """Telegram answered 429 "retry after ``seconds``" for the chat: it waits that long, and
        when other chats were refused within the last second, everyone does (returns True)."""
        now = self.clock()
        self._gates[chat_id] = max(self._gates.get(chat_id, 0.0), now + seconds)
        others = any(now - t < _REFUSALS_WINDOW and c != chat_id for t, c in self._refusals)
        self._refusals.append((now, chat_id))
        if others:
            self.bucket(paid).pause(now + seconds)
        return others


__all__ = ["FloodBudget", "PAID_PER_SECOND", "TokenBucket", "chat_kind", "retry_seconds"]

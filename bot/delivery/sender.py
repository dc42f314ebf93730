"""Drains the outbox to Telegram, paced, without losing or repeating messages.

The ``Sender`` takes the oldest due row of each chat (``Subscribers.due_deliveries``), waits for
the global token bucket (≤ 30 msg/s by default) and a free slot (``concurrency`` requests in
flight), sends it, and records the outcome before that chat can get its next message. Per chat it
keeps a gate: the next message to a private chat goes ≥ ``per_chat_seconds`` after the previous
one was answered, to a group or channel ≥ 60/``group_per_minute`` s (measured from the answer,
so Telegram sees the spacing too). A limited chat never pauses the others.

Outcomes: accepted → "sent" (only then); RetryAfter → the row waits exactly as asked, for its
chat, or for everyone when several chats are refused within a second (flood control), and is
never dropped; Forbidden / "chat not found" → failed and the chat deactivated; other 400 →
failed with the reason; timeouts, network errors, 5xx → retried with exponential backoff,
parked as failed after ``max_attempts``. A wrong token stops the sender with ``DeliveryError``.

After a crash, at most the messages in flight (``concurrency``, 1 for the strict guarantee)
can be repeated: they were accepted but not yet recorded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.texts.messages import render_alert
from bot.delivery.subscribers import GROUP_TYPES, Delivery, Outcome, Subscribers
from bot.delivery.errors import DeliveryError

log = logging.getLogger(__name__)

_QUIET = ("httpx", "httpcore")  # their request lines carry the token in the URL
_RENDER_CACHE = 512
_FRESH_SECONDS = 0.5  # a row loaded longer ago than this is re-read before it is sent


@dataclass(frozen=True, slots=True)
class SenderConfig:
    global_per_second: float = 30.0
    per_chat_seconds: float = 1.0
    group_per_minute: int = 20
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 900.0
    concurrency: int = 4
    # messages the global bucket may save up while idle: each one saved is one more in the first
    # second after an idle spell (5 gave 35 in a second at 30/s), so none beyond the next one
    burst: float = 1.0
    idle_seconds: float = 5.0  # look at the outbox at least this often without wake()

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> SenderConfig:
        d = settings.delivery
        values = dict(
            global_per_second=d.global_per_second,
            per_chat_seconds=d.per_chat_seconds,
            group_per_minute=d.group_per_minute,
            max_attempts=d.max_attempts,
            concurrency=d.concurrency,
        )
        return cls(**{**values, **overrides})

    @property
    def batch_size(self) -> int:
        """About one second of sending: rows loaded are still fresh when sent."""
        return min(500, max(self.concurrency, int(self.global_per_second) + 1))

    def interval(self, chat_type: str) -> float:
        if chat_type in GROUP_TYPES:
            return max(self.per_chat_seconds, 60.0 / self.group_per_minute)
        return self.per_chat_seconds

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1))


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

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)
        self.tokens = 0.0


def make_bot(token: str, base_url: str, *, connections: int = 8, timeout: float = 20.0) -> Bot:
    """A python-telegram-bot ``Bot`` with enough pooled connections for ``concurrency`` sends."""
    request = HTTPXRequest(
        connection_pool_size=connections, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
    )
    quiet_http_logs()
    return Bot(token, base_url=base_url, request=request)


def quiet_http_logs() -> None:
    for name in _QUIET:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def _seconds(exc: RetryAfter) -> float:
    value = exc._retry_after  # a timedelta; the public attribute warns about its future type
    return max(0.0, value.total_seconds())


class Sender:
    """Drains ``subscribers``' outbox with ``bot`` (see the module docstring)."""

    def __init__(
        self,
        bot: Bot,
        subscribers: Subscribers,
        config: SenderConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot, self.subs = bot, subscribers
        quiet_http_logs()
        self.config = config or SenderConfig()
        self._clock = clock
        self._bucket = TokenBucket(self.config.global_per_second, self.config.burst, clock)
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self._gates: dict[int, float] = {}  # chat -> monotonic time its next message may go
        self._inflight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._recent_429: deque[tuple[float, int]] = deque(maxlen=64)
        self._texts: dict[tuple[int, str], str] = {}
        self._fatal: DeliveryError | None = None
        self._to_record: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self.totals: Counter[str] = Counter()
        self._batch: Counter[str] = Counter()

    # ----------------------------------------------------------------- control

    def wake(self) -> None:
        """New rows were queued: look at the outbox now."""
        self._wake.set()

    async def run(self) -> None:
        """Send until ``stop()``; raises ``DeliveryError`` when Telegram refuses the token."""
        quiet_http_logs()
        self._stop.clear()
        try:
            while not self._stop.is_set():
                if self._fatal is not None:
                    raise self._fatal
                if not await self._dispatch_batch():
                    await self._idle()
        finally:
            await self._settle()
            self._log_batch()
        if self._fatal is not None:
            raise self._fatal

    async def stop(self) -> None:
        """Stop taking rows; the messages in flight are finished and recorded."""
        self._stop.set()
        self._wake.set()
        await self._settle()

    async def drain(self, timeout: float = 60.0) -> Counter[str]:
        """Run until no pending row is left (tests, the CLI). Returns the totals."""
        task = asyncio.create_task(self.run())
        deadline = self._clock() + timeout
        try:
            while not task.done():
                await asyncio.sleep(0.02)
                if not self._tasks and await asyncio.to_thread(self.subs.pending_count) == 0:
                    break
                if self._clock() > deadline:
                    raise TimeoutError(f"outbox not drained within {timeout} s")
        finally:
            await self.stop()
            await task
        return self.totals

    async def _settle(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ----------------------------------------------------------------- dispatching

    async def _dispatch_batch(self) -> int:
        self._log_batch()
        self._wake.clear()
        now = self._clock()
        self._gates = {c: t for c, t in self._gates.items() if t > now}
        busy = self._inflight | self._gates.keys()
        limit = self.config.batch_size
        rows = await asyncio.to_thread(self.subs.due_deliveries, time.time(), limit=limit + len(busy))
        loaded, dispatched = self._clock(), 0
        for row in rows:
            if dispatched >= limit or self._stop.is_set() or self._fatal is not None:
                break
            if row.chat_id in busy or not await self._acquire():
                continue
            if self._gates.get(row.chat_id, 0.0) > self._clock() or not await self._still_pending(row, loaded):
                self._slots.release()  # a RetryAfter arrived, or the row was cancelled (/stop, unsubscribe)
                continue
            self._start(row)
            dispatched += 1
        return dispatched

    async def _acquire(self) -> bool:
        """A global token (pacing, flood-control pauses) and a concurrency slot; False when stopping."""
        while (delay := self._bucket.delay()) > 0:
            if await self._sleep(delay):
                return False
        self._bucket.take()
        await self._slots.acquire()
        return True

    async def _still_pending(self, row: Delivery, loaded: float) -> bool:
        """After a wait for pacing, the row may have been cancelled or deleted meanwhile: re-read it."""
        if self._clock() - loaded <= _FRESH_SECONDS:
            return True
        return await asyncio.to_thread(self.subs.is_pending, row.id)

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, interrupted by stop(); True when stopping."""
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            pass
        return self._stop.is_set()

    async def _idle(self) -> None:
        waits = [self.config.idle_seconds]
        if self._gates:
            waits.append(min(self._gates.values()) - self._clock())
        next_due = await asyncio.to_thread(self.subs.next_due)
        if next_due is not None and next_due > time.time():
            waits.append(next_due - time.time())
        try:
            await asyncio.wait_for(self._wake.wait(), max(0.005, min(waits)))
        except TimeoutError:
            pass

    def _start(self, row: Delivery) -> None:
        self._inflight.add(row.chat_id)
        task = asyncio.create_task(self._deliver(row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ----------------------------------------------------------------- one delivery

    async def _deliver(self, row: Delivery) -> None:
        try:
            outcome = await self._attempt(row)
            if outcome is not None:
                await self._record(outcome)
                self._count(outcome)
        except Exception:  # a bug or a database problem: the row stays pending for the next round
            log.exception("delivery failed unexpectedly", extra={"chat": row.chat_id, "row": row.id})
        finally:
            gate = self._clock() + self.config.interval(row.chat_type)
            self._gates[row.chat_id] = max(self._gates.get(row.chat_id, 0.0), gate)
            self._inflight.discard(row.chat_id)
            self._slots.release()
            self._wake.set()

    async def _record(self, outcome: Outcome) -> None:
        """Write the outcome; outcomes finishing together share one transaction (group commit)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._to_record.append((outcome, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._to_record:
            batch, self._to_record = self._to_record, []
            try:
                await asyncio.to_thread(self.subs.record, [outcome for outcome, _ in batch])
            except Exception as exc:  # every delivery of the batch stays pending and reports it
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)

    async def _attempt(self, row: Delivery) -> Outcome | None:
        try:
            text = await self._text(row)
        except LookupError as exc:
            return Outcome(row.id, row.chat_id, "failed", error=str(exc))
        try:
            message = await self.bot.send_message(row.chat_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            return await self._refused(row, exc)
        return Outcome(row.id, row.chat_id, "sent", message_id=message.message_id)

    async def _refused(self, row: Delivery, exc: TelegramError) -> Outcome | None:
        reason = self._redact(str(exc))
        if isinstance(exc, RetryAfter):
            return self._retry_after(row, _seconds(exc))
        if isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and "chat not found" in reason.lower()):
            log.info("chat unreachable, deactivated", extra={"chat": row.chat_id, "error": reason})
            return Outcome(row.id, row.chat_id, "failed", error=reason, deactivate=True)
        if isinstance(exc, ChatMigrated):
            await asyncio.to_thread(self.subs.migrate_chat, row.chat_id, exc.new_chat_id)
            return Outcome(row.id, exc.new_chat_id, "deferred", error=reason, next_attempt_at=time.time())
        if isinstance(exc, BadRequest):
            log.warning("message refused", extra={"chat": row.chat_id, "row": row.id, "error": reason})
            return Outcome(row.id, row.chat_id, "failed", error=reason)
        if isinstance(exc, InvalidToken):
            self._fatal = DeliveryError(
                "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) "
                "and telegram.api_url"
            )
            return None
        return self._backoff(row, reason if isinstance(exc, NetworkError) else f"{type(exc).__name__}: {reason}")

    def _retry_after(self, row: Delivery, seconds: float) -> Outcome:
        now = self._clock()
        self._gates[row.chat_id] = max(self._gates.get(row.chat_id, 0.0), now + seconds)
        others = {c for t, c in self._recent_429 if now - t < 1.0 and c != row.chat_id}
        self._recent_429.append((now, row.chat_id))
        if others:  # several chats refused at once: the bot's global flood limit
            self._bucket.pause(now + seconds)
            log.warning("flood control: pausing every send", extra={"seconds": seconds})
        error = f"RetryAfter: Telegram asked to wait {seconds:g} s"
        return Outcome(row.id, row.chat_id, "deferred", error=error, next_attempt_at=time.time() + seconds)

    def _backoff(self, row: Delivery, reason: str) -> Outcome:
        attempts = row.attempts + 1
        if attempts >= self.config.max_attempts:
            error = f"gave up after {attempts} attempts: {reason}"
            log.warning("message parked as failed", extra={"chat": row.chat_id, "row": row.id, "error": error})
            return Outcome(row.id, row.chat_id, "failed", error=error)
        delay = self.config.backoff(attempts)
        return Outcome(row.id, row.chat_id, "retry", error=reason, next_attempt_at=time.time() + delay)

    async def _text(self, row: Delivery) -> str:
        """The message text: alerts are rendered now, in the chat's language."""
        if row.kind != "alert":
            if not row.text:
                raise LookupError(f"outbox row {row.id} ({row.kind}) has no text")
            return row.text
        key = (row.article_id or 0, row.language)
        if key not in self._texts:
            stored = await asyncio.to_thread(self.subs.store.get_article, key[0])
            if stored is None:
                raise LookupError(f"article {row.article_id} is no longer stored")
            if len(self._texts) >= _RENDER_CACHE:
                self._texts.clear()
            name = self.subs.source_name(stored.article.source_id)
            self._texts[key] = render_alert(stored, lang=row.language, source_name=name)
        return self._texts[key]

    # ----------------------------------------------------------------- bookkeeping

    def _count(self, outcome: Outcome) -> None:
        kind = {"sent": "sent", "failed": "failed"}.get(outcome.status, "retried")
        self.totals[kind] += 1
        self._batch[kind] += 1

    def _log_batch(self) -> None:
        if self._batch:
            b = self._batch
            log.info(
                f"delivery batch sent={b['sent']} failed={b['failed']} retried={b['retried']}",
                extra={"sent": b["sent"], "failed": b["failed"], "retried": b["retried"]},
            )
            self._batch = Counter()

    def _redact(self, text: str) -> str:
        token = self.bot.token
        return text.replace(token, "<token>") if token else text

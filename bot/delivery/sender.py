"""Drains the outbox to Telegram, paced, pipelined, without losing or repeating messages.

The ``Sender`` takes the oldest due row of each chat (``Subscribers.due_deliveries``) and sends
it once three things allow it: a place in the send window (``bot.delivery.send_window``: as many calls in
flight as the target rate needs at the measured round trip, ``delivery.concurrency`` at most
when set), a token of the flood budget (``bot.delivery.flood``: ≤ 30 msg/s by default, shared with the
bot's replies, which go first; 1,000/s with ``delivery.paid_broadcast``), and a free chat (never
two calls in flight to one chat; the next message to a private chat ≥ ``per_chat_seconds`` after
the previous one was answered, to a group or channel ≥ 60/``group_per_minute`` s). A limited
chat never pauses the others: the sender sends to another.

Outcomes: accepted → "sent" (only then); RetryAfter → the row waits exactly as asked, for its
chat, or for everyone when several chats are refused within a second (flood control), and is
never dropped; Forbidden / "chat not found" → failed and the chat deactivated; other 400 →
failed with the reason; timeouts, network errors, 5xx → retried with exponential backoff,
parked as failed after ``max_attempts``. A wrong token stops the sender with ``DeliveryError``.

Outcomes are written in small transactions (the ones that finish together share one commit);
a chat gets its next message only after the outcome of its previous one is committed. So after
a crash (SIGKILL, power loss) at most the messages accepted but not yet recorded are sent again:
at most one per chat, at most the window's size (plus those waiting for their commit) in all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.delivery.errors import DeliveryError
from bot.delivery.flood import PAID_PER_SECOND, FloodBudget, TokenBucket, retry_seconds  # noqa: F401 - TokenBucket: re-exported
from bot.delivery.send_window import SendWindow
from bot.delivery.subscribers import Delivery, Outcome, Subscribers
from bot.delivery.telegram_http import AiohttpRequest
from bot.texts.messages import render_alert

log = logging.getLogger(__name__)

_QUIET = ("httpx", "httpcore")  # their request lines carry the token in the URL
_RENDER_CACHE = 512
_FRESH_SECONDS = 0.5  # rows loaded longer ago than this are loaded again (one waiting that long: re-read)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    global_per_second: float = 30.0
    per_chat_seconds: float = 1.0
    group_per_minute: int = 20
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 900.0
    concurrency: int = 0  # sends in flight at most; 0: as many as rate and round trip need
    paid_broadcast: bool = False  # allow_paid_broadcast on every message, at 1,000/s
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
            paid_broadcast=d.paid_broadcast,
        )
        return cls(**{**values, **overrides})

    @property
    def rate(self) -> float:
        """Messages a second the sender aims at."""
        return PAID_PER_SECOND if self.paid_broadcast else self.global_per_second

    @property
    def batch_size(self) -> int:
        """About a quarter of a second of sending: rows loaded are still fresh when sent."""
        return min(500, max(self.concurrency, int(self.rate / 4) + 1))

    @property
    def max_in_flight(self) -> int:
        """The largest send window (and the HTTP connection pool the sender's bot needs)."""
        return SendWindow(self.rate, self.concurrency or None).limit

    def budget(self, clock: Callable[[], float] = time.monotonic) -> FloodBudget:
        """A flood budget of these limits (the service shares one with the bot's replies)."""
        return FloodBudget(
            per_second=self.global_per_second, per_chat_seconds=self.per_chat_seconds,
            group_per_minute=self.group_per_minute, paid_per_second=PAID_PER_SECOND if self.paid_broadcast else None,
            burst=self.burst, clock=clock,
        )

    def interval(self, chat_type: str) -> float:
        """Seconds between two messages to a chat of this type."""
        return self.budget().interval(chat_type)

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1))


class SenderBot(Bot):
    """The sender's ``Bot``: ``send_html`` returns only the new message's id. python-telegram-bot's
    ``send_message`` builds a ``Message`` (with its chat and user) from every answer, which costs
    about as much CPU as the call itself at hundreds of messages a second."""

    async def send_html(self, chat_id: int, text: str, *, paid: bool = False) -> int:
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
        if paid:
            data["allow_paid_broadcast"] = True
        result = await self._post("sendMessage", data)  # errors: RetryAfter, Forbidden, ... as send_message
        return int(result["message_id"])


def make_bot(token: str, base_url: str, *, connections: int = 8, timeout: float = 20.0) -> SenderBot:
    """The sender's bot with ``connections`` pooled HTTP connections (``SenderConfig.max_in_flight``:
    a send never waits for a connection), on aiohttp (``bot.delivery.telegram_http``)."""
    request = AiohttpRequest(
        connection_pool_size=connections, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
    )
    quiet_http_logs()
    return SenderBot(token, base_url=base_url, request=request)


def quiet_http_logs() -> None:
    for name in _QUIET:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


class Sender:
    """Drains ``subscribers``' outbox with ``bot`` (see the module docstring)."""

    def __init__(
        self,
        bot: Bot,
        subscribers: Subscribers,
        config: SenderConfig | None = None,
        *,
        budget: FloodBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        observe: Callable[[Outcome, float], None] | None = None,
    ) -> None:
        self.bot, self.subs = bot, subscribers
        self._observe = observe  # told each outcome and how long its attempt took (metrics)
        quiet_http_logs()
        self.config = config or SenderConfig()
        self._clock = clock
        self.budget = budget or self.config.budget(clock)
        self._paid = self.config.paid_broadcast
        self.window = SendWindow(self.config.rate, self.config.concurrency or None)
        self._in_flight = 0  # calls not answered yet
        self._slot_free = asyncio.Event()
        self._unrecorded: set[int] = set()  # chats whose last send is not committed yet
        self._committed: set[int] = set()  # chats whose outcome was committed since the last query began
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
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
        self._slot_free.set()
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
        limit = self.config.batch_size
        self._committed.clear()
        rows = await asyncio.to_thread(self.subs.due_deliveries, time.time(), limit=limit + len(self._unrecorded))
        # an outcome committed while the query ran may be missing from what it read: skip those chats
        stale, loaded, dispatched = set(self._committed), self._clock(), 0
        for row in rows:
            if dispatched >= limit or self._stop.is_set() or self._fatal is not None:
                break
            if self._clock() - loaded > _FRESH_SECONDS:  # the rest may have changed: load them again
                break
            if row.chat_id in stale or not self._may_send(row.chat_id):
                continue
            if not await self._acquire():
                break
            # waiting for a place and a token took a while: a reply may have taken the chat, a
            # RetryAfter may have closed it, or the row may have been cancelled (/stop, unsubscribe)
            if not await self._still_pending(row, loaded) or not self._may_send(row.chat_id):
                self._release_slot()
                self.budget.give_back(paid=self._paid)
                continue
            self._start(row)
            dispatched += 1
        return dispatched

    def _may_send(self, chat_id: int) -> bool:
        """No send to the chat in flight or uncommitted, its interval over, no reply waiting."""
        return chat_id not in self._unrecorded and self.budget.free(chat_id)

    async def _acquire(self) -> bool:
        """A place in the send window, then a token of the flood budget; False when stopping."""
        while self._in_flight >= self.window.size:
            self._slot_free.clear()
            try:
                await asyncio.wait_for(self._slot_free.wait(), self.config.idle_seconds)
            except TimeoutError:
                pass
            if self._stop.is_set():
                return False
        self._in_flight += 1
        while (delay := self.budget.delay(paid=self._paid)) > 0:
            if await self._sleep(delay):
                self._release_slot()
                return False
        self.budget.take_now(paid=self._paid)
        return True

    def _release_slot(self) -> None:
        self._in_flight -= 1
        self._slot_free.set()

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
        gate = self.budget.next_gate()
        if gate is not None:
            waits.append(gate - self._clock())
        next_due = await asyncio.to_thread(self.subs.next_due)
        if next_due is not None and next_due > time.time():
            waits.append(next_due - time.time())
        try:
            await asyncio.wait_for(self._wake.wait(), max(0.005, min(waits)))
        except TimeoutError:
            pass

    def _start(self, row: Delivery) -> None:
        self.budget.claim(row.chat_id)
        self._unrecorded.add(row.chat_id)
        task = asyncio.create_task(self._deliver(row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ----------------------------------------------------------------- one delivery

    async def _deliver(self, row: Delivery) -> None:
        try:
            started = time.perf_counter()
            outcome = await self._attempt(row)
            if outcome is not None and self._observe is not None:
                self._observe(outcome, time.perf_counter() - started)
            if outcome is not None:
                await self._record(outcome)
                self._count(outcome)
        except Exception:  # a bug or a database problem: the row stays pending for the next round
            log.exception("delivery failed unexpectedly", extra={"chat": row.chat_id, "row": row.id})
        finally:
            self._unrecorded.discard(row.chat_id)
            self._committed.add(row.chat_id)
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
            try:
                text = await self._text(row)
            except LookupError as exc:
                return Outcome(row.id, row.chat_id, "failed", error=str(exc))
            started = self._clock()
            try:
                message_id = await self._send(row.chat_id, text)
            except TelegramError as exc:
                return await self._refused(row, exc)
            self.window.observe(self._clock() - started)
            return Outcome(row.id, row.chat_id, "sent", message_id=message_id)
        finally:
            self.budget.release(row.chat_id, row.chat_type)
            self._release_slot()

    async def _send(self, chat_id: int, text: str) -> int:
        if isinstance(self.bot, SenderBot):
            return await self.bot.send_html(chat_id, text, paid=self._paid)
        message = await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                              allow_paid_broadcast=self._paid or None)
        return message.message_id

    async def _refused(self, row: Delivery, exc: TelegramError) -> Outcome | None:
        reason = self._redact(str(exc))
        if isinstance(exc, RetryAfter):
            return self._retry_after(row, retry_seconds(exc))
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
        if self.budget.refused(row.chat_id, seconds, paid=self._paid):  # several chats: the bot-wide limit
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
            b, window = self._batch, self.window
            log.info(
                f"delivery batch sent={b['sent']} failed={b['failed']} retried={b['retried']} "
                f"window={window.size} rtt_ms={window.rtt * 1000:.0f}",
                extra={"sent": b["sent"], "failed": b["failed"], "retried": b["retried"], "window": window.size},
            )
            self._batch = Counter()

    def _redact(self, text: str) -> str:
        token = self.bot.token
        return text.replace(token, "<token>") if token else text

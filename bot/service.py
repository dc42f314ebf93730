"""``feedbot run``: one asyncio process with the scheduler, the Telegram bot, the sender and the feed server.

    start: store -> feed server -> bot + sender (when a token is set) -> fan out what a crash left
           -> scheduler (every source at once, then each at its interval; digests; housekeeping)
    each scrape: refresh_source (worker thread) -> publish feeds -> fan out -> wake the sender
           -> tell the admins when a source breaks or recovers
    SIGINT/SIGTERM: stop scheduling, end the scrape at the next article, finish the message in
           flight, stop the bot and the server, close the store, exit 0.  SIGHUP: reload sources.toml.

Scrapes run one at a time (a lock) in a daemon thread, so a slow site never blocks the bot or the
server, and a shutdown never waits on a hung request for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import secrets
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from bot.i18n import escape
from bot.scheduler import SourceJobs, add_maintenance_jobs, compact_database, test_interval_override
from bot.settings import telegram_token
from bot.web import FeedLink, WebConfig, create_app, start_server
from feeds.errors import ConfigError, DeliveryError, FeedbotError, PublishError
from feeds.models import RefreshResult, Source, SourceHealth

log = logging.getLogger(__name__)

T = TypeVar("T")
STOP_GRACE_SECONDS = 10.0  # longest wait at shutdown for a scrape stuck in a request
WEBHOOK_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FAILING_NOTICE_AFTER = 3  # consecutive whole-source errors before the admins hear of it
TOKEN_REFUSED = "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) and telegram.api_url"
RETRY_CAP_SECONDS = 300.0  # longest pause between two attempts to reach Telegram at start-up

NOTICES = {
    "vi": {
        "broken": "⚠️ Nguồn <b>{name}</b> ({id}) bị hỏng: {reason}",
        "failing": "⚠️ Nguồn <b>{name}</b> ({id}) lỗi {n} lần liên tiếp: {reason}",
        "recovered": "✅ Nguồn <b>{name}</b> ({id}) đã hoạt động trở lại.",
    },
    "en": {
        "broken": "⚠️ Source <b>{name}</b> ({id}) is broken: {reason}",
        "failing": "⚠️ Source <b>{name}</b> ({id}) failed {n} times in a row: {reason}",
        "recovered": "✅ Source <b>{name}</b> ({id}) works again.",
    },
}


class Stopping(BaseException):
    """Raised in the scrape thread (between two articles) when the service stops. A BaseException
    so the pipeline's "a crashing source must not stop the others" guard lets it through; the
    interrupted run stores nothing and is simply done again after the restart."""


# --------------------------------------------------------------------------- pure helpers


def feed_links(sources: Sequence[Source]) -> list[FeedLink]:
    """Every published feed, as the index page lists them (names as :func:`feeds.publish.publish_all` writes)."""
    links = [FeedLink("Tất cả tin · All news", "all.atom", "all"), FeedLink("Tất cả tin · All news", "all.rss", "all")]
    for s in sources:
        links += [FeedLink(s.name, f"{s.id}.atom", s.id), FeedLink(s.name, f"{s.id}.rss", s.id)]
    links += [
        FeedLink("Sự kiện · Events", "events.atom", "events"),
        FeedLink("Lịch sự kiện · Events calendar", "events.ics", "events"),
        FeedLink("Kiến nghị · Recommendations", "recommendations.atom", "recommendations"),
    ]
    return links


def health_notice(before: SourceHealth, after: SourceHealth, name: str, lang: str) -> str | None:
    """The admin alert (Telegram HTML) when a run changed a source's state, else None."""
    texts = NOTICES.get(lang, NOTICES["en"])
    values = {"name": escape(name), "id": escape(after.source_id)}
    troubled = before.broken or before.consecutive_failures >= FAILING_NOTICE_AFTER
    if after.broken and not before.broken:
        return texts["broken"].format(reason=escape((after.broken_reason or "")[:500]), **values)
    if not after.broken and after.consecutive_failures == FAILING_NOTICE_AFTER:
        return texts["failing"].format(n=after.consecutive_failures, reason=escape((after.last_error or "")[:500]),
                                       **values)
    if troubled and after.consecutive_failures == 0:
        return texts["recovered"].format(**values)
    return None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def health_report(
    sources: Sequence[Source],
    health: Sequence[SourceHealth],
    outbox: dict[str, int],
    *,
    now: dt.datetime,
    broken_after_minutes: int,
    next_runs: dict[str, dt.datetime | None] | None = None,
    telegram: str = "off",
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON payload) of /healthz: 503 when an enabled, unpaused source has been
    broken (or failing as a whole since its last success) longer than ``broken_after_minutes``."""
    by_id = {h.source_id: h for h in health}
    limit = dt.timedelta(minutes=broken_after_minutes)
    report, down = {}, []
    for source in sources:
        h = by_id.get(source.id, SourceHealth(source.id))
        since = h.broken_since if h.broken else (h.last_success if h.consecutive_failures else None)
        is_down = source.enabled and not h.paused and since is not None and now - since >= limit
        if is_down:
            down.append(source.id)
        report[source.id] = {
            "name": source.name, "enabled": source.enabled, "paused": h.paused, "down": is_down,
            "last_run": _iso(h.last_run), "last_success": _iso(h.last_success), "last_error": h.last_error,
            "broken_reason": h.broken_reason, "broken_since": _iso(h.broken_since),
            "consecutive_failures": h.consecutive_failures, "articles": h.article_count,
            "next_run": _iso((next_runs or {}).get(source.id)),
        }
    payload = {
        "status": "unhealthy" if down else "ok", "down": down, "sources": report,
        "outbox": {"pending": outbox.get("pending", 0), "failed": outbox.get("failed", 0)},
        "telegram": telegram, "time": now.isoformat(),
    }
    return (503 if down else 200), payload


def summarize(results: Sequence[RefreshResult]) -> str:
    """One line for the admin's /scrape: per source, counts or the error."""
    if not results:
        return "nothing scraped (no enabled, unpaused source)"
    parts = []
    for r in results:
        if r.ok:
            parts.append(f"{r.source_id}: new {len(r.new)}, changed {len(r.changed)}, failed {r.failed}")
        else:
            parts.append(f"{r.source_id}: {'broken: ' + r.broken_reason if r.broken_reason else r.error}")
    return "; ".join(parts)


async def in_daemon_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a daemon thread and await its result: unlike ``asyncio.to_thread``, a thread
    stuck in a network call cannot keep the process from exiting."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result)

    def work() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # handed to the awaiting coroutine
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="feedbot-scrape", daemon=True).start()
    return await future


# --------------------------------------------------------------------------- the service


class Service:
    """The parts of ``feedbot run`` and their lifecycle (see the module docstring)."""

    def __init__(self, ctx: Any, *, token: str | None) -> None:
        self.ctx, self.settings, self.token = ctx, ctx.settings, token
        self.sources: tuple[Source, ...] = ()
        self.store: Any = None
        self.subs: Any = None
        self.fetcher: Any = None
        self.sender: Any = None
        self.app: Any = None  # telegram.ext.Application
        self.bot_username: str = self.settings.telegram.bot_username
        self.webhook_secret = self.settings.telegram.webhook_secret or secrets.token_urlsafe(32)
        self.scheduler: Any = None
        self.jobs: SourceJobs | None = None
        self.stopped = asyncio.Event()
        self._halt = threading.Event()  # seen by the scrape thread
        self._lock = asyncio.Lock()  # one scrape cycle at a time
        self._sender_task: asyncio.Task[None] | None = None
        self._published = False  # feeds are written at the first cycle, then when something changed
        self.exit_status = 0  # 2 when Telegram refused the token
        self._telegram_task: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- opening and closing

    async def open(self, stack: contextlib.AsyncExitStack) -> None:
        from bot.subscribers import Subscribers

        self.sources = self.ctx.sources()
        self.store = await asyncio.to_thread(self.ctx.open_store)
        stack.callback(self.store.close)
        s = self.settings
        self.subs = await asyncio.to_thread(
            Subscribers, self.store, timezone=s.timezone, default_language=s.telegram.language,
            default_digest_hour=s.digest.default_hour, source_names=self._names(),
        )
        self.fetcher = stack.enter_context(self.ctx.fetcher())

    def _names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.sources}

    async def start_sender(self, stack: contextlib.AsyncExitStack) -> None:
        from bot.sender import Sender, SenderConfig, make_bot
        from telegram.error import InvalidToken

        bot = make_bot(self.token or "", self.settings.telegram.api_url)
        try:
            await bot.initialize()
        except InvalidToken:
            raise ConfigError(TOKEN_REFUSED) from None
        stack.push_async_callback(bot.shutdown)
        # delivery.concurrency (default 1): after a crash at most that many messages can repeat
        self.sender = Sender(bot, self.subs, SenderConfig.from_settings(self.settings))

    # ----------------------------------------------------------------- one scrape cycle (worker thread)

    def _progress(self, source_id: str, done: int, total: int) -> None:
        if self._halt.is_set():
            raise Stopping()

    def _cycle(self, sources: Sequence[Source], include_paused: bool = False) -> list[RefreshResult]:
        """Scrape ``sources``, publish, fan out; runs in the worker thread."""
        from feeds.pipeline import refresh_sources

        results = []
        for source in sources:
            if self._halt.is_set():
                break
            before = self.store.source_health(source.id)
            ran = refresh_sources([source], store=self.store, fetcher=self.fetcher, progress=self._progress,
                                  include_paused=include_paused)
            if ran:
                results += ran
                self._notify_admins(source, before, self.store.source_health(source.id))
        if not self._published or any(r.new or r.changed for r in results):
            try:
                self._publish()
                self._published = True
            except PublishError as exc:  # the alerts must not wait for a full disk
                log.error("feeds not published: %s", exc)
        self.subs.fan_out()
        return results

    def _publish(self) -> None:
        from feeds.publish import publish_all

        s = self.settings
        publish_all(self.store, self.sources, self.ctx.data_dir / "public", base_url=s.public_base_url,
                    max_entries=s.feeds.max_entries)

    def _notify_admins(self, source: Source, before: SourceHealth, after: SourceHealth) -> None:
        text = health_notice(before, after, source.name, self.settings.telegram.language)
        if text is None:
            return
        log.warning("source state changed source=%s notice=%s", source.id, text)
        admins = [a for a in self.settings.telegram.admins if isinstance(a, int)]
        if self.token and admins:
            self.subs.enqueue_text(admins, text, kind="admin")

    async def cycle(self, sources: Sequence[Source], *, include_paused: bool = False) -> list[RefreshResult]:
        """One cycle under the lock, then the sender is woken and backoffs adjusted."""
        async with self._lock:
            if self._halt.is_set():
                return []
            try:
                results = await in_daemon_thread(self._cycle, sources, include_paused)
            except Stopping:
                log.info("scrape interrupted by shutdown; it runs again after the restart")
                return []
        self.wake_sender()
        for r in results:
            if self.jobs is not None:
                self.jobs.after_run(r.source_id, 0 if r.ok else await self._failures_of(r.source_id))
        return results

    async def _failures_of(self, source_id: str) -> int:
        return (await asyncio.to_thread(self.store.source_health, source_id)).consecutive_failures

    # ----------------------------------------------------------------- jobs and hooks

    async def run_source(self, source_id: str) -> None:
        source = next((s for s in self.sources if s.id == source_id), None)
        if source is not None and source.enabled:
            await self.cycle([source])

    async def scrape_now(self, source_id: str | None) -> str:
        """The admin's /scrape: a paused source named explicitly is scraped too."""
        chosen = [s for s in self.sources if s.enabled and source_id in (None, s.id)]
        return summarize(await self.cycle(chosen, include_paused=source_id is not None))

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def digests(self) -> None:
        def release() -> int:
            now = dt.datetime.now(self.subs.tz)
            return sum(self.subs.release_digest(chat, now) for chat in self.subs.due_digests(now))

        if await asyncio.to_thread(release):
            self.wake_sender()

    async def housekeeping(self) -> None:
        keep = dt.timedelta(days=self.settings.delivery.keep_days)
        pruned = await asyncio.to_thread(self.subs.prune, dt.datetime.now(self.subs.tz) - keep)
        log.info("housekeeping pruned_outbox_rows=%d", pruned)
        await self._compact(vacuum=False)

    async def vacuum(self) -> None:
        async with self._lock:  # no scrape writes meanwhile
            await self._compact(vacuum=True)

    async def _compact(self, *, vacuum: bool) -> None:
        try:
            done = await asyncio.to_thread(compact_database, self.store, vacuum=vacuum)
        except Exception as exc:  # e.g. "database is locked": the next run tries again
            log.warning("database maintenance skipped error=%s", exc)
            return
        log.info("database maintenance done=%s", done)

    def reload(self) -> None:
        """SIGHUP: re-read sources.toml; an invalid file keeps the running configuration."""
        try:
            sources = self.ctx.sources()
        except ConfigError as exc:
            log.error("sources not reloaded, keeping the previous ones: %s", exc)
            return
        self.sources = sources
        self.subs.source_names = self._names()
        self._published = False
        if self.jobs is not None:
            change = self.jobs.sync(sources, run_now=True)
            log.info("sources reloaded sources=%d added=%s removed=%s rescheduled=%s", len(sources),
                     ",".join(change.added), ",".join(change.removed), ",".join(change.rescheduled))

    # ----------------------------------------------------------------- web

    def web_config(self) -> WebConfig:
        shortest = self.jobs.shortest_seconds() if self.jobs else None
        return WebConfig(
            public_dir=self.ctx.data_dir / "public", base_url=self.settings.public_base_url,
            feeds=feed_links(self.sources), max_age=max(1, int(shortest)) if shortest else 900,
            bot_username=self.bot_username,
        )

    async def health(self) -> tuple[int, dict[str, Any]]:
        rows, stats = await asyncio.to_thread(lambda: (self.store.health(), self.subs.stats()))
        next_runs = {s.id: self.jobs.next_run(s.id) for s in self.sources} if self.jobs else {}
        return health_report(
            self.sources, rows, stats.by_status, now=dt.datetime.now(dt.UTC),
            broken_after_minutes=self.settings.health.broken_after_minutes, next_runs=next_runs,
            telegram=self._telegram_state(),
        )

    def _telegram_state(self) -> str:
        if not self.token:
            return "off"
        if self.app is None:
            return "starting"
        return "webhook" if self.settings.telegram.webhook_url else "polling"

    async def start_web(self, stack: contextlib.AsyncExitStack) -> None:
        app = create_app(self.web_config, self.health)
        if self.settings.telegram.webhook_url and self.token:
            # Telegram POSTs to the URL as given, so the route is its path (e.g. /telegram/webhook)
            app.router.add_post(urlsplit(self.settings.telegram.webhook_url).path or "/", self._webhook)
        host, port = self.settings.http.host, self.settings.http.port
        try:
            runner = await start_server(app, host, port)
        except OSError as exc:
            raise FeedbotError(f"cannot listen on {host}:{port} ({exc.strerror}); another feedbot running? "
                               "change http.port (FEEDBOT_HTTP_PORT)") from None
        stack.push_async_callback(runner.cleanup)

    async def _webhook(self, request: web.Request) -> web.Response:
        from telegram import Update

        given = request.headers.get(WEBHOOK_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            log.warning("webhook call refused: wrong or missing secret token header")
            return web.Response(status=403, text="forbidden\n")
        if self.app is None:
            return web.Response(status=503, text="bot not started\n")
        try:
            update = Update.de_json(await request.json(), self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not a Telegram update\n")
        await self.app.update_queue.put(update)
        return web.Response(text="ok\n")

    # ----------------------------------------------------------------- telegram

    async def start_bot(self, stack: contextlib.AsyncExitStack) -> None:
        from telegram import Update
        from telegram.error import InvalidToken, TelegramError

        from bot.handlers import BotHooks
        from bot.telegram_app import build_application, register_commands

        hooks = BotHooks(scrape_now=self.scrape_now, wake_sender=self.wake_sender, sources=lambda: self.sources)
        app = build_application(self.settings, self.token, store=self.store, subscribers=self.subs, hooks=hooks)
        try:
            await app.initialize()
        except InvalidToken:
            raise ConfigError(TOKEN_REFUSED) from None
        stack.push_async_callback(app.shutdown)
        self.bot_username = self.bot_username or app.bot.username
        try:
            await register_commands(app, self.settings.telegram.admins)
        except TelegramError as exc:
            log.warning("command menu not registered error=%s", exc)
        await app.start()
        stack.push_async_callback(app.stop)
        await self._receive_updates(app, stack, Update.ALL_TYPES)
        self.app = app

    async def _receive_updates(self, app: Any, stack: contextlib.AsyncExitStack, kinds: Any) -> None:
        url = self.settings.telegram.webhook_url
        if url:
            await app.bot.set_webhook(url, secret_token=self.webhook_secret, allowed_updates=kinds)
            log.info("Telegram bot on, webhook mode url=%s", url)
            return
        await app.updater.start_polling(allowed_updates=kinds, drop_pending_updates=False)
        stack.push_async_callback(app.updater.stop)
        log.info("Telegram bot on, long polling bot=@%s", self.bot_username)

    async def register_channels(self) -> None:
        """Channels named in telegram.channels get every alert (a subscription to "all")."""
        for channel in self.settings.telegram.channels:
            chat_id = channel
            if isinstance(channel, str) and self.app is not None:
                try:
                    chat_id = (await self.app.bot.get_chat(channel)).id
                except Exception as exc:  # a typo in settings must not stop the service
                    log.warning("channel not found, skipped channel=%s error=%s", channel, exc)
                    continue
            if isinstance(chat_id, int):
                await asyncio.to_thread(self.subs.upsert_chat, chat_id, type="channel", title=str(channel))
                await asyncio.to_thread(self.subs.subscribe, chat_id, "all")

    async def start_telegram(self, stack: contextlib.AsyncExitStack) -> None:
        """The bot and the sender, retried with backoff while Telegram cannot be reached (a task:
        the feeds are served meanwhile). A refused token stops the service with status 2."""
        from telegram.error import NetworkError

        delay = 5.0
        while not self._halt.is_set():
            attempt, kept = contextlib.AsyncExitStack(), False
            try:
                await self.start_bot(attempt)
                await self.start_sender(attempt)
                stack.push_async_exit(attempt)
                kept = True
            except NetworkError as exc:
                log.warning("Telegram not reachable, retrying in %g s: %s", delay, exc)
            except ConfigError as exc:
                self.fail(2, str(exc))
                return
            finally:
                if not kept:
                    await attempt.aclose()
            if kept:
                await self.register_channels()
                self._sender_task = asyncio.create_task(self.run_sender())
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopped.wait(), delay)
            delay = min(RETRY_CAP_SECONDS, delay * 2)

    def fail(self, status: int, reason: str) -> None:
        log.error("stopping: %s", reason)
        self.exit_status = status
        self._halt.set()
        self.stopped.set()

    async def run_sender(self) -> None:
        try:
            await self.sender.run()
        except DeliveryError as exc:
            self.fail(2, str(exc))

    async def stop_sender(self) -> None:
        if self.sender is not None and self._sender_task is not None:
            await self.sender.stop()
            with contextlib.suppress(Exception):
                await self._sender_task


# --------------------------------------------------------------------------- entry points


def _install_signals(service: Service, *, reload: bool) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _request_stop, service, sig)
    if reload:
        loop.add_signal_handler(signal.SIGHUP, service.reload)


def _request_stop(service: Service, sig: signal.Signals) -> None:
    log.info("stopping on %s", sig.name)
    service._halt.set()
    service.stopped.set()


async def serve(ctx: Any, *, once: bool = False, started: Callable[[Service], None] | None = None) -> int:
    """Run the service until SIGINT/SIGTERM (or one cycle with ``once``). Returns the exit status."""
    service = Service(ctx, token=telegram_token())
    async with contextlib.AsyncExitStack() as stack:
        await service.open(stack)
        if once:
            return await _run_once(service, stack)
        _install_signals(service, reload=True)
        await _start_all(service, stack)
        if started is not None:
            started(service)
        await service.stopped.wait()
        await _shutdown(service)
    log.info("service stopped")
    return service.exit_status


async def _start_all(service: Service, stack: contextlib.AsyncExitStack) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    tz = service.settings.timezone
    service.scheduler = AsyncIOScheduler(timezone=tz)
    service.jobs = SourceJobs(service.scheduler, service.run_source, override=test_interval_override())
    await service.start_web(stack)
    if service.token:
        service._telegram_task = asyncio.create_task(service.start_telegram(stack))
    else:
        log.info("Telegram bot is off (no TELEGRAM_BOT_TOKEN)")
    await asyncio.to_thread(service.subs.fan_out)  # articles a crash left stored but not fanned out
    service.jobs.sync(service.sources, run_now=True)
    add_maintenance_jobs(service.scheduler, digests=service.digests, housekeeping=service.housekeeping,
                         vacuum=service.vacuum, timezone=tz)
    service.scheduler.start()
    log.info("service started sources=%d feeds=http://%s:%s/", len(service.sources),
             service.settings.http.host, service.settings.http.port)


async def _shutdown(service: Service) -> None:
    service._halt.set()
    if service.scheduler is not None and service.scheduler.running:
        service.scheduler.shutdown(wait=False)
    if service._telegram_task is not None and not service._telegram_task.done():
        service._telegram_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await service._telegram_task
    try:
        await asyncio.wait_for(service._lock.acquire(), STOP_GRACE_SECONDS)
    except TimeoutError:
        log.warning("a scrape is still waiting on the network; exiting without it")
    await service.stop_sender()


async def _run_once(service: Service, stack: contextlib.AsyncExitStack) -> int:
    _install_signals(service, reload=False)
    if service.token:
        await service.start_sender(stack)
    results = await service.cycle([s for s in service.sources if s.enabled])
    if service.sender is not None and not service._halt.is_set():
        await _drain(service)
    return 0 if all(r.ok for r in results) else 1


async def _drain(service: Service) -> None:
    """Send what is pending (a timeout proportional to the backlog); SIGTERM cuts it short."""
    pending = await asyncio.to_thread(service.subs.pending_count)
    timeout = 60.0 + 2 * pending / service.sender.config.global_per_second
    drain = asyncio.create_task(service.sender.drain(timeout=timeout))
    stop = asyncio.create_task(service.stopped.wait())
    await asyncio.wait({drain, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not drain.done():
        await service.sender.stop()  # the message in flight is finished and recorded
    try:
        totals = await drain
    except TimeoutError as exc:
        log.warning("%s; the rest is sent by the next run", exc)
        return
    log.info("outbox drained sent=%d failed=%d", totals["sent"], totals["failed"])


def run_service(ctx: Any, *, once: bool = False) -> int:
    """``feedbot run [--once]``."""
    return asyncio.run(serve(ctx, once=once))

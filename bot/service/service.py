"""``feedbot run``: one asyncio process with the scheduler, the Telegram bot, the sender and the feed server.

    start: store -> feed server -> bot + sender (when a token is set) -> fan out what a crash left
           -> scheduler (every source at once, then each at its interval; digests; housekeeping)
    each scrape: refresh_source (worker thread) -> publish feeds -> fan out -> wake the sender
           -> tell the admins when a source breaks or recovers
    SIGINT/SIGTERM: stop scheduling, end the scrape at the next article, finish the message in
           flight, stop the bot and the server, close the store, exit 0.  SIGHUP: reload sources.toml.

Scrapes run in daemon threads, one per site, side by side (:mod:`bot.service.scrape_gate`): a
slow site never blocks the bot, the server or the other sites, each site stays polite (the
fetcher paces every host), and a shutdown never waits on a hung request for long.

The parts live beside this orchestrator: :mod:`bot.service.scrape_cycle` (the worker thread's
scrape, publish and fan-out), :mod:`bot.service.worker_thread`, :mod:`bot.commands.runtime` (bot
start-up, retries, webhook route, channels), :mod:`bot.service.health` (/healthz, admin notices),
:mod:`bot.service.scheduler`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.service.health import health_notice, health_report, summarize
from bot.service.logs import RedactFilter
from bot.service.metrics import Metrics, Snapshot
from bot.service.pages import PageData, page_data
from bot.service.scheduler import SourceJobs, add_maintenance_jobs, compact_database, test_interval_override
from bot.service.scrape_cycle import ScrapeCycle, host_groups
from bot.service.scrape_gate import ScrapeGate
from bot.service.settings import telegram_token
from bot.commands.runtime import (
    add_webhook_route,
    initialize_application,
    open_sender_bot,
    register_channels,
    start_application,
    start_with_retries,
)
from bot.service.web import FeedLink, WebConfig, create_app, start_server
from bot.service.worker_thread import Stopping, in_daemon_thread
from bot.delivery.errors import DeliveryError
from feeds.errors import ConfigError, FeedbotError
from feeds.models import RefreshResult, Source

__all__ = [  # health_notice, health_report and in_daemon_thread stay importable from here too
    "Service", "feed_links", "health_notice", "health_report", "in_daemon_thread", "run_service", "serve", "summarize",
]

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0  # longest wait at shutdown for a scrape stuck in a request
PAGES_MAX_AGE_SECONDS = 60.0  # the index and events pages read the store at most this often


# --------------------------------------------------------------------------- pure helpers


def feed_links(sources: Sequence[Source]) -> list[FeedLink]:
    """Every published feed, as the index page lists them (names as :func:`feeds.publish.publish_all` writes)."""
    def formats(title: str, name: str, topic: str, kinds: Sequence[str]) -> list[FeedLink]:
        return [FeedLink(title, f"{name}.{kind}", topic) for kind in kinds]

    links = formats("Tất cả tin · All news", "all", "all", ("atom", "rss", "json"))
    for s in sources:
        links += formats(s.name, s.id, s.id, ("atom", "rss", "json"))
    links += [
        *formats("Sự kiện · Events", "events", "events", ("atom", "json")),
        FeedLink("Lịch sự kiện · Events calendar", "events.ics", "events"),
        *formats("Kiến nghị · Recommendations", "recommendations", "recommendations", ("atom", "json")),
    ]
    return links


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
        self.budget: Any = None  # bot.delivery.flood.FloodBudget: Telegram's limits, shared by the bot and the sender
        self.app: Any = None  # telegram.ext.Application
        self.bot_username: str = self.settings.telegram.bot_username
        self.webhook_secret = self.settings.telegram.webhook_secret or secrets.token_urlsafe(32)
        self.scheduler: Any = None
        self.jobs: SourceJobs | None = None
        self.stopped = asyncio.Event()
        self.started_at = dt.datetime.now(dt.UTC)  # /healthz: a source that never worked fails since then
        self._halt = threading.Event()  # seen by the scrape thread
        self._gate = ScrapeGate()  # cycles side by side, one per source at a time; VACUUM and shutdown alone
        self._sender_task: asyncio.Task[None] | None = None
        self.scrape: Any = None  # ScrapeCycle, the worker thread's part of a cycle
        self.exit_status = 0  # 2 when Telegram refused the token
        self._telegram_task: asyncio.Task[None] | None = None
        self.telegram_problem: str | None = None  # why the last attempt to start the bot failed
        self.metrics = Metrics()
        self._pages: tuple[float, PageData] | None = None  # (loop time read, what the pages show)

    # ----------------------------------------------------------------- opening and closing

    async def open(self, stack: contextlib.AsyncExitStack) -> None:
        from bot.delivery.subscribers import Subscribers

        self.sources = self.ctx.sources()
        self.store = await asyncio.to_thread(self.ctx.open_store)
        stack.callback(self.store.close)
        s = self.settings
        self.subs = await asyncio.to_thread(
            Subscribers, self.store, timezone=s.timezone, default_language=s.telegram.language,
            default_digest_hour=s.digest.default_hour, source_names=self._names(),
        )
        self.fetcher = stack.enter_context(self.ctx.fetcher(on_request=self.metrics.observe_fetch))
        self.scrape = ScrapeCycle(store=self.store, fetcher=self.fetcher, subscribers=self.subs, settings=s,
                                  public_dir=self.ctx.data_dir / "public", sources=lambda: self.sources,
                                  halt=self._halt, alert_admins=bool(self.token), metrics=self.metrics)
        self.metrics.know_sources(src.id for src in self.sources)
        self.metrics.watch(self._snapshot, lambda: [src.id for src in self.sources])

    def _snapshot(self) -> Snapshot:
        stats = self.subs.stats()
        return Snapshot(health=self.store.health(), outbox=dict(stats.by_status), subscribers=dict(stats.by_topic))

    def _names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.sources}

    def flood_budget(self) -> Any:
        """The one flood budget of the process: the bot's replies and the sender take from it."""
        if self.budget is None:
            from bot.delivery.flood import FloodBudget

            self.budget = FloodBudget.from_settings(self.settings)
        return self.budget

    async def start_sender(self, stack: contextlib.AsyncExitStack) -> None:
        from bot.delivery.sender import Sender, SenderConfig

        config = SenderConfig.from_settings(self.settings)
        bot = await open_sender_bot(self.token or "", self.settings.telegram.api_url, stack,
                                    connections=config.max_in_flight)
        self.sender = Sender(bot, self.subs, config, budget=self.flood_budget(), observe=self.metrics.observe_send)

    # ----------------------------------------------------------------- scraping

    async def cycle(self, sources: Sequence[Source], *, include_paused: bool = False) -> list[RefreshResult]:
        """One cycle: every site in its own thread at once, then publish and fan out; then the
        sender is woken and backoffs adjusted."""
        async with self._gate.shared():
            if self._halt.is_set():
                return []
            groups = host_groups(sources)
            outcomes = await asyncio.gather(*(self._scrape_site(g, include_paused) for g in groups),
                                            return_exceptions=True)
            if any(isinstance(o, Stopping) for o in outcomes):
                log.info("scrape interrupted by shutdown; it runs again after the restart")
                return []
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            results = [r for o in outcomes for r in o]  # type: ignore[union-attr]
            await in_daemon_thread(self.scrape.finish, results)
        self.wake_sender()
        self._pages = None  # the pages show what this cycle stored
        for r in results:
            if self.jobs is not None:
                self.jobs.after_run(r.source_id, 0 if r.ok else await self._failures_of(r.source_id))
        return results

    async def _scrape_site(self, sources: Sequence[Source], include_paused: bool) -> list[RefreshResult]:
        async with self._gate.sources(s.id for s in sources):
            if self._halt.is_set():
                return []
            return await in_daemon_thread(self.scrape.scrape, sources, include_paused)

    async def _failures_of(self, source_id: str) -> int:
        return (await asyncio.to_thread(self.store.source_health, source_id)).consecutive_failures

    # ----------------------------------------------------------------- jobs and hooks

    async def run_source(self, source_id: str) -> None:
        """The scheduler's job. At shutdown the scheduler cancels its running jobs: the cycle is
        shielded so it ends by itself at the next article (one INFO line) and ``_shutdown`` waits for it."""
        source = next((s for s in self.sources if s.id == source_id), None)
        if source is None or not source.enabled:
            return
        cycle = asyncio.ensure_future(self.cycle([source]))
        try:
            await asyncio.shield(cycle)
        except asyncio.CancelledError:
            if not self._halt.is_set():
                cycle.cancel()
                raise

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
        async with self._gate.exclusive():  # no scrape writes meanwhile
            await self._compact(vacuum=True)

    async def _compact(self, *, vacuum: bool) -> None:
        try:
            done = await asyncio.to_thread(compact_database, self.store, vacuum=vacuum)
        except Exception as exc:  # e.g. "database is locked": the next run tries again
            log.warning("database maintenance skipped error=%s", exc)
            return
        log.info("database maintenance done=%s", done)

    def reload(self) -> None:
        """SIGHUP: re-read sources.toml; an invalid file (a value out of range included) keeps the
        running configuration whole: nothing of the new one is applied."""
        try:
            sources = self.ctx.sources()
        except ConfigError as exc:
            log.error("sources not reloaded, keeping the previous ones: %s", exc)
            return
        previous = self.sources
        try:
            change = self.jobs.sync(sources, run_now=True) if self.jobs is not None else None
        except Exception as exc:  # the scheduler refused a value: put the running jobs back as they were
            log.error("sources not reloaded, keeping the previous ones: %s: %s", type(exc).__name__, exc)
            if self.jobs is not None:
                self.jobs.sync(previous)
            return
        self.sources = sources
        self.subs.source_names = self._names()
        self.metrics.know_sources(src.id for src in sources)
        self.scrape.stale = True  # the next cycle writes the feeds of the new sources
        if change is not None:
            log.info("sources reloaded sources=%d added=%s removed=%s rescheduled=%s", len(sources),
                     ",".join(change.added), ",".join(change.removed), ",".join(change.rescheduled))

    # ----------------------------------------------------------------- web

    def web_config(self) -> WebConfig:
        shortest = self.jobs.shortest_seconds() if self.jobs else None
        return WebConfig(
            public_dir=self.ctx.data_dir / "public", base_url=self.settings.public_base_url,
            feeds=feed_links(self.sources), max_age=max(1, int(shortest)) if shortest else 900,
            bot_username=self.bot_username, page_data=self._page_data, source_names=self._names(),
            language=self.settings.telegram.language,
        )

    async def _page_data(self) -> PageData:
        """What the pages show; read again after each scrape cycle or a minute (not per request)."""
        now = asyncio.get_running_loop().time()
        if self._pages is None or now - self._pages[0] > PAGES_MAX_AGE_SECONDS:
            today = dt.datetime.now(ZoneInfo(self.settings.timezone)).date()
            self._pages = (now, await asyncio.to_thread(page_data, self.store, today))
        return self._pages[1]

    async def health(self) -> tuple[int, dict[str, Any]]:
        rows, stats = await asyncio.to_thread(lambda: (self.store.health(), self.subs.stats()))
        next_runs = {s.id: self.jobs.next_run(s.id) for s in self.sources} if self.jobs else {}
        return health_report(
            self.sources, rows, stats.by_status, now=dt.datetime.now(dt.UTC),
            broken_after_minutes=self.settings.health.broken_after_minutes, next_runs=next_runs,
            telegram=self._telegram_state(), started=self.started_at, telegram_error=self.telegram_problem,
        )

    def _telegram_state(self) -> str:
        if not self.token:
            return "off"
        if self.app is None:
            return "retrying" if self.telegram_problem else "starting"
        return "webhook" if self.settings.telegram.webhook_url else "polling"

    async def start_web(self, stack: contextlib.AsyncExitStack) -> None:
        app = create_app(self.web_config, self.health, metrics=lambda: asyncio.to_thread(self.metrics.render))
        if self.settings.telegram.webhook_url and self.token:
            add_webhook_route(app, self.settings.telegram.webhook_url, self.webhook_secret, lambda: self.app)
        host, port = self.settings.http.host, self.settings.http.port
        try:
            runner = await start_server(app, host, port)
        except OSError as exc:
            raise FeedbotError(f"cannot listen on {host}:{port} ({exc.strerror}); another feedbot running? "
                               "change http.port (FEEDBOT_HTTP_PORT; for the demo: feedbot demo --port P)") from None
        stack.push_async_callback(runner.cleanup)

    # ----------------------------------------------------------------- telegram

    async def start_bot(self, stack: contextlib.AsyncExitStack) -> None:
        from bot.commands.handlers import BotHooks

        hooks = BotHooks(scrape_now=self.scrape_now, wake_sender=self.wake_sender, sources=lambda: self.sources)
        app = await initialize_application(self.settings, self.token, store=self.store, subscribers=self.subs,
                                           hooks=hooks, stack=stack, budget=self.flood_budget())
        self.bot_username = self.bot_username or app.bot.username
        await start_application(app, self.settings, self.webhook_secret, stack)
        self.app = app

    async def start_telegram(self, stack: contextlib.AsyncExitStack) -> None:
        """The bot and the sender, retried with backoff while Telegram cannot be reached (a task:
        the feeds are served meanwhile). A refused token stops the service with status 2."""
        try:
            started = await start_with_retries(self._start_bot_and_sender, stack, halt=self._halt,
                                               stopped=self.stopped, report=self._telegram_failed)
        except ConfigError as exc:
            self.fail(2, str(exc))
            return
        if started:
            self.telegram_problem = None
            await register_channels(self.app, self.subs, self.settings.telegram.channels)
            self._sender_task = asyncio.create_task(self.run_sender())

    def _telegram_failed(self, reason: str) -> None:
        self.telegram_problem = RedactFilter([self.token or ""]).scrub(reason)

    async def _start_bot_and_sender(self, stack: contextlib.AsyncExitStack) -> None:
        await self.start_bot(stack)
        await self.start_sender(stack)

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


async def serve(ctx: Any, *, once: bool = False, started: Callable[[Service], None] | None = None,
                token: str | None = None) -> int:
    """Run the service until SIGINT/SIGTERM (or one cycle with ``once``). Returns the exit status.
    ``token``: the bot's token when not the environment's (the demo's local Bot API server)."""
    service = Service(ctx, token=token if token is not None else telegram_token())
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
        await asyncio.wait_for(service._gate.close(), STOP_GRACE_SECONDS)
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

"""The blocking part of one scrape cycle, run in the service's worker thread:

    feeds.cycle (the same path as ``feedbot scrape``), in two halves:
        scrape: for each source: refresh it -> tell the admins when it broke or recovered
                (one thread per site, side by side: ``scrape`` may run in several at once)
        finish: publish the feeds (first cycle, when something changed, or after a failed
                publish) -> fan out to the outbox

A publish failure is logged, never holds back the alerts, and is retried at every later cycle
until a publish succeeds. When the service stops, the scrape ends at the next article
(:class:`bot.service.worker_thread.Stopping`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.service.health import health_notice
from bot.service.metrics import Metrics
from bot.service.worker_thread import Stopping
from feeds.errors import StoreError
from feeds.models import RefreshResult, Source, SourceHealth

log = logging.getLogger(__name__)


def host_groups(sources: Sequence[Source]) -> list[list[Source]]:
    """Sources grouped by the site they scrape (host without www.), in their order: each group runs
    in its own thread, so a slow site never holds up the others."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        host = (urlsplit(source.url).hostname or "").lower().rstrip(".").removeprefix("www.")
        groups.setdefault(host, []).append(source)
    return list(groups.values())


class ScrapeCycle:
    """Scrape, publish, fan out; ``sources()`` gives every configured source (the feeds list them all).

    ``scrape`` may run in several threads at once (one per site); ``finish`` (publish, fan out)
    runs one at a time."""

    def __init__(self, *, store: Any, fetcher: Any, subscribers: Any, settings: Any, public_dir: Path,
                 sources: Callable[[], Sequence[Source]], halt: threading.Event, alert_admins: bool,
                 metrics: Metrics | None = None) -> None:
        self.store, self.fetcher, self.subs, self.settings = store, fetcher, subscribers, settings
        self.metrics = metrics
        self.public_dir, self.sources, self.halt = public_dir, sources, halt
        self.alert_admins = alert_admins  # admin notices are queued only when the bot can send them
        self.stale = True  # the feeds need writing: first cycle, a change, a reload, a failed publish
        self._finishing = threading.Lock()

    def run(self, sources: Sequence[Source], include_paused: bool = False) -> list[RefreshResult]:
        """Scrape ``sources``, publish, fan out; returns one result per source that ran."""
        results = self.scrape(sources, include_paused)
        self.finish(results)
        return results

    def scrape(self, sources: Sequence[Source], include_paused: bool = False) -> list[RefreshResult]:
        """Scrape ``sources`` one after the other; one result per source that ran."""
        from feeds.cycle import scrape_sources

        metrics = self.metrics
        results = scrape_sources(sources, store=self.store, fetcher=self.fetcher, progress=self._progress,
                                 include_paused=include_paused, on_health=self._notify_admins,
                                 should_stop=self.halt.is_set, on_start=metrics.start_source if metrics else None)
        if metrics is not None:
            metrics.start_source(None)  # this thread's later requests belong to no source
            for result in results:
                metrics.observe_run(result)
        return results

    def finish(self, results: Sequence[RefreshResult]) -> None:
        """Publish the feeds when they are stale (until a publish succeeds), then fan out."""
        from feeds.cycle import publish_feeds

        with self._finishing:
            run = publish_feeds(results, store=self.store, feeds=self.settings.feed_files(self.public_dir),
                                listed=self.sources, publish_unchanged=self.stale)
            self.stale = run.stale
            if run.publish_error is not None:  # the alerts must not wait for a full disk; retried next cycle
                log.error("feeds not published, retried at the next cycle: %s", run.publish_error)
            try:
                self.subs.fan_out()
            except StoreError as exc:  # a full disk: what is stored stays, the next cycle fans it out
                log.error("alerts not queued, retried at the next cycle: %s", exc)

    def _progress(self, source_id: str, done: int, total: int) -> None:
        if self.halt.is_set():
            raise Stopping()

    def _notify_admins(self, source: Source, before: SourceHealth, after: SourceHealth) -> None:
        text = health_notice(before, after, source.name, self.settings.telegram.language)
        if text is None:
            return
        log.warning("source state changed source=%s broken=%s failures=%d reason=%s", source.id, after.broken,
                    after.consecutive_failures, after.broken_reason or after.last_error or "-")  # plain text, no HTML
        admins = [a for a in self.settings.telegram.admins if isinstance(a, int)]
        if self.alert_admins and admins:
            self.subs.enqueue_text(admins, text, kind="admin")

"""The blocking part of one scrape cycle, run in the service's worker thread:

    feeds.cycle.scrape_and_publish (the same path as ``feedbot scrape``):
        for each source: refresh it -> tell the admins when it broke or recovered
        then: publish the feeds (first cycle, or when something changed)
    then: fan out to the outbox

A publish failure is logged and never holds back the alerts. When the service stops, the scrape
ends at the next article (:class:`bot.service.worker_thread.Stopping`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.service.health import health_notice
from bot.service.worker_thread import Stopping
from feeds.models import RefreshResult, Source, SourceHealth

log = logging.getLogger(__name__)


class ScrapeCycle:
    """Scrape, publish, fan out; ``sources()`` gives every configured source (the feeds list them all)."""

    def __init__(self, *, store: Any, fetcher: Any, subscribers: Any, settings: Any, public_dir: Path,
                 sources: Callable[[], Sequence[Source]], halt: threading.Event, alert_admins: bool) -> None:
        self.store, self.fetcher, self.subs, self.settings = store, fetcher, subscribers, settings
        self.public_dir, self.sources, self.halt = public_dir, sources, halt
        self.alert_admins = alert_admins  # admin notices are queued only when the bot can send them
        self.published = False  # feeds are written at the first cycle, then when something changed

    def run(self, sources: Sequence[Source], include_paused: bool = False) -> list[RefreshResult]:
        """Scrape ``sources``, publish, fan out; returns one result per source that ran."""
        from feeds.cycle import scrape_and_publish
        from feeds.publish import FeedFiles

        s = self.settings
        run = scrape_and_publish(
            sources, store=self.store, fetcher=self.fetcher, progress=self._progress, include_paused=include_paused,
            feeds=FeedFiles(self.public_dir, base_url=s.public_base_url, max_entries=s.feeds.max_entries),
            listed=self.sources, publish_unchanged=not self.published, on_health=self._notify_admins,
            should_stop=self.halt.is_set,
        )
        if run.publish_error is not None:  # the alerts must not wait for a full disk
            log.error("feeds not published: %s", run.publish_error)
        elif run.published is not None:
            self.published = True
        self.subs.fan_out()
        return list(run.results)

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

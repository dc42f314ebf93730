"""Prometheus metrics for ``/metrics`` (prometheus-client), counted on the bot side.

The pipeline (:mod:`feeds`) knows nothing of Prometheus: it reports what happened — a
:class:`~feeds.models.RefreshResult` per source run, one callback per HTTP request of the fetcher —
and the sender reports each delivery's outcome. Figures the database already holds (a source's
broken state, last success, articles stored; the outbox; subscribers per topic) are read from it
when ``/metrics`` is scraped, so they are right after a restart too.

Every metric starts with ``feedbot_``; counters end in ``_total`` as exposed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from feeds.models import RefreshResult, Source, SourceHealth

FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OTHER = "-"  # fetch label outside a source's run (e.g. robots.txt before it starts)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the database says at scrape time."""

    health: Sequence[SourceHealth]
    outbox: dict[str, int]  # status -> rows ("pending" is the depth)
    subscribers: dict[str, int]  # topic -> active chats


class _StoredState(Collector):
    """Gauges read from the database on each scrape of /metrics."""

    def __init__(self, snapshot: Callable[[], Snapshot], sources: Callable[[], Iterable[str]]) -> None:
        self.snapshot, self.sources = snapshot, sources

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.snapshot()
        broken = GaugeMetricFamily("feedbot_source_broken", "1 while the source's selectors match nothing "
                                   "(its layout changed), else 0.", labels=["source"])
        success = GaugeMetricFamily("feedbot_source_last_success_timestamp_seconds",
                                    "Unix time of the source's last successful run (0: never).", labels=["source"])
        stored = GaugeMetricFamily("feedbot_articles_stored", "Articles stored per source.", labels=["source"])
        by_id = {h.source_id: h for h in snap.health}
        for source in dict.fromkeys([*self.sources(), *by_id]):
            h = by_id.get(source, SourceHealth(source))
            broken.add_metric([source], float(h.broken))
            success.add_metric([source], h.last_success.timestamp() if h.last_success else 0.0)
            stored.add_metric([source], float(h.article_count))
        outbox = GaugeMetricFamily("feedbot_outbox_messages", "Outbox rows by status; pending is the queue "
                                   "still to send.", labels=["status"])
        for status in ("pending", "sent", "failed", *sorted(set(snap.outbox) - {"pending", "sent", "failed"})):
            outbox.add_metric([status], float(snap.outbox.get(status, 0)))
        subscribers = GaugeMetricFamily("feedbot_subscribers", "Active chats subscribed, by topic.", labels=["topic"])
        for topic, count in sorted(snap.subscribers.items()):
            subscribers.add_metric([topic], float(count))
        yield from (broken, success, stored, outbox, subscribers)


class Metrics:
    """One registry per service (tests run several services in one process)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.runs = Counter("feedbot_source_runs", "Scrape runs per source.", ["source"], registry=r)
        self.failures = Counter("feedbot_source_failures", "Source runs that failed: the site as a whole, "
                                "or broken selectors.", ["source"], registry=r)
        self.new_articles = Counter("feedbot_articles_new", "New articles stored per source.", ["source"], registry=r)
        self.fetch_seconds = Histogram("feedbot_fetch_duration_seconds", "One HTTP request to a source's site, "
                                       "body included.", ["source"], buckets=FETCH_BUCKETS, registry=r)
        self.sent = Counter("feedbot_messages_sent", "Telegram messages accepted by Telegram.", registry=r)
        self.failed = Counter("feedbot_messages_failed", "Telegram messages given up: refused, chat gone, "
                              "or too many attempts.", registry=r)
        self.rate_limited = Counter("feedbot_telegram_rate_limited", "Sends Telegram answered with 429 "
                                    "(retried after the wait it asked for).", registry=r)
        self.retried = Counter("feedbot_messages_retried", "Sends that failed for now (5xx, timeouts) and are "
                               "retried later.", registry=r)
        self.send_seconds = Histogram("feedbot_send_duration_seconds", "One sendMessage call, Telegram's "
                                      "answer included.", buckets=SEND_BUCKETS, registry=r)
        self._current = threading.local()

    # ------------------------------------------------------------------ wiring

    def watch(self, snapshot: Callable[[], Snapshot], sources: Callable[[], Iterable[str]]) -> None:
        """Expose the database's figures, read by ``snapshot()`` at each scrape; ``sources()`` are
        the configured ids (listed with zeros before their first run)."""
        self.registry.register(_StoredState(snapshot, sources))

    def know_sources(self, ids: Iterable[str]) -> None:
        """Show the per-source counters at 0 before the first run."""
        for source in ids:
            for counter in (self.runs, self.failures, self.new_articles):
                counter.labels(source)

    def render(self) -> bytes:
        """The text exposition format; blocking (reads the database): call it in a thread."""
        return generate_latest(self.registry)

    # ------------------------------------------------------------------ what the pipeline reports

    def start_source(self, source: Source | None) -> None:
        """Fetches from now on (in this thread) are counted for ``source`` (None: for no source)."""
        self._current.source = source.id if source is not None else None

    def observe_fetch(self, url: str, status: int | str, seconds: float) -> None:
        """The fetcher's per-request callback."""
        self.fetch_seconds.labels(getattr(self._current, "source", None) or OTHER).observe(seconds)

    def observe_run(self, result: RefreshResult) -> None:
        self.runs.labels(result.source_id).inc()
        if not result.ok:
            self.failures.labels(result.source_id).inc()
        self.new_articles.labels(result.source_id).inc(len(result.new))

    # ------------------------------------------------------------------ what the sender reports

    def observe_send(self, outcome: Any, seconds: float) -> None:
        """One delivery's :class:`bot.outbox.Outcome` and how long the attempt took."""
        status, error = outcome.status, outcome.error or ""
        if status == "sent":
            self.sent.inc()
        elif status == "failed":
            self.failed.inc()
        elif status == "deferred" and error.startswith("RetryAfter"):
            self.rate_limited.inc()
        elif status == "retry":
            self.retried.inc()
        self.send_seconds.observe(seconds)

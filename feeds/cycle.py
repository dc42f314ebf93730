"""One scrape → publish cycle: the path ``feedbot scrape`` and the service's scrape job share.

Each source is refreshed in turn (a failing source never stops the others; ``on_health`` hears
how its health changed), then the feeds are rewritten from the store. A publish failure is
returned, not raised, so the caller decides: the CLI reports it, the service logs it and still
delivers the alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds.errors import PublishError
from feeds.fetch import Fetcher
from feeds.models import RefreshResult, Source, SourceHealth
from feeds.pipeline import Progress, refresh_sources
from feeds.publish.files import FeedFiles
from feeds.store import Store

HealthChange = Callable[[Source, SourceHealth, SourceHealth], None]  # (source, before, after)


@dataclass(frozen=True, slots=True)
class CycleResult:
    """One result per source that ran; the files written (None: not published); a publish failure."""

    results: tuple[RefreshResult, ...]
    published: tuple[Path, ...] | None = None
    publish_error: PublishError | None = None


def scrape_and_publish(
    sources: Sequence[Source],
    *,
    store: Store,
    fetcher: Fetcher,
    feeds: FeedFiles | None,
    listed: Callable[[], Sequence[Source]],
    progress: Progress | None = None,
    include_paused: bool = False,
    publish_unchanged: bool = True,
    on_health: HealthChange | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> CycleResult:
    """Refresh ``sources``, then write ``feeds`` for every source ``listed()`` names (all the
    configured ones). ``feeds=None`` publishes nothing; ``publish_unchanged=False`` publishes only
    when an article is new or changed. ``should_stop`` is asked before each source."""
    results: list[RefreshResult] = []
    for source in sources:
        if should_stop():
            break
        before = store.source_health(source.id) if on_health is not None else None
        ran = refresh_sources([source], store=store, fetcher=fetcher, progress=progress, include_paused=include_paused)
        results += ran
        if ran and on_health is not None and before is not None:
            on_health(source, before, store.source_health(source.id))
    if feeds is None or not (publish_unchanged or any(r.new or r.changed for r in results)):
        return CycleResult(tuple(results))
    try:
        return CycleResult(tuple(results), published=tuple(feeds.write(store, listed())))
    except PublishError as exc:
        return CycleResult(tuple(results), publish_error=exc)

"""One scrape → publish cycle: the path ``feedbot scrape`` and the service's scrape job share.

Each source is refreshed in turn (a failing source never stops the others; ``on_health`` hears
how its health changed), then the feeds are rewritten from the store. A publish failure is
returned, not raised, so the caller decides: the CLI reports it, the service logs it and still
delivers the alerts. Feeds a publish failed to write stay *stale* (:attr:`CycleResult.stale`):
the caller passes that on as ``publish_unchanged`` and the next cycle writes them again, whether
or not an article changed, until a publish succeeds.

The service runs the two halves apart: :func:`scrape_sources` for each site in its own thread,
side by side, then :func:`publish_feeds` once; :func:`scrape_and_publish` is the two in a row.
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
    """One result per source that ran; the files written (None: not published); a publish failure;
    ``stale``: the feeds still need writing (a publish was due and did not happen)."""

    results: tuple[RefreshResult, ...]
    published: tuple[Path, ...] | None = None
    publish_error: PublishError | None = None
    stale: bool = False


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
    results = scrape_sources(sources, store=store, fetcher=fetcher, progress=progress,
                             include_paused=include_paused, on_health=on_health, should_stop=should_stop)
    return publish_feeds(results, store=store, feeds=feeds, listed=listed, publish_unchanged=publish_unchanged)


def scrape_sources(
    sources: Sequence[Source],
    *,
    store: Store,
    fetcher: Fetcher,
    progress: Progress | None = None,
    include_paused: bool = False,
    on_health: HealthChange | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_start: Callable[[Source], None] | None = None,
) -> list[RefreshResult]:
    """Refresh ``sources`` one after the other; one result per source that ran. ``on_start`` hears
    which source runs next in this thread (e.g. to count its requests)."""
    results: list[RefreshResult] = []
    for source in sources:
        if should_stop():
            break
        if on_start is not None:
            on_start(source)
        before = store.source_health(source.id) if on_health is not None else None
        ran = refresh_sources([source], store=store, fetcher=fetcher, progress=progress, include_paused=include_paused)
        results += ran
        if ran and on_health is not None and before is not None:
            on_health(source, before, store.source_health(source.id))
    return results


def publish_feeds(
    results: Sequence[RefreshResult],
    *,
    store: Store,
    feeds: FeedFiles | None,
    listed: Callable[[], Sequence[Source]],
    publish_unchanged: bool = True,
) -> CycleResult:
    """Write ``feeds`` when ``publish_unchanged`` (the feeds are stale) or an article of ``results``
    is new or changed; a failure is returned, and the feeds stay stale until a publish succeeds."""
    due = publish_unchanged or any(r.new or r.changed for r in results)
    if feeds is None or not due:
        return CycleResult(tuple(results), stale=due)
    try:
        return CycleResult(tuple(results), published=tuple(feeds.write(store, listed())))
    except PublishError as exc:
        return CycleResult(tuple(results), publish_error=exc, stale=True)

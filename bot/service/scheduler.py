"""The service's APScheduler 3 jobs: one scrape job per source, the digest check, housekeeping.

Each source job runs at the source's ``interval_minutes`` with a little jitter (so sources do not
fire together), ``coalesce=True``, ``max_instances=1`` and a misfire grace time. A source that
keeps failing backs off: its interval doubles with each consecutive failure, capped at one day,
and returns to normal after a success. Start-up runs every source once right away.

``FEEDBOT_TEST_INTERVAL_SECONDS`` (test and benchmark use only, not a setting) replaces every
source's interval with that many seconds, so end-to-end tests need not wait a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from feeds.models import Source

if TYPE_CHECKING:
    from feeds.store import Store

log = logging.getLogger(__name__)

MAX_INTERVAL_SECONDS = 24 * 3600
MISFIRE_GRACE_SECONDS = 300
TEST_INTERVAL_ENV = "FEEDBOT_TEST_INTERVAL_SECONDS"
_JOB_PREFIX = "source:"

RunSource = Callable[[str], Awaitable[None]]


def test_interval_override(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds from ``FEEDBOT_TEST_INTERVAL_SECONDS`` (tests only), or None."""
    raw = (os.environ if env is None else env).get(TEST_INTERVAL_ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TEST_INTERVAL_ENV}={raw!r}: must be a number of seconds") from None
    return max(0.2, value)


test_interval_override.__test__ = False  # not a pytest test despite its name


def backoff_seconds(base_seconds: float, failures: int) -> float:
    """The interval after ``failures`` consecutive failures: doubled per failure, capped at a day."""
    if failures <= 0:
        return base_seconds
    return min(float(MAX_INTERVAL_SECONDS), base_seconds * 2 ** min(failures, 20))


def jitter_seconds(interval_seconds: float) -> int | None:
    """Up to a tenth of the interval, at most a minute; none for very short (test) intervals."""
    jitter = int(min(60.0, interval_seconds / 10))
    return jitter or None


@dataclass(frozen=True, slots=True)
class Change:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rescheduled: tuple[str, ...] = ()


class SourceJobs:
    """Keeps one scrape job per enabled source in ``scheduler`` in line with the sources."""

    def __init__(self, scheduler: AsyncIOScheduler, run_source: RunSource, *, override: float | None = None) -> None:
        self.scheduler, self.run_source, self.override = scheduler, run_source, override
        self._base: dict[str, float] = {}  # source id -> configured interval, seconds
        self._current: dict[str, float] = {}  # source id -> interval in force (backoff included)

    def base_seconds(self, source: Source) -> float:
        return self.override if self.override is not None else source.interval_minutes * 60.0

    def shortest_seconds(self) -> float | None:
        return min(self._base.values(), default=None)

    def sync(self, sources: Iterable[Source], *, run_now: bool = False) -> Change:
        """Add, remove and reschedule jobs so there is one per enabled source."""
        wanted = {s.id: self.base_seconds(s) for s in sources if s.enabled}
        added, removed, rescheduled = [], [], []
        for source_id in [s for s in self._base if s not in wanted]:
            self.scheduler.remove_job(_JOB_PREFIX + source_id)
            del self._base[source_id]
            self._current.pop(source_id, None)
            removed.append(source_id)
        for source_id, seconds in wanted.items():
            if source_id not in self._base:
                self._add(source_id, seconds, run_now=run_now)
                added.append(source_id)
            elif self._base[source_id] != seconds:
                self._base[source_id] = seconds
                self._set_interval(source_id, seconds)
                rescheduled.append(source_id)
        return Change(tuple(added), tuple(removed), tuple(rescheduled))

    def _add(self, source_id: str, seconds: float, *, run_now: bool) -> None:
        self._base[source_id] = self._current[source_id] = seconds
        extra = {"next_run_time": dt.datetime.now(dt.UTC)} if run_now else {}
        self.scheduler.add_job(
            self.run_source, IntervalTrigger(seconds=seconds, jitter=jitter_seconds(seconds)), args=[source_id],
            id=_JOB_PREFIX + source_id, name=f"scrape {source_id}", coalesce=True, max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True, **extra,
        )

    def _set_interval(self, source_id: str, seconds: float) -> None:
        self._current[source_id] = seconds
        trigger = IntervalTrigger(seconds=seconds, jitter=jitter_seconds(seconds))
        self.scheduler.reschedule_job(_JOB_PREFIX + source_id, trigger=trigger)

    def after_run(self, source_id: str, failures: int) -> None:
        """Back off after a failure (interval doubling), back to normal after a success."""
        if source_id not in self._base:
            return  # removed by a reload while it ran
        seconds = backoff_seconds(self._base[source_id], failures)
        if seconds != self._current.get(source_id):
            log.info("source interval changed source=%s failures=%d interval_seconds=%g",
                     source_id, failures, seconds)
            self._set_interval(source_id, seconds)

    def next_run(self, source_id: str) -> dt.datetime | None:
        job = self.scheduler.get_job(_JOB_PREFIX + source_id)
        return job.next_run_time if job is not None else None



def add_maintenance_jobs(
    scheduler: AsyncIOScheduler,
    *,
    digests: Callable[[], Awaitable[None]],
    housekeeping: Callable[[], Awaitable[None]],
    vacuum: Callable[[], Awaitable[None]],
    timezone: str,
) -> None:
    """The hourly digest check (also once at start), daily housekeeping, the weekly VACUUM."""
    common = dict(coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True)
    scheduler.add_job(digests, CronTrigger(minute=0, timezone=timezone), id="digests", name="daily digests",
                      next_run_time=dt.datetime.now(dt.UTC), **common)
    scheduler.add_job(housekeeping, CronTrigger(hour=3, minute=17, timezone=timezone), id="housekeeping",
                      name="prune the outbox", **common)
    scheduler.add_job(vacuum, CronTrigger(day_of_week="sun", hour=3, minute=47, timezone=timezone),
                      id="vacuum", name="compact the database", **common)


def compact_database(store: Store, *, vacuum: bool) -> str:
    """Housekeeping's ``PRAGMA optimize`` (``vacuum=False``) or the weekly ``VACUUM`` too, through
    :meth:`feeds.store.Store.vacuum` (nothing on databases other than SQLite). Returns what was done."""
    return store.vacuum(full=vacuum)

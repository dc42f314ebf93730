"""Source health: every run folded into a streak of failures, the broken state and the last
counts; pausing a source. :func:`next_health` is the pure rule, the store only keeps its result."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from feeds.models import RefreshResult, SourceHealth
from feeds.store.base import StoreBase
from feeds.store.schema import articles, source_health


def next_health(before: SourceHealth, result: RefreshResult, now: dt.datetime) -> SourceHealth:
    """Health after one run: success resets the failure streak; a broken source keeps
    ``broken_since`` from the first broken run; a whole-source error keeps the broken state."""
    after = replace(before, last_run=now, last_counts=tuple(result.counts().items()))
    if result.ok:
        return replace(
            after, last_success=now, consecutive_failures=0, last_error=None, broken_reason=None, broken_since=None
        )
    after = replace(
        after,
        consecutive_failures=before.consecutive_failures + 1,
        last_error=result.error or result.broken_reason,
    )
    if result.broken_reason is not None:
        since = before.broken_since if before.broken_reason is not None else None
        after = replace(after, broken_reason=result.broken_reason, broken_since=since or now)
    return after


def _health(row: Row[Any] | None, source_id: str, article_count: int) -> SourceHealth:
    if row is None:
        return SourceHealth(source_id=source_id, article_count=article_count)
    return SourceHealth(
        source_id=row.source_id,
        last_run=row.last_run,
        last_success=row.last_success,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        broken_reason=row.broken_reason,
        broken_since=row.broken_since,
        paused=bool(row.paused),
        article_count=article_count,
        last_counts=tuple((key, int(value)) for key, value in row.last_counts),
    )


class HealthStore(StoreBase):
    """The ``source_health`` table (article counts come from ``articles``)."""

    def record_run(self, source_id: str, result: RefreshResult, *, now: dt.datetime) -> SourceHealth:
        """Fold one run into the source's health and return the new health."""
        with self._write(f"record the run of {source_id}") as conn:
            after = next_health(self._source_health(conn, source_id), result, now)
            self._save_health(conn, after)
        return after

    def set_paused(self, source_id: str, paused: bool) -> None:
        with self._write(f"{'pause' if paused else 'resume'} {source_id}") as conn:
            self._save_health(conn, replace(self._source_health(conn, source_id), paused=paused))

    def source_health(self, source_id: str) -> SourceHealth:
        with self._read(f"read the health of {source_id}") as conn:
            return self._source_health(conn, source_id)

    def health(self) -> list[SourceHealth]:
        """Every source that has run or been paused, by id."""
        with self._read("read the health of the sources") as conn:
            counts = self._article_counts(conn)
            rows = conn.execute(select(source_health).order_by(source_health.c.source_id))
            return [_health(row, row.source_id, counts.get(row.source_id, 0)) for row in rows]

    @staticmethod
    def _source_health(conn: Connection, source_id: str) -> SourceHealth:
        row = conn.execute(select(source_health).where(source_health.c.source_id == source_id)).one_or_none()
        count = conn.execute(select(func.count()).where(articles.c.source_id == source_id)).scalar_one()
        return _health(row, source_id, count)

    @staticmethod
    def _article_counts(conn: Connection) -> dict[str, int]:
        query = select(articles.c.source_id, func.count()).group_by(articles.c.source_id)
        return {source_id: count for source_id, count in conn.execute(query)}

    @staticmethod
    def _save_health(conn: Connection, health: SourceHealth) -> None:
        fields = {
            "last_run": health.last_run,
            "last_success": health.last_success,
            "consecutive_failures": health.consecutive_failures,
            "last_error": health.last_error,
            "broken_reason": health.broken_reason,
            "broken_since": health.broken_since,
            "paused": health.paused,
            "last_counts": [[key, value] for key, value in health.last_counts],
        }
        stmt = update(source_health).where(source_health.c.source_id == health.source_id).values(**fields)
        if conn.execute(stmt).rowcount == 0:
            conn.execute(insert(source_health).values(source_id=health.source_id, **fields))

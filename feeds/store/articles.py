"""Articles: upserts that report what is new or changed, queries, re-extraction, and the fan-out
transaction (an article is marked fanned out in the same transaction that queues its alerts).

An article's identity is its canonical URL; other URLs of it (a listing's link) are aliases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, false, insert, select, update

from feeds.errors import StoreError
from feeds.models import Article, DatePrecision, DateSource, Event, Extraction, Language, StoredArticle, UpsertResult
from feeds.store.base import StoreBase, Transaction, chunks
from feeds.store.schema import articles, url_aliases
from feeds.store.serialize import extraction_from_json, extraction_to_json

log = logging.getLogger(__name__)

Plan = Callable[[Transaction, Sequence[StoredArticle]], None]


def content_hash(article: Article) -> str:
    """What makes an article "changed": title, body, publication time, author, categories."""
    data = [
        article.title,
        article.body_html,
        _utc_key(article.published),
        article.author,
        list(article.categories),
    ]
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _utc_key(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware datetimes only")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _content_values(article: Article) -> dict[str, Any]:
    extraction = article.extraction
    return {
        "title": article.title,
        **_dating_values(article),
        "modified": article.modified,
        "author": article.author,
        "categories": list(article.categories),
        "images": list(article.images),
        "body_html": article.body_html,
        "body_text": article.body_text,
        "language": article.language.value,
        **_extraction_values(extraction),
        "content_hash": content_hash(article),
    }


def _dating_values(article: Article) -> dict[str, Any]:
    return {
        "published": article.published,
        "published_utc": _utc_key(article.published),
        "date_is_guess": article.date_is_guess,
        "published_from": article.published_from.value,
    }


def _extraction_values(extraction: Extraction) -> dict[str, Any]:
    return {
        "extraction": extraction_to_json(extraction),
        "has_events": bool(extraction.events),
        "has_recommendations": bool(extraction.recommendations),
    }


def _stored(row: Row[Any]) -> StoredArticle:
    article = Article(
        url=row.url,
        source_id=row.source_id,
        title=row.title,
        published=row.published,
        body_html=row.body_html,
        body_text=row.body_text,
        language=Language(row.language),
        date_is_guess=bool(row.date_is_guess),
        published_from=DateSource(row.published_from) if row.published_from else DateSource.PAGE,
        modified=row.modified,
        author=row.author,
        categories=tuple(row.categories),
        images=tuple(row.images),
        extraction=extraction_from_json(row.extraction),
    )
    return StoredArticle(
        id=row.id,
        article=article,
        first_seen=row.first_seen,
        updated=row.updated,
        content_hash=row.content_hash,
    )


def _last_day(event: Event) -> dt.date | None:
    """The last calendar day an event covers (a month-precision event covers its month)."""
    day = event.end or event.start
    if day is None or event.precision is not DatePrecision.MONTH:
        return day
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


class ArticleStore(StoreBase):
    """The ``articles`` and ``url_aliases`` tables."""

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs that name a stored article, directly or as an alias."""
        wanted = sorted(set(urls))
        found: set[str] = set()
        with self._read("look up known article URLs") as conn:
            for chunk in chunks(wanted):
                found.update(conn.execute(select(articles.c.url).where(articles.c.url.in_(chunk))).scalars())
                found.update(conn.execute(select(url_aliases.c.url).where(url_aliases.c.url.in_(chunk))).scalars())
        return found

    def add_aliases(self, aliases: Mapping[str, str], *, tx: Transaction | None = None) -> None:
        """Remember other URLs (e.g. a listing's link) of stored articles: {alias: article URL}."""
        with self._write("save article URL aliases", tx) as conn:
            for url, article_url in aliases.items():
                stmt = update(url_aliases).where(url_aliases.c.url == url).values(article_url=article_url)
                if conn.execute(stmt).rowcount == 0:
                    conn.execute(insert(url_aliases).values(url=url, article_url=article_url))

    def upsert_articles(
        self, source_id: str, batch: Iterable[Article], *, now: dt.datetime, seed: bool = False,
        tx: Transaction | None = None,
    ) -> UpsertResult:
        """Insert new articles, update changed ones (same URL, new content hash), count the rest.
        ``seed=True`` stores new articles as already fanned out. A URL keeps the source that
        first stored it; a changed article keeps its fan-out state (it never alerts again).
        Without ``tx``, a concurrent writer's insert of the same URL is retried (in a ``tx``, the
        caller retries: :meth:`in_transaction`)."""
        unique = list({a.url: a for a in batch}.values())

        def upsert(tx: Transaction) -> UpsertResult:
            with self._write(f"store the articles of {source_id}", tx) as conn:
                return self._upsert(conn, source_id, unique, now, seed)

        if tx is not None:
            return upsert(tx)
        return self.in_transaction(upsert, action=f"store the articles of {source_id}")

    def _upsert(
        self, conn: Connection, source_id: str, batch: list[Article], now: dt.datetime, seed: bool
    ) -> UpsertResult:
        existing: dict[str, Row[Any]] = {}
        for chunk in chunks([a.url for a in batch]):
            query = select(articles.c.id, articles.c.url, articles.c.content_hash, articles.c.published).where(
                articles.c.url.in_(chunk)
            )
            existing.update((row.url, row) for row in conn.execute(query))
        new_ids: list[int] = []
        changed_ids: list[int] = []
        for article in batch:
            row = existing.get(article.url)
            if row is not None and article.date_is_guess:
                # An undated page gets "now" each time it is scraped: keep the first guess, or every
                # re-check would look like an edit.
                article = dataclasses.replace(article, published=row.published)
            values = _content_values(article)
            if row is None:
                status = {"first_seen": now, "updated": now, "fanned_out": seed, "fanned_out_at": now if seed else None}
                stmt = insert(articles).values(url=article.url, source_id=source_id, **values, **status)
                new_ids.append(conn.execute(stmt).inserted_primary_key[0])
            elif row.content_hash != values["content_hash"]:
                conn.execute(update(articles).where(articles.c.id == row.id).values(**values, updated=now))
                changed_ids.append(row.id)
        loaded = self._load(conn, new_ids + changed_ids)
        return UpsertResult(
            new=tuple(loaded[i] for i in new_ids),
            changed=tuple(loaded[i] for i in changed_ids),
            unchanged=len(batch) - len(new_ids) - len(changed_ids),
        )

    @staticmethod
    def _load(conn: Connection, ids: Sequence[int]) -> dict[int, StoredArticle]:
        loaded: dict[int, StoredArticle] = {}
        for chunk in chunks(ids):
            loaded.update((row.id, _stored(row)) for row in conn.execute(select(articles).where(articles.c.id.in_(chunk))))
        return loaded

    def articles(
        self,
        *,
        source_id: str | None = None,
        limit: int | None = 100,
        with_events: bool | None = None,
        with_recommendations: bool | None = None,
    ) -> list[StoredArticle]:
        """Stored articles, newest publication first (``limit=None``: all of them)."""
        query = select(articles)
        if source_id is not None:
            query = query.where(articles.c.source_id == source_id)
        if with_events is not None:
            query = query.where(articles.c.has_events == with_events)
        if with_recommendations is not None:
            query = query.where(articles.c.has_recommendations == with_recommendations)
        query = query.order_by(articles.c.published_utc.desc(), articles.c.id.desc()).limit(limit)
        with self._read("list the stored articles") as conn:
            return [_stored(row) for row in conn.execute(query)]

    def get_article(self, article_id: int, *, tx: Transaction | None = None) -> StoredArticle | None:
        with self._read(f"read article {article_id}", tx) as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).one_or_none()
        return _stored(row) if row is not None else None

    def replace_extraction(self, article_id: int, extraction: Extraction) -> None:
        """Store a re-run of the extractor; content and ``updated`` stay as they are."""
        with self._write(f"save the extraction of article {article_id}") as conn:
            stmt = update(articles).where(articles.c.id == article_id).values(**_extraction_values(extraction))
            if conn.execute(stmt).rowcount == 0:
                raise StoreError(f"store: no article with id {article_id} in {self._where}")

    def replace_dating(self, article_id: int, article: Article) -> None:
        """Store a better publication date for an article (``published`` and where it came from); its
        ``updated`` stays: the page did not change."""
        values = {**_dating_values(article), "content_hash": content_hash(article)}
        with self._write(f"save the date of article {article_id}") as conn:
            if conn.execute(update(articles).where(articles.c.id == article_id).values(**values)).rowcount == 0:
                raise StoreError(f"store: no article with id {article_id} in {self._where}")

    def upcoming_events(self, today: dt.date, limit: int) -> list[tuple[StoredArticle, Event]]:
        """Events whose last day is today or later, soonest first; not those whose year is a guess."""
        found: list[tuple[dt.date, int, int, StoredArticle, Event]] = []
        with self._read("list upcoming events") as conn:
            for row in conn.execute(select(articles).where(articles.c.has_events == True)):  # noqa: E712
                stored = _stored(row)
                for index, ev in enumerate(stored.article.extraction.events):
                    last = _last_day(ev)
                    if ev.start is not None and last is not None and last >= today and not ev.year_guessed:
                        found.append((ev.start, stored.id, index, stored, ev))
        found.sort(key=lambda item: item[:3])
        return [(stored, ev) for *_key, stored, ev in found[:limit]]

    def fan_out(self, plan: Plan, *, limit: int = 500, now: dt.datetime | None = None) -> int:
        """In one transaction: load up to ``limit`` articles not fanned out yet (oldest first),
        call ``plan(tx, articles)`` (it queues outbox rows with ``tx=tx``), mark them fanned out.
        If ``plan`` raises, nothing is marked and nothing it queued is kept. Returns how many
        articles were fanned out."""
        now = now or dt.datetime.now(dt.UTC)
        query = (
            select(articles)
            .where(articles.c.fanned_out == false())
            .order_by(articles.c.published_utc, articles.c.id)
            .limit(limit)
        )
        with self.transaction() as tx, self._write("fan out new articles", tx) as conn:
            pending = [_stored(row) for row in conn.execute(query)]
            if not pending:
                return 0
            plan(tx, pending)
            for chunk in chunks([a.id for a in pending]):
                mark = update(articles).where(articles.c.id.in_(chunk)).values(fanned_out=True, fanned_out_at=now)
                conn.execute(mark)
        log.info("fanned out articles count=%d", len(pending))
        return len(pending)

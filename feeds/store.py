"""The only SQL in ``feeds``: articles, conditional-GET validators and source health.

SQLAlchemy Core over SQLite by default (WAL, foreign keys, busy timeout), any database URL in
principle (the column types are portable). Every operation takes one pooled connection and one
transaction, so the store can be shared by the scrape worker thread and the event loop; a failed
write rolls back and never loses stored rows. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing.

Datetimes are stored as ISO 8601 text with their offset (aware in, aware out, on every backend);
``published_utc`` is a UTC copy used for ordering.

Schemas are versioned per component in ``schema_versions``: ``migrate_component(name, steps)``
applies the missing steps in order. Step 1 of "feeds" creates the v1 tables; later changes must
be new steps (explicit DDL), never edits of step 1.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    create_engine,
    event,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from feeds.errors import StoreError
from feeds.models import (
    Article,
    DatePrecision,
    Event,
    Extraction,
    Language,
    RefreshResult,
    SourceHealth,
    StoredArticle,
    UpsertResult,
    Validators,
)
from feeds.serialize import extraction_from_json, extraction_to_json

log = logging.getLogger(__name__)

DB_FILENAME = "feedbot.db"
BUSY_TIMEOUT_MS = 30_000
_CHUNK = 500  # bound parameters per IN (...) list, well under SQLite's limit

Step = Callable[[Connection], None]
Plan = Callable[[Connection, Sequence[StoredArticle]], None]


class AwareDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime kept as ISO 8601 text with its offset; naive values are refused."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware datetimes only")
        return value.isoformat()

    def process_result_value(self, value: str | None, dialect: Any) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value is not None else None


metadata = MetaData()

schema_versions = Table(
    "schema_versions",
    metadata,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(2048), nullable=False, unique=True),
    Column("source_id", String(64), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("published", AwareDateTime, nullable=False),
    Column("published_utc", String(32), nullable=False, index=True),
    Column("date_is_guess", Boolean, nullable=False),
    Column("modified", AwareDateTime),
    Column("author", Text),
    Column("categories", JSON, nullable=False),
    Column("images", JSON, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("extraction", JSON, nullable=False),
    Column("has_events", Boolean, nullable=False),
    Column("has_recommendations", Boolean, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen", AwareDateTime, nullable=False),
    Column("updated", AwareDateTime, nullable=False),
    Column("fanned_out", Boolean, nullable=False),
    Column("fanned_out_at", AwareDateTime),
    Index("ix_articles_pending", "fanned_out", "published_utc"),
)

validators = Table(
    "validators",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
)

source_health = Table(
    "source_health",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("last_run", AwareDateTime),
    Column("last_success", AwareDateTime),
    Column("consecutive_failures", Integer, nullable=False),
    Column("last_error", Text),
    Column("broken_reason", Text),
    Column("broken_since", AwareDateTime),
    Column("paused", Boolean, nullable=False),
    Column("last_counts", JSON, nullable=False),
)


# Another URL of a stored article: the listing's link when the page names a different
# rel=canonical (no trailing slash, http instead of https...). Such a link is a known article.
url_aliases = Table(
    "url_aliases",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("article_url", String(2048), nullable=False),
)


# A digest of a listing page's items (links, titles, dates) for sites that send no ETag or
# Last-Modified: the same items as last time mean nothing to re-check.
listing_digests = Table(
    "listing_digests",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("digest", String(64), nullable=False),
)


def _create_feeds_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[articles, validators, source_health])


def _create_feeds_v2(conn: Connection) -> None:
    url_aliases.create(conn, checkfirst=True)


def _create_feeds_v3(conn: Connection) -> None:
    listing_digests.create(conn, checkfirst=True)


FEEDS_MIGRATIONS: tuple[Step, ...] = (_create_feeds_v1, _create_feeds_v2, _create_feeds_v3)


# --------------------------------------------------------------------------- pure helpers


def database_url(data_dir: Path) -> str:
    """The SQLite URL of ``<data_dir>/feedbot.db``; creates the folder."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create data folder {data_dir}: {exc}; check --data-dir and its permissions") from exc
    return f"sqlite:///{(data_dir / DB_FILENAME).resolve()}"


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


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _content_values(article: Article) -> dict[str, Any]:
    extraction = article.extraction
    return {
        "title": article.title,
        "published": article.published,
        "published_utc": _utc_key(article.published),
        "date_is_guess": article.date_is_guess,
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


def _last_day(event: Event) -> dt.date | None:
    """The last calendar day an event covers (a month-precision event covers its month)."""
    day = event.end or event.start
    if day is None or event.precision is not DatePrecision.MONTH:
        return day
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


# --------------------------------------------------------------------------- engine


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("feedbot_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"database URL {url!r} is not usable: {exc}; expected e.g. sqlite:////path/to/feedbot.db"
        ) from exc
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


class Store:
    """Articles, validators and source health in one database (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(feedbot_begin="IMMEDIATE")
        self._where = engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect and bring the "feeds" schema up to date."""
        store = cls(_engine(url))
        store.migrate_component("feeds", FEEDS_MIGRATIONS)
        return store

    @property
    def metadata(self) -> MetaData:
        return metadata

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def vacuum(self, *, full: bool = True) -> str:
        """SQLite: ``PRAGMA optimize``, and with ``full`` ``VACUUM`` plus a WAL checkpoint. Other
        databases run their own maintenance (PostgreSQL's autovacuum): nothing is done there.
        Returns what was done."""
        if self.engine.dialect.name != "sqlite":
            return "nothing (not SQLite)"
        with self._errors():
            raw = self.engine.raw_connection()
            try:
                conn = raw.driver_connection  # sqlite3 in autocommit mode: VACUUM needs no open transaction
                conn.execute("PRAGMA optimize")
                if full:
                    conn.execute("VACUUM")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return "optimize + vacuum" if full else "optimize"

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            hint = "; check that the database exists, is writable and not corrupt" if isinstance(exc, DBAPIError) else ""
            raise StoreError(f"database {self._where}: {detail}{hint}") from exc

    # ----------------------------------------------------------------- schema

    def migrate_component(self, name: str, steps: Sequence[Step]) -> int:
        """Apply the steps of ``name`` not applied yet, in order, in one transaction.
        Returns the component's schema version."""
        with self._write() as conn:
            schema_versions.create(conn, checkfirst=True)
            query = select(schema_versions.c.version).where(schema_versions.c.component == name)
            current = conn.execute(query).scalar_one_or_none() or 0
            if current > len(steps):
                raise StoreError(
                    f"database {self._where}: schema of {name!r} is at version {current} but this "
                    f"feedbot knows {len(steps)}; upgrade feedbot or use a matching database"
                )
            for version in range(current + 1, len(steps) + 1):
                steps[version - 1](conn)
                log.info("migrated schema component=%s version=%d", name, version)
            if current == 0 and steps:
                conn.execute(insert(schema_versions).values(component=name, version=len(steps)))
            elif current < len(steps):
                conn.execute(
                    update(schema_versions).where(schema_versions.c.component == name).values(version=len(steps))
                )
        return len(steps)

    def schema_version(self, name: str) -> int:
        with self._read() as conn:
            query = select(schema_versions.c.version).where(schema_versions.c.component == name)
            return conn.execute(query).scalar_one_or_none() or 0

    # ----------------------------------------------------------------- articles

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs that name a stored article, directly or as an alias."""
        wanted = sorted(set(urls))
        found: set[str] = set()
        with self._read() as conn:
            for chunk in _chunks(wanted):
                found.update(conn.execute(select(articles.c.url).where(articles.c.url.in_(chunk))).scalars())
                found.update(conn.execute(select(url_aliases.c.url).where(url_aliases.c.url.in_(chunk))).scalars())
        return found

    def add_aliases(self, aliases: Mapping[str, str]) -> None:
        """Remember other URLs (e.g. a listing's link) of stored articles: {alias: article URL}."""
        with self._write() as conn:
            for url, article_url in aliases.items():
                stmt = update(url_aliases).where(url_aliases.c.url == url).values(article_url=article_url)
                if conn.execute(stmt).rowcount == 0:
                    conn.execute(insert(url_aliases).values(url=url, article_url=article_url))

    def upsert_articles(
        self, source_id: str, batch: Iterable[Article], *, now: dt.datetime, seed: bool = False
    ) -> UpsertResult:
        """Insert new articles, update changed ones (same URL, new content hash), count the rest.
        ``seed=True`` stores new articles as already fanned out. A URL keeps the source that
        first stored it; a changed article keeps its fan-out state (it never alerts again)."""
        unique = list({a.url: a for a in batch}.values())
        for attempt in (1, 2):
            try:
                with self._write() as conn:
                    return self._upsert(conn, source_id, unique, now, seed)
            except StoreError as exc:  # a concurrent writer inserted the same URL first (PostgreSQL)
                if attempt == 2 or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def _upsert(
        self, conn: Connection, source_id: str, batch: list[Article], now: dt.datetime, seed: bool
    ) -> UpsertResult:
        existing: dict[str, Row[Any]] = {}
        for chunk in _chunks([a.url for a in batch]):
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

    def _load(self, conn: Connection, ids: Sequence[int]) -> dict[int, StoredArticle]:
        loaded: dict[int, StoredArticle] = {}
        for chunk in _chunks(ids):
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
        with self._read() as conn:
            return [_stored(row) for row in conn.execute(query)]

    def get_article(self, article_id: int) -> StoredArticle | None:
        with self._read() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).one_or_none()
        return _stored(row) if row is not None else None

    def replace_extraction(self, article_id: int, extraction: Extraction) -> None:
        """Store a re-run of the extractor; content and ``updated`` stay as they are."""
        with self._write() as conn:
            stmt = update(articles).where(articles.c.id == article_id).values(**_extraction_values(extraction))
            if conn.execute(stmt).rowcount == 0:
                raise StoreError(f"database {self._where}: no article with id {article_id}")

    def upcoming_events(self, today: dt.date, limit: int) -> list[tuple[StoredArticle, Event]]:
        """Events whose last day is today or later, soonest first."""
        found: list[tuple[dt.date, int, int, StoredArticle, Event]] = []
        with self._read() as conn:
            for row in conn.execute(select(articles).where(articles.c.has_events == True)):  # noqa: E712
                stored = _stored(row)
                for index, ev in enumerate(stored.article.extraction.events):
                    last = _last_day(ev)
                    if ev.start is not None and last is not None and last >= today:
                        found.append((ev.start, stored.id, index, stored, ev))
        found.sort(key=lambda item: item[:3])
        return [(stored, ev) for *_key, stored, ev in found[:limit]]

    def fan_out(self, plan: Plan, *, limit: int = 500, now: dt.datetime | None = None) -> int:
        """In one transaction: load up to ``limit`` articles not fanned out yet (oldest first),
        call ``plan(conn, articles)`` (it writes outbox rows on ``conn``), mark them fanned out.
        If ``plan`` raises, nothing is marked. Returns how many were fanned out."""
        now = now or dt.datetime.now(dt.UTC)
        query = (
            select(articles)
            .where(articles.c.fanned_out == false())
            .order_by(articles.c.published_utc, articles.c.id)
            .limit(limit)
        )
        with self._write() as conn:
            pending = [_stored(row) for row in conn.execute(query)]
            if not pending:
                return 0
            plan(conn, pending)
            for chunk in _chunks([a.id for a in pending]):
                mark = update(articles).where(articles.c.id.in_(chunk)).values(fanned_out=True, fanned_out_at=now)
                conn.execute(mark)
        log.info("fanned out articles count=%d", len(pending))
        return len(pending)

    # ----------------------------------------------------------------- validators

    def get_validators(self, url: str) -> Validators:
        with self._read() as conn:
            row = conn.execute(select(validators).where(validators.c.url == url)).one_or_none()
        return Validators(etag=row.etag, last_modified=row.last_modified) if row is not None else Validators()

    def set_validators(self, url: str, value: Validators) -> None:
        self.set_many_validators({url: value})

    def set_many_validators(self, values: Mapping[str, Validators]) -> None:
        """Remember validators for several URLs in one transaction."""
        with self._write() as conn:
            for url, value in values.items():
                fields = {"etag": value.etag, "last_modified": value.last_modified}
                if conn.execute(update(validators).where(validators.c.url == url).values(**fields)).rowcount == 0:
                    conn.execute(insert(validators).values(url=url, **fields))

    def get_listing_digest(self, url: str) -> str | None:
        with self._read() as conn:
            return conn.execute(select(listing_digests.c.digest).where(listing_digests.c.url == url)).scalar_one_or_none()

    def set_listing_digest(self, url: str, digest: str) -> None:
        with self._write() as conn:
            stmt = update(listing_digests).where(listing_digests.c.url == url).values(digest=digest)
            if conn.execute(stmt).rowcount == 0:
                conn.execute(insert(listing_digests).values(url=url, digest=digest))

    # ----------------------------------------------------------------- source health

    def record_run(self, source_id: str, result: RefreshResult, *, now: dt.datetime) -> SourceHealth:
        """Fold one run into the source's health and return the new health."""
        with self._write() as conn:
            after = next_health(self._source_health(conn, source_id), result, now)
            self._save_health(conn, after)
        return after

    def set_paused(self, source_id: str, paused: bool) -> None:
        with self._write() as conn:
            self._save_health(conn, replace(self._source_health(conn, source_id), paused=paused))

    def source_health(self, source_id: str) -> SourceHealth:
        with self._read() as conn:
            return self._source_health(conn, source_id)

    def health(self) -> list[SourceHealth]:
        """Every source that has run or been paused, by id."""
        with self._read() as conn:
            counts = self._article_counts(conn)
            rows = conn.execute(select(source_health).order_by(source_health.c.source_id))
            return [_health(row, row.source_id, counts.get(row.source_id, 0)) for row in rows]

    def _source_health(self, conn: Connection, source_id: str) -> SourceHealth:
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

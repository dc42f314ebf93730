"""Every table of the database, its column types and its migrations (one ``MetaData``).

Schemas are versioned per component in ``schema_versions`` (``Store.migrate_component``):

- "feeds": ``articles`` (keyed by canonical URL), ``validators`` (conditional GET),
  ``source_health``, ``url_aliases`` (other URLs of a stored article), ``listing_digests``
  (a listing's items for sites without ETag/Last-Modified);
- "subscribers": ``chats`` (one row per private chat, group or channel: language,
  instant/digest mode, active), ``subscriptions`` ((chat, topic); a topic is "all", "events",
  "recommendations" or a source id) and ``outbox`` (one row per message to send; alerts are
  keyed by (article, chat, kind) so an article reaches a chat once).

Step 1 of each component creates its first tables; later changes must be new steps (explicit
DDL), never edits of an existing step, so a database written by any earlier release migrates.

Datetimes are stored as ISO 8601 text with their offset (aware in, aware out, on every backend);
``articles.published_utc`` is a UTC copy used for ordering, ``outbox.next_attempt_at`` a Unix
timestamp (cheap to compare).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.types import TypeDecorator

Step = Callable[[Connection], None]

MODES = ("instant", "digest")  # chats.mode
KINDS = ("alert", "digest", "broadcast", "admin")  # outbox.kind
# outbox.status: "pending" (to send), "held" (waiting for the chat's digest), "digested" (bundled
# into a digest row), "sent", "failed", "cancelled"
OPEN = ("pending", "held")  # rows not delivered yet
DONE = ("sent", "failed", "cancelled", "digested")  # rows housekeeping may delete


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

# --------------------------------------------------------------------------- component "feeds"

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
    Column("published_from", String(16)),  # a DateSource; NULL in rows from before v4 (then date_is_guess tells)
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


def _create_feeds_v4(conn: Connection) -> None:
    """Where each article's date came from (page, listing, URL, first seen)."""
    if "published_from" not in {c["name"] for c in inspect(conn).get_columns("articles")}:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN published_from VARCHAR(16)")


FEEDS_MIGRATIONS: tuple[Step, ...] = (_create_feeds_v1, _create_feeds_v2, _create_feeds_v3, _create_feeds_v4)

# --------------------------------------------------------------------------- component "subscribers"

chats = Table(
    "chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),
    Column("title", Text),
    Column("language", String(2), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("digest_hour", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("inactive_reason", Text),
    Column("created", AwareDateTime, nullable=False),
    Column("last_digest_at", AwareDateTime),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("topic", String(64), primary_key=True),
    Column("created", AwareDateTime, nullable=False),
    Index("ix_subscriptions_topic", "topic"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer),
    Column("chat_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text),
    Column("created", AwareDateTime, nullable=False),
    Column("sent_at", AwareDateTime),
    Column("message_id", BigInteger),
    UniqueConstraint("article_id", "chat_id", "kind", name="uq_outbox_article_chat_kind"),
    Index("ix_outbox_status_chat", "status", "chat_id", "id"),
)


def _create_subscribers_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[chats, subscriptions, outbox])


SUBSCRIBERS_MIGRATIONS: tuple[Step, ...] = (_create_subscribers_v1,)

COMPONENTS: tuple[tuple[str, tuple[Step, ...]], ...] = (
    ("feeds", FEEDS_MIGRATIONS),
    ("subscribers", SUBSCRIBERS_MIGRATIONS),
)

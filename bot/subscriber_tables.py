"""The subscriber tables and their row type, versioned in the store's database as the
"subscribers" component (see ``Store.migrate_component``):

- ``chats``: one row per private chat, group or channel (language, instant/digest mode, active);
- ``subscriptions``: (chat, topic); a topic is "all", "events", "recommendations" or a source id;
- ``outbox``: one row per message to send. Alerts are keyed by (article, chat, kind) so an
  article reaches a chat once. Status: ``pending`` (to send), ``held`` (waiting for the chat's
  digest), ``digested`` (bundled into a digest row), ``sent``, ``failed``, ``cancelled``.

``next_attempt_at`` is a Unix timestamp (cheap to compare); the other times are aware datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
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
)

from feeds.store import AwareDateTime, Store

TOPICS = ("all", "events", "recommendations")  # plus any source id
MODES = ("instant", "digest")
KINDS = ("alert", "digest", "broadcast", "admin")
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
OPEN = ("pending", "held")  # statuses of rows not delivered yet
COMPONENT = "subscribers"

metadata = MetaData()

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


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[chats, subscriptions, outbox])


MIGRATIONS = (_create_v1,)


def migrate(store: Store) -> None:
    """Create or upgrade the subscriber tables in ``store``'s database."""
    store.migrate_component(COMPONENT, MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: int
    type: str
    title: str | None
    language: str
    mode: str
    digest_hour: int
    active: bool
    created: dt.datetime
    last_digest_at: dt.datetime | None = None
    inactive_reason: str | None = None


def chat_from_row(row: Any) -> Chat:
    """A ``chats`` row as a :class:`Chat`."""
    return Chat(
        chat_id=row.chat_id,
        type=row.type,
        title=row.title,
        language=row.language,
        mode=row.mode,
        digest_hour=row.digest_hour,
        active=bool(row.active),
        created=row.created,
        last_digest_at=row.last_digest_at,
        inactive_reason=row.inactive_reason,
    )

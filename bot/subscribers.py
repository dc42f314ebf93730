"""Subscribers, their topics and settings, and the outbox of deliveries (the only SQL in ``bot``).

Tables live in the store's database, versioned as the "subscribers" component:

- ``chats``: one row per private chat, group or channel (language, instant/digest mode, active);
- ``subscriptions``: (chat, topic); a topic is "all", "events", "recommendations" or a source id;
- ``outbox``: one row per message to send. Alerts are keyed by (article, chat, kind) so an
  article reaches a chat once. Status: ``pending`` (to send), ``held`` (waiting for the chat's
  digest), ``digested`` (bundled into a digest row), ``sent``, ``failed``, ``cancelled``.

Fan-out runs inside ``Store.fan_out``'s transaction, so an article is marked fanned out exactly
when its outbox rows exist. ``next_attempt_at`` is a Unix timestamp (cheap to compare); the
other times are aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

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
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

from bot.messages import render_digest
from feeds.models import DEFAULT_TIMEZONE, StoredArticle
from feeds.store import AwareDateTime, Store

log = logging.getLogger(__name__)

TOPICS = ("all", "events", "recommendations")  # plus any source id
MODES = ("instant", "digest")
KINDS = ("alert", "digest", "broadcast", "admin")
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
OPEN = ("pending", "held")  # statuses of rows not delivered yet

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

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES


@dataclass(frozen=True, slots=True)
class Delivery:
    """A pending outbox row as the sender needs it (joined with its chat)."""

    id: int
    chat_id: int
    kind: str
    article_id: int | None
    text: str | None
    attempts: int
    chat_type: str
    language: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one delivery; ``Subscribers.record`` writes a batch of them.

    status "sent" (``message_id``), "failed" (``error``; ``deactivate`` for blocked chats),
    "retry" (``next_attempt_at``, ``error``; counts an attempt) or "deferred" (RetryAfter: the
    same, without counting an attempt).
    """

    delivery_id: int
    chat_id: int
    status: str
    error: str | None = None
    next_attempt_at: float = 0.0
    message_id: int | None = None
    deactivate: bool = False


@dataclass(frozen=True, slots=True)
class Stats:
    chats: int
    active: int
    by_topic: dict[str, int]
    by_status: dict[str, int]

    @property
    def pending(self) -> int:
        return self.by_status.get("pending", 0)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0)


def article_topics(stored: StoredArticle) -> tuple[str, ...]:
    """The topics an article belongs to: "all", its source id, and "events"/"recommendations"."""
    extraction = stored.article.extraction
    topics = ["all", stored.article.source_id]
    if extraction.events:
        topics.append("events")
    if extraction.recommendations:
        topics.append("recommendations")
    return tuple(topics)


def _chat(row: Any) -> Chat:
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


class Subscribers:
    """Subscribers and the outbox in ``store``'s database (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        default_language: str = "vi",
        default_digest_hour: int = 8,
        source_names: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self.tz = ZoneInfo(timezone)
        self.default_language = default_language
        self.default_digest_hour = default_digest_hour
        self.source_names = dict(source_names or {})
        self._writer = store.engine.execution_options(feedbot_begin="IMMEDIATE")
        store.migrate_component("subscribers", MIGRATIONS)

    def _now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def _write(self) -> Any:
        return self._writer.begin()

    # ----------------------------------------------------------------- chats

    def upsert_chat(
        self, chat_id: int, *, type: str = "private", title: str | None = None, language: str | None = None
    ) -> Chat:
        """Create the chat, or refresh its type/title and reactivate it. The language is only
        set on creation (the user may change it later)."""
        with self._write() as conn:
            row = conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one_or_none()
            if row is None:
                values = dict(
                    chat_id=chat_id, type=type, title=title, language=language or self.default_language,
                    mode="instant", digest_hour=self.default_digest_hour, active=True, created=self._now(),
                )
                conn.execute(insert(chats).values(**values))
            else:
                conn.execute(
                    update(chats)
                    .where(chats.c.chat_id == chat_id)
                    .values(type=type, title=title or row.title, active=True, inactive_reason=None)
                )
            return _chat(conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one())

    def get_chat(self, chat_id: int) -> Chat | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one_or_none()
        return _chat(row) if row is not None else None

    def list_chats(self, *, active: bool | None = True, topic: str | None = None) -> list[Chat]:
        query = select(chats).order_by(chats.c.chat_id)
        if active is not None:
            query = query.where(chats.c.active == active)
        if topic is not None:
            query = query.where(
                exists().where(and_(subscriptions.c.chat_id == chats.c.chat_id, subscriptions.c.topic == topic))
            )
        with self.store.engine.connect() as conn:
            return [_chat(row) for row in conn.execute(query)]

    def _set(self, chat_id: int, **values: Any) -> None:
        with self._write() as conn:
            if conn.execute(update(chats).where(chats.c.chat_id == chat_id).values(**values)).rowcount == 0:
                raise KeyError(f"chat {chat_id} is not known; call upsert_chat first")

    def set_language(self, chat_id: int, language: str) -> None:
        if language not in ("vi", "en"):
            raise ValueError(f"language {language!r}: use 'vi' or 'en'")
        self._set(chat_id, language=language)

    def set_digest_hour(self, chat_id: int, hour: int) -> None:
        if not 0 <= hour <= 23:
            raise ValueError(f"digest hour {hour}: use 0-23 (local time)")
        self._set(chat_id, digest_hour=hour)

    def set_mode(self, chat_id: int, mode: str, *, digest_hour: int | None = None) -> None:
        """Instant alerts or a daily digest. Switching moves the chat's waiting alerts along:
        pending alerts are held for the digest, held ones are released for instant delivery."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: use one of {MODES}")
        if digest_hour is not None:
            self.set_digest_hour(chat_id, digest_hour)
        before, after = ("pending", "held") if mode == "digest" else ("held", "pending")
        with self._write() as conn:
            if conn.execute(update(chats).where(chats.c.chat_id == chat_id).values(mode=mode)).rowcount == 0:
                raise KeyError(f"chat {chat_id} is not known; call upsert_chat first")
            where = and_(outbox.c.chat_id == chat_id, outbox.c.kind == "alert", outbox.c.status == before)
            conn.execute(update(outbox).where(where).values(status=after, next_attempt_at=time.time()))

    def deactivate(self, chat_id: int, reason: str) -> int:
        """The chat blocked or removed the bot: stop sending, cancel what waits. Returns rows cancelled."""
        with self._write() as conn:
            conn.execute(
                update(chats).where(chats.c.chat_id == chat_id).values(active=False, inactive_reason=reason)
            )
            return self._cancel(conn, chat_id, reason, kinds=KINDS)

    def forget(self, chat_id: int) -> None:
        """/stop: delete every record of the chat."""
        with self._write() as conn:
            conn.execute(delete(outbox).where(outbox.c.chat_id == chat_id))
            conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
            conn.execute(delete(chats).where(chats.c.chat_id == chat_id))
        log.info("forgot chat", extra={"chat": chat_id})

    # ----------------------------------------------------------------- subscriptions

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Add a topic (the chat must exist). Returns False when it was already there."""
        with self._write() as conn:
            where = and_(subscriptions.c.chat_id == chat_id, subscriptions.c.topic == topic)
            if conn.execute(select(literal(1)).where(where)).first() is not None:
                return False
            conn.execute(insert(subscriptions).values(chat_id=chat_id, topic=topic, created=self._now()))
            return True

    def unsubscribe(self, chat_id: int, topic: str) -> int:
        """Remove a topic ("all" removes every subscription) and cancel the chat's waiting
        alerts no remaining topic still asks for. Returns the subscriptions removed."""
        with self._write() as conn:
            stmt = delete(subscriptions).where(subscriptions.c.chat_id == chat_id)
            if topic != "all":
                stmt = stmt.where(subscriptions.c.topic == topic)
            removed = conn.execute(stmt).rowcount
            remaining = self._topics(conn, chat_id)
            if not remaining:
                self._cancel(conn, chat_id, "unsubscribed", kinds=("alert", "digest"))
            else:
                self._cancel_unwanted(conn, chat_id, remaining)
            return removed

    def topics(self, chat_id: int) -> list[str]:
        with self.store.engine.connect() as conn:
            return self._topics(conn, chat_id)

    @staticmethod
    def _topics(conn: Connection, chat_id: int) -> list[str]:
        query = select(subscriptions.c.topic).where(subscriptions.c.chat_id == chat_id).order_by(subscriptions.c.topic)
        return list(conn.execute(query).scalars())

    @staticmethod
    def _cancel(conn: Connection, chat_id: int, reason: str, *, kinds: Sequence[str]) -> int:
        where = and_(outbox.c.chat_id == chat_id, outbox.c.status.in_(OPEN), outbox.c.kind.in_(kinds))
        return conn.execute(update(outbox).where(where).values(status="cancelled", last_error=reason)).rowcount

    def _cancel_unwanted(self, conn: Connection, chat_id: int, remaining: Sequence[str]) -> None:
        articles = self.store.metadata.tables["articles"]
        query = (
            select(outbox.c.id, articles.c.source_id, articles.c.has_events, articles.c.has_recommendations)
            .join(articles, articles.c.id == outbox.c.article_id)
            .where(outbox.c.chat_id == chat_id, outbox.c.kind == "alert", outbox.c.status.in_(OPEN))
        )
        wanted = set(remaining)
        unwanted = []
        for row in conn.execute(query):
            topics = {"all", row.source_id} | ({"events"} if row.has_events else set())
            topics |= {"recommendations"} if row.has_recommendations else set()
            if not topics & wanted:
                unwanted.append(row.id)
        if unwanted:
            stmt = update(outbox).where(outbox.c.id.in_(unwanted)).values(status="cancelled", last_error="unsubscribed")
            conn.execute(stmt)

    # ----------------------------------------------------------------- fan-out and enqueueing

    def fan_out(self, *, limit: int = 500) -> int:
        """Turn every article the store has not fanned out yet into outbox rows, in the store's
        transaction. Returns the number of rows created."""
        created = 0

        def plan(conn: Connection, pending: Sequence[StoredArticle]) -> None:
            nonlocal created
            for stored in pending:
                created += self._plan_article(conn, stored)

        while self.store.fan_out(plan, limit=limit):
            pass
        if created:
            log.info("queued alerts", extra={"count": created})
        return created

    def _plan_article(self, conn: Connection, stored: StoredArticle) -> int:
        """One INSERT ... SELECT: an alert row per active chat subscribed to a topic of the article."""
        now, stamp = self._now(), time.time()
        wants = exists().where(
            and_(subscriptions.c.chat_id == chats.c.chat_id, subscriptions.c.topic.in_(article_topics(stored)))
        )
        already = exists().where(
            and_(outbox.c.article_id == stored.id, outbox.c.chat_id == chats.c.chat_id, outbox.c.kind == "alert")
        )
        status = case((chats.c.mode == "digest", "held"), else_="pending")
        rows = select(
            literal(stored.id),
            chats.c.chat_id,
            literal("alert"),
            status,
            literal(0),
            literal(stamp),
            literal(now, type_=AwareDateTime),
        ).where(chats.c.active == True, wants, ~already)  # noqa: E712
        columns = ["article_id", "chat_id", "kind", "status", "attempts", "next_attempt_at", "created"]
        return conn.execute(insert(outbox).from_select(columns, rows)).rowcount or 0

    def enqueue_broadcast(self, text: str, admin: int) -> int:
        """An admin announcement (Telegram HTML) to every active chat with a subscription."""
        with self._write() as conn:
            has_topic = exists().where(subscriptions.c.chat_id == chats.c.chat_id)
            targets = list(conn.execute(select(chats.c.chat_id).where(chats.c.active == True, has_topic)).scalars())  # noqa: E712
            self._enqueue(conn, [(c, text) for c in targets], "broadcast")
        log.info("queued broadcast", extra={"admin": admin, "count": len(targets)})
        return len(targets)

    def enqueue_text(self, chat_ids: Iterable[int], text: str, *, kind: str = "admin") -> int:
        """Messages (Telegram HTML) to given chats, e.g. source health alerts to the admins."""
        targets = list(chat_ids)
        with self._write() as conn:
            self._enqueue(conn, [(c, text) for c in targets], kind)
        return len(targets)

    def _enqueue(self, conn: Connection, messages: Sequence[tuple[int, str]], kind: str) -> None:
        """Pending rows of ready-made texts, in the given order."""
        if kind not in KINDS:
            raise ValueError(f"outbox kind {kind!r}: use one of {KINDS}")
        now, stamp = self._now(), time.time()
        rows = [
            dict(chat_id=c, kind=kind, text=text, status="pending", attempts=0, next_attempt_at=stamp, created=now)
            for c, text in messages
        ]
        if rows:
            conn.execute(insert(outbox), rows)

    # ----------------------------------------------------------------- digests

    def due_digests(self, now: dt.datetime) -> list[Chat]:
        """Active digest chats whose hour has come today (local time) and that have not had
        today's digest yet."""
        local = now.astimezone(self.tz)
        due = []
        for chat in self.list_chats(active=True):
            if chat.mode != "digest" or local.hour < chat.digest_hour:
                continue
            slot = local.replace(hour=chat.digest_hour, minute=0, second=0, microsecond=0)
            if chat.last_digest_at is None or chat.last_digest_at < slot:
                due.append(chat)
        return due

    def release_digest(
        self,
        chat: Chat,
        now: dt.datetime,
        render: Callable[[Sequence[tuple[StoredArticle, str]], str], list[str]] | None = None,
    ) -> int:
        """Bundle the chat's held alerts into digest messages (``render(items, lang)``, by
        default ``bot.messages.render_digest``), in one transaction. Returns messages queued."""
        render = render or _default_digest_renderer
        with self._write() as conn:
            held = select(outbox.c.id, outbox.c.article_id).where(
                outbox.c.chat_id == chat.chat_id, outbox.c.kind == "alert", outbox.c.status == "held"
            )
            rows = list(conn.execute(held.order_by(outbox.c.id)))
            items = self._digest_items([r.article_id for r in rows])
            texts = render(items, chat.language) if items else []
            self._enqueue(conn, [(chat.chat_id, text) for text in texts], "digest")
            if rows:
                ids = [r.id for r in rows]
                conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(status="digested", sent_at=now))
            conn.execute(update(chats).where(chats.c.chat_id == chat.chat_id).values(last_digest_at=now))
        log.info("queued digest", extra={"chat": chat.chat_id, "articles": len(items), "messages": len(texts)})
        return len(texts)

    def _digest_items(self, article_ids: Sequence[int]) -> list[tuple[StoredArticle, str]]:
        items = []
        for article_id in article_ids:
            stored = self.store.get_article(article_id)
            if stored is not None:
                items.append((stored, self.source_name(stored.article.source_id)))
        return items

    def source_name(self, source_id: str) -> str:
        return self.source_names.get(source_id, source_id)

    # ----------------------------------------------------------------- the sender's side

    def due_deliveries(self, now: float, *, limit: int) -> list[Delivery]:
        """The oldest pending row of each chat whose time has come, oldest first. Only a chat's
        first pending row is ever due, so a chat's messages go out in order."""
        heads = select(func.min(outbox.c.id)).where(outbox.c.status == "pending").group_by(outbox.c.chat_id)
        query = (
            select(
                outbox.c.id, outbox.c.chat_id, outbox.c.kind, outbox.c.article_id, outbox.c.text,
                outbox.c.attempts, chats.c.type, chats.c.language,
            )
            .join(chats, chats.c.chat_id == outbox.c.chat_id, isouter=True)
            .where(outbox.c.id.in_(heads), outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            return [self._delivery(row) for row in conn.execute(query)]

    def _delivery(self, row: Any) -> Delivery:
        chat_type = row.type or ("private" if row.chat_id > 0 else "supergroup")
        return Delivery(
            row.id, row.chat_id, row.kind, row.article_id, row.text, row.attempts, chat_type,
            row.language or self.default_language,
        )

    def next_due(self) -> float | None:
        """When the earliest pending row becomes due (Unix time), or None."""
        query = select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def pending_count(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write delivery outcomes in one transaction (a blocked chat is also deactivated)."""
        now = self._now()
        with self._write() as conn:
            for o in outcomes:
                conn.execute(update(outbox).where(outbox.c.id == o.delivery_id).values(**_outcome_values(o, now)))
            for o in outcomes:
                if o.deactivate:
                    conn.execute(
                        update(chats).where(chats.c.chat_id == o.chat_id).values(active=False, inactive_reason=o.error)
                    )
                    self._cancel(conn, o.chat_id, f"chat inactive: {o.error}", kinds=KINDS)

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: move its chat, topics and waiting rows."""
        with self._write() as conn:
            if conn.execute(select(chats.c.chat_id).where(chats.c.chat_id == new_id)).first() is None:
                conn.execute(update(chats).where(chats.c.chat_id == old_id).values(chat_id=new_id, type="supergroup"))
                conn.execute(update(subscriptions).where(subscriptions.c.chat_id == old_id).values(chat_id=new_id))
            where = and_(outbox.c.chat_id == old_id, outbox.c.status.in_(OPEN))
            conn.execute(update(outbox).where(where).values(chat_id=new_id))

    # ----------------------------------------------------------------- inspection

    def stats(self) -> Stats:
        with self.store.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(chats)).scalar_one()
            active = conn.execute(select(func.count()).select_from(chats).where(chats.c.active == True)).scalar_one()  # noqa: E712
            topic_q = (
                select(subscriptions.c.topic, func.count())
                .join(chats, chats.c.chat_id == subscriptions.c.chat_id)
                .where(chats.c.active == True)  # noqa: E712
                .group_by(subscriptions.c.topic)
            )
            by_topic = {topic: n for topic, n in conn.execute(topic_q)}
            by_status = {s: n for s, n in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))}
        return Stats(chats=total, active=active, by_topic=by_topic, by_status=by_status)

    def outbox_rows(self, *, chat_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows as dicts, oldest first (for /stats details, the CLI and tests)."""
        query = select(outbox).order_by(outbox.c.id)
        if chat_id is not None:
            query = query.where(outbox.c.chat_id == chat_id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self.store.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def prune(self, older_than: dt.datetime) -> int:
        """Housekeeping: delete sent/failed/cancelled/digested rows created before ``older_than``."""
        done = ("sent", "failed", "cancelled", "digested")
        with self._write() as conn:
            cutoff = older_than.astimezone(self.tz)  # created is stored in self.tz
            stmt = delete(outbox).where(outbox.c.status.in_(done), outbox.c.created < cutoff)
            return conn.execute(stmt).rowcount


def _outcome_values(o: Outcome, now: dt.datetime) -> dict[str, Any]:
    if o.status == "sent":
        return dict(status="sent", sent_at=now, message_id=o.message_id, last_error=None, attempts=outbox.c.attempts + 1)
    if o.status == "failed":
        return dict(status="failed", last_error=o.error, attempts=outbox.c.attempts + 1)
    if o.status == "retry":
        return dict(last_error=o.error, next_attempt_at=o.next_attempt_at, attempts=outbox.c.attempts + 1)
    if o.status == "deferred":
        return dict(last_error=o.error, next_attempt_at=o.next_attempt_at)
    raise ValueError(f"unknown delivery outcome {o.status!r}")


def _default_digest_renderer(items: Sequence[tuple[StoredArticle, str]], lang: str) -> list[str]:
    return render_digest(items, lang=lang)

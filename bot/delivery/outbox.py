"""The outbox of deliveries: fan-out of new articles into alert rows, ready-made messages, a
chat's waiting rows, and the queries the sender uses (schema and statuses:
``bot.subscriber_tables``).

Fan-out runs inside ``Store.fan_out``'s transaction, so an article is marked fanned out exactly
when its outbox rows exist. Methods taking a ``conn`` run inside the caller's write transaction
(:meth:`Outbox.begin`), so a change to a chat and to its waiting rows commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, delete, exists, func, insert, literal, select, update

from bot.subscriber_tables import KINDS, OPEN, chats, outbox, subscriptions
from feeds.models import StoredArticle
from feeds.store import AwareDateTime, Store

log = logging.getLogger(__name__)

DONE = ("sent", "failed", "cancelled", "digested")  # statuses housekeeping may delete


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


def article_topics(stored: StoredArticle) -> tuple[str, ...]:
    """The topics an article belongs to: "all", its source id, and "events"/"recommendations"."""
    extraction = stored.article.extraction
    topics = ["all", stored.article.source_id]
    if extraction.events:
        topics.append("events")
    if extraction.recommendations:
        topics.append("recommendations")
    return tuple(topics)


class Outbox:
    """The ``outbox`` table of ``store``'s database; ``tz`` is the zone its datetimes are stored in."""

    def __init__(self, store: Store, *, tz: ZoneInfo, default_language: str) -> None:
        self.store = store
        self.tz = tz
        self.default_language = default_language
        self._writer = store.engine.execution_options(feedbot_begin="IMMEDIATE")

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def begin(self) -> Any:
        """A write transaction (``BEGIN IMMEDIATE``) on the store's database."""
        return self._writer.begin()

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
        now, stamp = self.now(), time.time()
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
        with self.begin() as conn:
            has_topic = exists().where(subscriptions.c.chat_id == chats.c.chat_id)
            targets = list(conn.execute(select(chats.c.chat_id).where(chats.c.active == True, has_topic)).scalars())  # noqa: E712
            self.enqueue(conn, [(c, text) for c in targets], "broadcast")
        log.info("queued broadcast", extra={"admin": admin, "count": len(targets)})
        return len(targets)

    def enqueue_text(self, chat_ids: Iterable[int], text: str, *, kind: str = "admin") -> int:
        """Messages (Telegram HTML) to given chats, e.g. source health alerts to the admins."""
        targets = list(chat_ids)
        with self.begin() as conn:
            self.enqueue(conn, [(c, text) for c in targets], kind)
        return len(targets)

    def enqueue(self, conn: Connection, messages: Sequence[tuple[int, str]], kind: str) -> None:
        """Pending rows of ready-made texts, in the given order."""
        if kind not in KINDS:
            raise ValueError(f"outbox kind {kind!r}: use one of {KINDS}")
        now, stamp = self.now(), time.time()
        rows = [
            dict(chat_id=c, kind=kind, text=text, status="pending", attempts=0, next_attempt_at=stamp, created=now)
            for c, text in messages
        ]
        if rows:
            conn.execute(insert(outbox), rows)

    # ----------------------------------------------------------------- a chat's waiting rows

    @staticmethod
    def cancel(conn: Connection, chat_id: int, reason: str, *, kinds: Sequence[str]) -> int:
        """Cancel the chat's waiting rows of these kinds. Returns rows cancelled."""
        where = and_(outbox.c.chat_id == chat_id, outbox.c.status.in_(OPEN), outbox.c.kind.in_(kinds))
        return conn.execute(update(outbox).where(where).values(status="cancelled", last_error=reason)).rowcount

    def cancel_unwanted(self, conn: Connection, chat_id: int, remaining: Sequence[str]) -> None:
        """Cancel the chat's waiting alerts whose article has none of the ``remaining`` topics."""
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

    @staticmethod
    def switch_mode(conn: Connection, chat_id: int, mode: str) -> None:
        """Digest mode holds the chat's pending alerts; instant mode releases its held ones."""
        before, after = ("pending", "held") if mode == "digest" else ("held", "pending")
        where = and_(outbox.c.chat_id == chat_id, outbox.c.kind == "alert", outbox.c.status == before)
        conn.execute(update(outbox).where(where).values(status=after, next_attempt_at=time.time()))

    @staticmethod
    def delete_chat(conn: Connection, chat_id: int) -> None:
        conn.execute(delete(outbox).where(outbox.c.chat_id == chat_id))

    @staticmethod
    def move_chat(conn: Connection, old_id: int, new_id: int) -> None:
        """Move the waiting rows of a group that became a supergroup with a new id; an alert the
        new chat already has is cancelled rather than sent twice."""
        where = and_(outbox.c.chat_id == old_id, outbox.c.status.in_(OPEN))
        twin = outbox.alias("twin")
        duplicate = exists().where(
            and_(twin.c.chat_id == new_id, twin.c.article_id == outbox.c.article_id, twin.c.kind == outbox.c.kind)
        )
        conn.execute(update(outbox).where(where, duplicate).values(status="cancelled", last_error="chat migrated"))
        conn.execute(update(outbox).where(where).values(chat_id=new_id))

    # ----------------------------------------------------------------- the sender's side

    def due_deliveries(self, now: float, *, limit: int) -> list[Delivery]:
        """The oldest pending row of each chat whose time has come, oldest first. Only a chat's
        first pending row is ever due, so a chat's messages go out in order."""
        query = (
            select(
                outbox.c.id, outbox.c.chat_id, outbox.c.kind, outbox.c.article_id, outbox.c.text,
                outbox.c.attempts, chats.c.type, chats.c.language,
            )
            .join(chats, chats.c.chat_id == outbox.c.chat_id, isouter=True)
            .where(outbox.c.id.in_(_heads()), outbox.c.next_attempt_at <= now)
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
        """When the earliest pending row becomes due (Unix time), or None. Only a chat's first
        pending row can be sent, so the rows queued behind it do not count."""
        query = select(func.min(outbox.c.next_attempt_at)).where(outbox.c.id.in_(_heads()))
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def is_pending(self, delivery_id: int) -> bool:
        """Whether the row still waits to be sent (not cancelled, deleted or done meanwhile)."""
        query = select(outbox.c.status).where(outbox.c.id == delivery_id)
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none() == "pending"

    def pending_count(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    @staticmethod
    def write_outcomes(conn: Connection, outcomes: Sequence[Outcome], now: dt.datetime) -> None:
        """Update each delivery's row (deactivating blocked chats is the caller's job)."""
        for o in outcomes:
            conn.execute(update(outbox).where(outbox.c.id == o.delivery_id).values(**_outcome_values(o, now)))

    # ----------------------------------------------------------------- inspection and housekeeping

    @staticmethod
    def count_by_status(conn: Connection) -> dict[str, int]:
        return {s: n for s, n in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))}

    def rows(self, *, chat_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
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
        with self.begin() as conn:
            cutoff = older_than.astimezone(self.tz)  # created is stored in self.tz
            stmt = delete(outbox).where(outbox.c.status.in_(DONE), outbox.c.created < cutoff)
            return conn.execute(stmt).rowcount


def _heads() -> Any:
    """The first pending row of each chat (the only one that may be sent next)."""
    return select(func.min(outbox.c.id)).where(outbox.c.status == "pending").group_by(outbox.c.chat_id)


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

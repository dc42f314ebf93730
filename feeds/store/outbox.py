"""The outbox: one row per message to send (statuses and kinds: ``feeds.store.schema``).

Alerts are queued inside the fan-out transaction (``Store.fan_out``), so an article is marked
fanned out exactly when its rows exist; a row is marked sent only after Telegram accepted it.
Only a chat's oldest pending row is ever due, so a chat's messages go out in order. Which chats
want which article, digests and pacing are decided in ``bot.delivery``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, exists, func, insert, literal, select, update

from feeds.store.base import StoreBase, Transaction, chunks
from feeds.store.schema import DONE, KINDS, OPEN, AwareDateTime, articles, chats, outbox, subscriptions


@dataclass(frozen=True, slots=True)
class Delivery:
    """A pending outbox row as the sender needs it, with its chat's type and language (None when
    the chat row is gone)."""

    id: int
    chat_id: int
    kind: str
    article_id: int | None
    text: str | None
    attempts: int
    chat_type: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one delivery; ``Store.record_outcomes`` writes a batch of them.

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
class WaitingAlert:
    """An alert row not delivered yet, with what decides its topics (None: the article is gone)."""

    id: int
    article_id: int
    source_id: str | None
    has_events: bool
    has_recommendations: bool


class OutboxStore(StoreBase):
    """The ``outbox`` table."""

    def queue_alerts(
        self, article_id: int, topics: Sequence[str], *, now: dt.datetime, tx: Transaction | None = None
    ) -> int:
        """One INSERT ... SELECT: an alert row per active chat subscribed to one of ``topics``
        that has none for this article yet; "held" for digest chats, else "pending". Returns rows queued."""
        wants = exists().where(and_(subscriptions.c.chat_id == chats.c.chat_id, subscriptions.c.topic.in_(topics)))
        already = exists().where(
            and_(outbox.c.article_id == article_id, outbox.c.chat_id == chats.c.chat_id, outbox.c.kind == "alert")
        )
        status = case((chats.c.mode == "digest", "held"), else_="pending")
        rows = select(
            literal(article_id), chats.c.chat_id, literal("alert"), status, literal(0), literal(now.timestamp()),
            literal(now, type_=AwareDateTime),
        ).where(chats.c.active == True, wants, ~already)  # noqa: E712
        columns = ["article_id", "chat_id", "kind", "status", "attempts", "next_attempt_at", "created"]
        with self._write(f"queue the alerts of article {article_id}", tx) as conn:
            return conn.execute(insert(outbox).from_select(columns, rows)).rowcount or 0

    def enqueue(
        self, messages: Sequence[tuple[int, str]], kind: str, *, now: dt.datetime, tx: Transaction | None = None
    ) -> int:
        """Pending rows of ready-made texts (Telegram HTML), in the given order: [(chat id, text)]."""
        if kind not in KINDS:
            raise ValueError(f"outbox kind {kind!r}: use one of {KINDS}")
        stamp = now.timestamp()
        rows = [
            dict(chat_id=c, kind=kind, text=text, status="pending", attempts=0, next_attempt_at=stamp, created=now)
            for c, text in messages
        ]
        with self._write(f"queue {kind} messages", tx) as conn:
            if rows:
                conn.execute(insert(outbox), rows)
        return len(rows)

    # ----------------------------------------------------------------- a chat's waiting rows

    def cancel_deliveries(
        self, chat_id: int, reason: str, *, kinds: Sequence[str] = KINDS, tx: Transaction | None = None
    ) -> int:
        """Cancel the chat's waiting rows of these kinds. Returns rows cancelled."""
        where = and_(outbox.c.chat_id == chat_id, outbox.c.status.in_(OPEN), outbox.c.kind.in_(kinds))
        with self._write(f"cancel the deliveries of chat {chat_id}", tx) as conn:
            return conn.execute(update(outbox).where(where).values(status="cancelled", last_error=reason)).rowcount

    def cancel_rows(self, ids: Sequence[int], reason: str, *, tx: Transaction | None = None) -> int:
        """Cancel these outbox rows. Returns rows cancelled."""
        cancelled = 0
        with self._write("cancel deliveries", tx) as conn:
            for chunk in chunks(list(ids)):
                stmt = update(outbox).where(outbox.c.id.in_(chunk)).values(status="cancelled", last_error=reason)
                cancelled += conn.execute(stmt).rowcount
        return cancelled

    def waiting_alerts(
        self, chat_id: int, *, statuses: Sequence[str] = OPEN, tx: Transaction | None = None
    ) -> list[WaitingAlert]:
        """The chat's alert rows in these statuses, oldest first, with their article's topic facts."""
        query = (
            select(outbox.c.id, outbox.c.article_id, articles.c.source_id, articles.c.has_events,
                   articles.c.has_recommendations)
            .join(articles, articles.c.id == outbox.c.article_id, isouter=True)
            .where(outbox.c.chat_id == chat_id, outbox.c.kind == "alert", outbox.c.status.in_(statuses))
            .order_by(outbox.c.id)
        )
        with self._read(f"list the waiting alerts of chat {chat_id}", tx) as conn:
            return [
                WaitingAlert(r.id, r.article_id, r.source_id, bool(r.has_events), bool(r.has_recommendations))
                for r in conn.execute(query)
            ]

    def move_alerts(
        self, chat_id: int, *, from_status: str, to_status: str, now: dt.datetime, tx: Transaction | None = None
    ) -> int:
        """Give the chat's alerts in ``from_status`` the status ``to_status``, due ``now``. Returns rows moved."""
        where = and_(outbox.c.chat_id == chat_id, outbox.c.kind == "alert", outbox.c.status == from_status)
        with self._write(f"move the alerts of chat {chat_id}", tx) as conn:
            stmt = update(outbox).where(where).values(status=to_status, next_attempt_at=now.timestamp())
            return conn.execute(stmt).rowcount

    def mark_digested(self, ids: Sequence[int], *, now: dt.datetime, tx: Transaction | None = None) -> None:
        """These held alerts went out inside a digest message."""
        with self._write("mark alerts as digested", tx) as conn:
            for chunk in chunks(list(ids)):
                conn.execute(update(outbox).where(outbox.c.id.in_(chunk)).values(status="digested", sent_at=now))

    # ----------------------------------------------------------------- the sender's side

    def due_deliveries(self, now: float, *, limit: int) -> list[Delivery]:
        """The oldest pending row of each chat whose time (Unix ``now``) has come, oldest first."""
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
        with self._read("list the due deliveries") as conn:
            return [Delivery(*row) for row in conn.execute(query)]

    def next_due(self) -> float | None:
        """When the earliest pending row becomes due (Unix time), or None. Only a chat's first
        pending row can be sent, so the rows queued behind it do not count."""
        query = select(func.min(outbox.c.next_attempt_at)).where(outbox.c.id.in_(_heads()))
        with self._read("find the next due delivery") as conn:
            return conn.execute(query).scalar_one_or_none()

    def is_pending(self, delivery_id: int) -> bool:
        """Whether the row still waits to be sent (not cancelled, deleted or done meanwhile)."""
        query = select(outbox.c.status).where(outbox.c.id == delivery_id)
        with self._read(f"read delivery {delivery_id}") as conn:
            return conn.execute(query).scalar_one_or_none() == "pending"

    def pending_count(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        with self._read("count pending deliveries") as conn:
            return conn.execute(query).scalar_one()

    def record_outcomes(
        self, outcomes: Sequence[Outcome], *, now: dt.datetime, tx: Transaction | None = None
    ) -> None:
        """Update each delivery's row (deactivating blocked chats is the caller's job). Accepted
        messages, the bulk at hundreds a second, are marked sent in one executemany."""
        values = [_outcome_values(o, now) for o in outcomes]  # an unknown status fails before any write
        sent = [dict(row_id=o.delivery_id, message_id=o.message_id) for o in outcomes if o.status == "sent"]
        with self._write("record delivery outcomes", tx) as conn:
            if sent:
                conn.execute(_MARK_SENT.values(sent_at=now), sent)
            for o, fields in zip(outcomes, values, strict=True):
                if o.status != "sent":
                    conn.execute(update(outbox).where(outbox.c.id == o.delivery_id).values(**fields))

    # ----------------------------------------------------------------- inspection and housekeeping

    def outbox_rows(self, *, chat_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows as dicts, oldest first (for /stats details, the CLI and tests)."""
        query = select(outbox).order_by(outbox.c.id)
        if chat_id is not None:
            query = query.where(outbox.c.chat_id == chat_id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self._read("list outbox rows") as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def prune_outbox(self, older_than: dt.datetime) -> int:
        """Delete sent/failed/cancelled/digested rows created before ``older_than``. ``created``
        compares as text: give ``older_than`` in the zone the rows were created in."""
        stmt = delete(outbox).where(outbox.c.status.in_(DONE), outbox.c.created < older_than)
        with self._write("prune the outbox") as conn:
            return conn.execute(stmt).rowcount


def _heads() -> Any:
    """The first pending row of each chat (the only one that may be sent next)."""
    return select(func.min(outbox.c.id)).where(outbox.c.status == "pending").group_by(outbox.c.chat_id)


_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"))
    .values(status="sent", message_id=bindparam("message_id"), last_error=None, attempts=outbox.c.attempts + 1)
)


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

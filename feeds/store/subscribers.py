"""Chats and their subscriptions: one row per private chat, group or channel (language,
instant/digest mode, digest hour, active), and the (chat, topic) pairs. Which topics an article
belongs to and what a command does with a chat are decided in ``bot.delivery``; this part only
keeps the rows. Deleting or moving a chat takes its outbox rows along in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, update

from feeds.store.base import StoreBase, Transaction, chunks
from feeds.store.schema import OPEN, chats, outbox, subscriptions


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


@dataclass(frozen=True, slots=True)
class Stats:
    """Chats, active chats, active chats per topic, outbox rows per status."""

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


_CHAT_FIELDS = frozenset(f.name for f in dataclasses.fields(Chat)) - {"chat_id"}


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


class SubscriberStore(StoreBase):
    """The ``chats`` and ``subscriptions`` tables."""

    def get_chat(self, chat_id: int, *, tx: Transaction | None = None) -> Chat | None:
        with self._read(f"read chat {chat_id}", tx) as conn:
            row = conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one_or_none()
        return _chat(row) if row is not None else None

    def add_chats(self, new: Sequence[Chat], *, tx: Transaction | None = None) -> None:
        """Insert chats not stored yet (several at once: one statement)."""
        rows = [dataclasses.asdict(chat) for chat in new]
        with self._write("add chats", tx) as conn:
            if rows:
                conn.execute(insert(chats), rows)

    def update_chat(self, chat_id: int, *, tx: Transaction | None = None, **changes: Any) -> bool:
        """Change fields of a :class:`Chat` (``language="en"``, ``active=False`` ...). Returns False
        when the chat is not stored."""
        unknown = set(changes) - _CHAT_FIELDS
        if unknown:
            raise ValueError(f"update_chat: {', '.join(sorted(unknown))} is not a field of Chat")
        with self._write(f"update chat {chat_id}", tx) as conn:
            return conn.execute(update(chats).where(chats.c.chat_id == chat_id).values(**changes)).rowcount > 0

    def list_chats(
        self, *, active: bool | None = True, topic: str | None = None, subscribed: bool = False,
        tx: Transaction | None = None,
    ) -> list[Chat]:
        """Chats by id; ``topic``: only those subscribed to it; ``subscribed``: only those with a topic."""
        query = select(chats).order_by(chats.c.chat_id)
        if active is not None:
            query = query.where(chats.c.active == active)
        if topic is not None:
            query = query.where(
                exists().where(and_(subscriptions.c.chat_id == chats.c.chat_id, subscriptions.c.topic == topic))
            )
        if subscribed:
            query = query.where(exists().where(subscriptions.c.chat_id == chats.c.chat_id))
        with self._read("list chats", tx) as conn:
            return [_chat(row) for row in conn.execute(query)]

    def delete_chat(self, chat_id: int, *, tx: Transaction | None = None) -> None:
        """Delete the chat, its subscriptions and every outbox row addressed to it."""
        with self._write(f"delete chat {chat_id}", tx) as conn:
            conn.execute(delete(outbox).where(outbox.c.chat_id == chat_id))
            conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
            conn.execute(delete(chats).where(chats.c.chat_id == chat_id))

    def move_chat(self, old_id: int, new_id: int, *, tx: Transaction | None = None) -> None:
        """A group became a supergroup with a new id: move its chat row, topics and waiting outbox
        rows. When ``new_id`` is stored already the topics are merged into it; an alert the new
        chat already has is cancelled rather than sent twice."""
        with self._write(f"move chat {old_id} to {new_id}", tx) as conn:
            if conn.execute(select(chats.c.chat_id).where(chats.c.chat_id == new_id)).first() is None:
                conn.execute(update(chats).where(chats.c.chat_id == old_id).values(chat_id=new_id, type="supergroup"))
                conn.execute(update(subscriptions).where(subscriptions.c.chat_id == old_id).values(chat_id=new_id))
            else:
                _merge_topics(conn, old_id, new_id)
                conn.execute(delete(chats).where(chats.c.chat_id == old_id))
            _move_waiting_rows(conn, old_id, new_id)

    # ----------------------------------------------------------------- subscriptions

    def add_subscriptions(self, pairs: Iterable[tuple[int, str]], *, now: dt.datetime, tx: Transaction | None = None) -> int:
        """Add (chat, topic) subscriptions; those already there are left alone. Returns how many were added."""
        wanted = list(dict.fromkeys(pairs))
        with self._write("add subscriptions", tx) as conn:
            have: set[tuple[int, str]] = set()
            for chunk in chunks(sorted({chat_id for chat_id, _ in wanted})):
                query = select(subscriptions.c.chat_id, subscriptions.c.topic).where(subscriptions.c.chat_id.in_(chunk))
                have.update((row.chat_id, row.topic) for row in conn.execute(query))
            rows = [dict(chat_id=c, topic=t, created=now) for c, t in wanted if (c, t) not in have]
            if rows:
                conn.execute(insert(subscriptions), rows)
        return len(rows)

    def remove_subscriptions(self, chat_id: int, topic: str | None = None, *, tx: Transaction | None = None) -> int:
        """Remove one topic (``None``: every topic) of a chat. Returns the subscriptions removed."""
        stmt = delete(subscriptions).where(subscriptions.c.chat_id == chat_id)
        if topic is not None:
            stmt = stmt.where(subscriptions.c.topic == topic)
        with self._write(f"remove subscriptions of chat {chat_id}", tx) as conn:
            return conn.execute(stmt).rowcount

    def topics(self, chat_id: int, *, tx: Transaction | None = None) -> list[str]:
        """The chat's topics, sorted."""
        with self._read(f"read the topics of chat {chat_id}", tx) as conn:
            return _topics(conn, chat_id)

    def subscriber_stats(self) -> Stats:
        with self._read("count subscribers and deliveries") as conn:
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


def _topics(conn: Connection, chat_id: int) -> list[str]:
    query = select(subscriptions.c.topic).where(subscriptions.c.chat_id == chat_id).order_by(subscriptions.c.topic)
    return list(conn.execute(query).scalars())


def _merge_topics(conn: Connection, old_id: int, new_id: int) -> None:
    """Give ``new_id`` the topics of ``old_id`` it lacks, and drop ``old_id``'s."""
    have = set(_topics(conn, new_id))
    for row in conn.execute(select(subscriptions).where(subscriptions.c.chat_id == old_id)).all():
        if row.topic not in have:
            conn.execute(insert(subscriptions).values(chat_id=new_id, topic=row.topic, created=row.created))
    conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == old_id))


def _move_waiting_rows(conn: Connection, old_id: int, new_id: int) -> None:
    where = and_(outbox.c.chat_id == old_id, outbox.c.status.in_(OPEN))
    twin = outbox.alias("twin")
    duplicate = exists().where(
        and_(twin.c.chat_id == new_id, twin.c.article_id == outbox.c.article_id, twin.c.kind == outbox.c.kind)
    )
    conn.execute(update(outbox).where(where, duplicate).values(status="cancelled", last_error="chat migrated"))
    conn.execute(update(outbox).where(where).values(chat_id=new_id))

"""Subscribers: chats, their topics and settings, behind the ``Subscribers`` facade that the
handlers, the sender and the service use (the only SQL in ``bot`` lives here and in the modules
it delegates to).

- ``bot.subscriber_tables``: the tables, their migrations and the :class:`Chat` row type;
- ``bot.outbox``: fan-out, ready-made messages and the sender's queries;
- ``bot.digests``: which digest chats are due, and bundling their held alerts.

A change to a chat and to its waiting outbox rows commits in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, delete, exists, func, insert, literal, select, update

from bot.delivery import digests
from bot.delivery.outbox import Delivery, Outbox, Outcome, article_topics
from bot.subscriber_tables import (
    GROUP_TYPES,
    KINDS,
    MODES,
    OPEN,
    TOPICS,
    Chat,
    chat_from_row,
    chats,
    migrate,
    subscriptions,
)
from feeds.models import DEFAULT_TIMEZONE, StoredArticle
from feeds.store import Store

log = logging.getLogger(__name__)

__all__ = [
    "GROUP_TYPES", "KINDS", "MODES", "OPEN", "TOPICS",
    "Chat", "Delivery", "Outcome", "Stats", "Subscribers", "article_topics",
]


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
        self._outbox = Outbox(store, tz=self.tz, default_language=default_language)
        migrate(store)

    def _now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def _write(self) -> Any:
        return self._outbox.begin()

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
            return chat_from_row(conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one())

    def get_chat(self, chat_id: int) -> Chat | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(chats).where(chats.c.chat_id == chat_id)).one_or_none()
        return chat_from_row(row) if row is not None else None

    def list_chats(self, *, active: bool | None = True, topic: str | None = None) -> list[Chat]:
        query = select(chats).order_by(chats.c.chat_id)
        if active is not None:
            query = query.where(chats.c.active == active)
        if topic is not None:
            query = query.where(
                exists().where(and_(subscriptions.c.chat_id == chats.c.chat_id, subscriptions.c.topic == topic))
            )
        with self.store.engine.connect() as conn:
            return [chat_from_row(row) for row in conn.execute(query)]

    def _set(self, chat_id: int, **values: Any) -> None:
        with self._write() as conn:
            _update_known_chat(conn, chat_id, **values)

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
        # choosing a digest (or its hour) starts the count: the first one comes at the next such hour
        stamp = {"last_digest_at": self._now()} if mode == "digest" else {}
        with self._write() as conn:
            _update_known_chat(conn, chat_id, mode=mode, **stamp)
            self._outbox.switch_mode(conn, chat_id, mode)

    def deactivate(self, chat_id: int, reason: str) -> int:
        """The chat blocked or removed the bot: stop sending, cancel what waits. Returns rows cancelled."""
        with self._write() as conn:
            return self._deactivate(conn, chat_id, reason, cancel_reason=reason)

    def _deactivate(self, conn: Connection, chat_id: int, reason: str | None, *, cancel_reason: str) -> int:
        conn.execute(update(chats).where(chats.c.chat_id == chat_id).values(active=False, inactive_reason=reason))
        return self._outbox.cancel(conn, chat_id, cancel_reason, kinds=KINDS)

    def forget(self, chat_id: int) -> None:
        """/stop: delete every record of the chat."""
        with self._write() as conn:
            self._outbox.delete_chat(conn, chat_id)
            conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
            conn.execute(delete(chats).where(chats.c.chat_id == chat_id))
        log.info("forgot chat", extra={"chat": chat_id})

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: move its chat, topics and waiting rows."""
        with self._write() as conn:
            if conn.execute(select(chats.c.chat_id).where(chats.c.chat_id == new_id)).first() is None:
                conn.execute(update(chats).where(chats.c.chat_id == old_id).values(chat_id=new_id, type="supergroup"))
                conn.execute(update(subscriptions).where(subscriptions.c.chat_id == old_id).values(chat_id=new_id))
            else:  # the supergroup is known already (e.g. /subscribe sent there first): merge into it
                _merge_topics(conn, old_id, new_id)
                conn.execute(delete(chats).where(chats.c.chat_id == old_id))
            self._outbox.move_chat(conn, old_id, new_id)

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
            remaining = _topics(conn, chat_id)
            if not remaining:
                self._outbox.cancel(conn, chat_id, "unsubscribed", kinds=("alert", "digest"))
            else:
                self._outbox.cancel_unwanted(conn, chat_id, remaining)
            return removed

    def topics(self, chat_id: int) -> list[str]:
        with self.store.engine.connect() as conn:
            return _topics(conn, chat_id)

    # ----------------------------------------------------------------- the outbox (see bot.outbox)

    def fan_out(self, *, limit: int = 500) -> int:
        """Turn every article not fanned out yet into alert rows. Returns the rows created."""
        return self._outbox.fan_out(limit=limit)

    def enqueue_broadcast(self, text: str, admin: int) -> int:
        """An admin announcement (Telegram HTML) to every active chat with a subscription."""
        return self._outbox.enqueue_broadcast(text, admin)

    def enqueue_text(self, chat_ids: Iterable[int], text: str, *, kind: str = "admin") -> int:
        """Messages (Telegram HTML) to given chats, e.g. source health alerts to the admins."""
        return self._outbox.enqueue_text(chat_ids, text, kind=kind)

    def due_deliveries(self, now: float, *, limit: int) -> list[Delivery]:
        """The oldest pending row of each chat whose time has come, oldest first."""
        return self._outbox.due_deliveries(now, limit=limit)

    def next_due(self) -> float | None:
        """When the earliest pending row becomes due (Unix time), or None."""
        return self._outbox.next_due()

    def pending_count(self) -> int:
        return self._outbox.pending_count()

    def is_pending(self, delivery_id: int) -> bool:
        """Whether the outbox row still waits to be sent."""
        return self._outbox.is_pending(delivery_id)

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write delivery outcomes in one transaction (a blocked chat is also deactivated)."""
        now = self._now()
        with self._write() as conn:
            self._outbox.write_outcomes(conn, outcomes, now)
            for o in outcomes:
                if o.deactivate:
                    self._deactivate(conn, o.chat_id, o.error, cancel_reason=f"chat inactive: {o.error}")

    def outbox_rows(self, *, chat_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows as dicts, oldest first (for /stats details, the CLI and tests)."""
        return self._outbox.rows(chat_id=chat_id, status=status)

    def prune(self, older_than: dt.datetime) -> int:
        """Housekeeping: delete sent/failed/cancelled/digested rows created before ``older_than``."""
        return self._outbox.prune(older_than)

    # ----------------------------------------------------------------- digests (see bot.digests)

    def due_digests(self, now: dt.datetime) -> list[Chat]:
        """Active digest chats whose hour has come today (local time) and that have not had
        today's digest yet."""
        return digests.due_digests(self.list_chats(active=True), now, self.tz)

    def release_digest(
        self,
        chat: Chat,
        now: dt.datetime,
        render: Callable[[Sequence[tuple[StoredArticle, str]], str], list[str]] | None = None,
    ) -> int:
        """Bundle the chat's held alerts into digest messages (``render(items, lang)``, by
        default ``bot.messages.render_digest``), in one transaction. Returns messages queued."""
        return digests.release_digest(self._outbox, chat, now, source_name=self.source_name, render=render)

    def source_name(self, source_id: str) -> str:
        return self.source_names.get(source_id, source_id)

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
            by_status = self._outbox.count_by_status(conn)
        return Stats(chats=total, active=active, by_topic=by_topic, by_status=by_status)


def _update_known_chat(conn: Connection, chat_id: int, **values: Any) -> None:
    if conn.execute(update(chats).where(chats.c.chat_id == chat_id).values(**values)).rowcount == 0:
        raise KeyError(f"chat {chat_id} is not known; call upsert_chat first")


def _merge_topics(conn: Connection, old_id: int, new_id: int) -> None:
    """Give ``new_id`` the topics of ``old_id`` it lacks, and drop ``old_id``'s."""
    have = set(_topics(conn, new_id))
    for row in conn.execute(select(subscriptions).where(subscriptions.c.chat_id == old_id)).all():
        if row.topic not in have:
            conn.execute(insert(subscriptions).values(chat_id=new_id, topic=row.topic, created=row.created))
    conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == old_id))


def _topics(conn: Connection, chat_id: int) -> list[str]:
    query = select(subscriptions.c.topic).where(subscriptions.c.chat_id == chat_id).order_by(subscriptions.c.topic)
    return list(conn.execute(query).scalars())

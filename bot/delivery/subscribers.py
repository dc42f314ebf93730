"""Subscribers: chats, their topics and settings, behind the ``Subscribers`` facade that the
handlers, the sender and the service use. The rows live in the store (``feeds.store``); this
module holds the rules (defaults, validation, what a change does to the waiting alerts) and
calls store methods only.

- ``bot.delivery.outbox``: fan-out, ready-made messages, what a change does to waiting alerts;
- ``bot.delivery.digests``: which digest chats are due, and bundling their held alerts.

A change to a chat and to its waiting outbox rows commits in one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.delivery import digests
from bot.delivery.outbox import Delivery, Outbox, Outcome
from feeds.models import DEFAULT_TIMEZONE, StoredArticle
from feeds.present import TOPICS
from feeds.store import KINDS, MODES, OPEN, Chat, Stats, Store, Transaction

log = logging.getLogger(__name__)

GROUP_TYPES = frozenset({"group", "supergroup", "channel"})

__all__ = [
    "GROUP_TYPES", "KINDS", "MODES", "OPEN", "TOPICS",
    "Chat", "Delivery", "Outcome", "Stats", "Subscribers",
]


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
        self._outbox = Outbox(store, tz=self.tz)

    def _now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    # ----------------------------------------------------------------- chats

    def upsert_chat(
        self, chat_id: int, *, type: str = "private", title: str | None = None, language: str | None = None
    ) -> Chat:
        """Create the chat, or refresh its type/title and reactivate it. The language is only
        set on creation (the user may change it later)."""
        with self.store.transaction() as tx:
            known = self.store.get_chat(chat_id, tx=tx)
            if known is None:
                chat = Chat(chat_id=chat_id, type=type, title=title, language=language or self.default_language,
                            mode="instant", digest_hour=self.default_digest_hour, active=True, created=self._now())
                self.store.add_chats([chat], tx=tx)
            else:
                self.store.update_chat(chat_id, tx=tx, type=type, title=title or known.title, active=True,
                                       inactive_reason=None)
            stored = self.store.get_chat(chat_id, tx=tx)
        assert stored is not None
        return stored

    def get_chat(self, chat_id: int) -> Chat | None:
        return self.store.get_chat(chat_id)

    def list_chats(self, *, active: bool | None = True, topic: str | None = None) -> list[Chat]:
        return self.store.list_chats(active=active, topic=topic)

    def _set(self, chat_id: int, tx: Transaction | None = None, **values: Any) -> None:
        if not self.store.update_chat(chat_id, tx=tx, **values):
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
        # choosing a digest (or its hour) starts the count: the first one comes at the next such hour
        stamp = {"last_digest_at": self._now()} if mode == "digest" else {}
        with self.store.transaction() as tx:
            self._set(chat_id, tx, mode=mode, **stamp)
            self._outbox.switch_mode(tx, chat_id, mode)

    def deactivate(self, chat_id: int, reason: str) -> int:
        """The chat blocked or removed the bot: stop sending, cancel what waits. Returns rows cancelled."""
        with self.store.transaction() as tx:
            return self._deactivate(tx, chat_id, reason, cancel_reason=reason)

    def _deactivate(self, tx: Transaction, chat_id: int, reason: str | None, *, cancel_reason: str) -> int:
        self.store.update_chat(chat_id, tx=tx, active=False, inactive_reason=reason)
        return self.store.cancel_deliveries(chat_id, cancel_reason, kinds=KINDS, tx=tx)

    def forget(self, chat_id: int) -> None:
        """/stop: delete every record of the chat."""
        self.store.delete_chat(chat_id)
        log.info("forgot chat", extra={"chat": chat_id})

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: move its chat, topics and waiting rows."""
        self.store.move_chat(old_id, new_id)

    # ----------------------------------------------------------------- subscriptions

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Add a topic (the chat must exist). Returns False when it was already there."""
        return self.store.add_subscriptions([(chat_id, topic)], now=self._now()) == 1

    def unsubscribe(self, chat_id: int, topic: str) -> int:
        """Remove a topic ("all" removes every subscription) and cancel the chat's waiting
        alerts no remaining topic still asks for. Returns the subscriptions removed."""
        with self.store.transaction() as tx:
            removed = self.store.remove_subscriptions(chat_id, None if topic == "all" else topic, tx=tx)
            remaining = self.store.topics(chat_id, tx=tx)
            if not remaining:
                self.store.cancel_deliveries(chat_id, "unsubscribed", kinds=("alert", "digest"), tx=tx)
            else:
                self._outbox.cancel_unwanted(tx, chat_id, remaining)
            return removed

    def topics(self, chat_id: int) -> list[str]:
        return self.store.topics(chat_id)

    # ----------------------------------------------------------------- the outbox (see bot.delivery.outbox)

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
        """The oldest pending row of each chat whose time has come, oldest first; a row whose chat
        is gone is sent as its id suggests (private chats have positive ids) in the default language."""
        return [
            dataclasses.replace(
                row,
                chat_type=row.chat_type or ("private" if row.chat_id > 0 else "supergroup"),
                language=row.language or self.default_language,
            )
            for row in self.store.due_deliveries(now, limit=limit)
        ]

    def next_due(self) -> float | None:
        """When the earliest pending row becomes due (Unix time), or None."""
        return self.store.next_due()

    def pending_count(self) -> int:
        return self.store.pending_count()

    def is_pending(self, delivery_id: int) -> bool:
        """Whether the outbox row still waits to be sent."""
        return self.store.is_pending(delivery_id)

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write delivery outcomes in one transaction (a blocked chat is also deactivated)."""
        with self.store.transaction() as tx:
            self.store.record_outcomes(outcomes, now=self._now(), tx=tx)
            for o in outcomes:
                if o.deactivate:
                    self._deactivate(tx, o.chat_id, o.error, cancel_reason=f"chat inactive: {o.error}")

    def outbox_rows(self, *, chat_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows as dicts, oldest first (for /stats details, the CLI and tests)."""
        return self.store.outbox_rows(chat_id=chat_id, status=status)

    def prune(self, older_than: dt.datetime) -> int:
        """Housekeeping: delete sent/failed/cancelled/digested rows created before ``older_than``."""
        return self.store.prune_outbox(older_than.astimezone(self.tz))  # created is stored in self.tz

    # ----------------------------------------------------------------- digests (see bot.delivery.digests)

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
        default ``bot.texts.messages.render_digest``), in one transaction. Returns messages queued."""
        return digests.release_digest(self._outbox, chat, now, source_name=self.source_name, render=render)

    def source_name(self, source_id: str) -> str:
        return self.source_names.get(source_id, source_id)

    # ----------------------------------------------------------------- inspection

    def stats(self) -> Stats:
        return self.store.subscriber_stats()

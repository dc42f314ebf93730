"""Who gets what: fan-out of new articles into alert rows (by ``feeds.present.article_topics``),
ready-made messages, and what happens to a chat's waiting alerts when its topics or mode change.
The rows themselves are kept by the store (``feeds.store.outbox``); nothing here writes SQL.

Fan-out runs inside ``Store.fan_out``'s transaction, so an article is marked fanned out exactly
when its outbox rows exist. Methods taking a ``tx`` join the caller's transaction
(``Store.transaction()``), so a change to a chat and to its waiting rows commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from feeds.models import StoredArticle
from feeds.present import article_topics, topics_of
from feeds.store import Delivery, Outcome, Store, Transaction

log = logging.getLogger(__name__)

__all__ = ["Delivery", "Outbox", "Outcome"]


class Outbox:
    """The delivery rules over ``store``'s outbox; ``tz`` is the zone its datetimes are stored in."""

    def __init__(self, store: Store, *, tz: ZoneInfo) -> None:
        self.store = store
        self.tz = tz

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    # ----------------------------------------------------------------- fan-out and enqueueing

    def fan_out(self, *, limit: int = 500) -> int:
        """Turn every article the store has not fanned out yet into outbox rows, in the store's
        transaction. Returns the number of rows created."""
        created = 0

        def plan(tx: Transaction, pending: Sequence[StoredArticle]) -> None:
            nonlocal created
            for stored in pending:
                created += self.store.queue_alerts(stored.id, article_topics(stored.article), now=self.now(), tx=tx)

        while self.store.fan_out(plan, limit=limit):
            pass
        if created:
            log.info("queued alerts", extra={"count": created})
        return created

    def enqueue_broadcast(self, text: str, admin: int) -> int:
        """An admin announcement (Telegram HTML) to every active chat with a subscription."""
        with self.store.transaction() as tx:
            targets = [chat.chat_id for chat in self.store.list_chats(active=True, subscribed=True, tx=tx)]
            self.store.enqueue([(c, text) for c in targets], "broadcast", now=self.now(), tx=tx)
        log.info("queued broadcast", extra={"admin": admin, "count": len(targets)})
        return len(targets)

    def enqueue_text(self, chat_ids: Iterable[int], text: str, *, kind: str = "admin") -> int:
        """Messages (Telegram HTML) to given chats, e.g. source health alerts to the admins."""
        return self.store.enqueue([(c, text) for c in chat_ids], kind, now=self.now())

    # ----------------------------------------------------------------- a chat's waiting rows

    def cancel_unwanted(self, tx: Transaction, chat_id: int, remaining: Sequence[str]) -> None:
        """Cancel the chat's waiting alerts whose article has none of the ``remaining`` topics."""
        wanted = set(remaining)
        unwanted = [
            alert.id
            for alert in self.store.waiting_alerts(chat_id, tx=tx)
            if alert.source_id is not None  # an alert whose article is gone is left as it is
            and not wanted.intersection(topics_of(alert.source_id, has_events=alert.has_events,
                                                  has_recommendations=alert.has_recommendations))
        ]
        if unwanted:
            self.store.cancel_rows(unwanted, "unsubscribed", tx=tx)

    def switch_mode(self, tx: Transaction, chat_id: int, mode: str) -> None:
        """Digest mode holds the chat's pending alerts; instant mode releases its held ones."""
        before, after = ("pending", "held") if mode == "digest" else ("held", "pending")
        self.store.move_alerts(chat_id, from_status=before, to_status=after, now=self.now(), tx=tx)

"""The only owner of the database: one :class:`Store`, composed of one part per entity.

=================  =====================================================================
``base``           engine, transactions (``Store.transaction()`` + ``tx=``), errors, migrations
``schema``         every table, its types and migrations, versioned per component
``articles``       articles and URL aliases; the fan-out transaction
``listings``       conditional-GET validators and listing digests
``health``         source health
``subscribers``    chats and subscriptions
``outbox``         deliveries: queued alerts and messages, the sender's queries, outcomes
``serialize``      plain-JSON forms of the extraction (the ``articles.extraction`` column)
=================  =====================================================================

Nothing outside this package imports SQLAlchemy: ``bot`` and ``feeds`` call methods, and every
database failure reaches them as :class:`feeds.errors.StoreError` with a message that says what
to check.
"""

from __future__ import annotations

from feeds.store.articles import ArticleStore, Plan, content_hash
from feeds.store.base import BUSY_TIMEOUT_MS, DB_FILENAME, Transaction, database_url, make_engine
from feeds.store.health import HealthStore, next_health
from feeds.store.listings import ListingStore
from feeds.store.outbox import Delivery, Outcome, OutboxStore, WaitingAlert
from feeds.store.schema import DONE, KINDS, MODES, OPEN
from feeds.store.subscribers import Chat, Stats, SubscriberStore

__all__ = [
    "BUSY_TIMEOUT_MS", "DB_FILENAME", "DONE", "KINDS", "MODES", "OPEN",
    "Chat", "Delivery", "Outcome", "Plan", "Stats", "Store", "Transaction", "WaitingAlert",
    "content_hash", "database_url", "next_health",
]


class Store(ArticleStore, ListingStore, HealthStore, SubscriberStore, OutboxStore):
    """Articles, listings, source health, subscribers and the outbox in one database."""

    @classmethod
    def open(cls, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
        """Connect to ``url`` and bring every schema component up to date."""
        store = cls(make_engine(url, busy_timeout_ms=busy_timeout_ms))
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    def __enter__(self) -> Store:
        return self

"""Every public store method, against a locked and an unreachable database, fails as ``StoreError``
with a message that names the database and what to check (lemon24/reader's ``test_errors_locked``
is the model). A new public method without a row below fails ``test_every_public_method_is_listed``."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from feeds.errors import StoreError
from feeds.models import Extraction, RefreshResult, Validators
from feeds.store import Chat, Outcome, Store, database_url
from feeds.store.schema import FEEDS_MIGRATIONS
from tests.support.factories import make_article

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
CHAT = Chat(chat_id=7, type="private", title=None, language="vi", mode="instant", digest_hour=8, active=True, created=NOW)
SHORT_BUSY_MS = 50  # a locked database fails after this wait instead of the service's 30 s


def _transaction(store: Store) -> None:
    with store.transaction():
        pass


# name -> (call, writes): ``writes`` methods need the write lock; the others only read.
CALLS: dict[str, tuple[Callable[[Store], Any], bool]] = {
    # base
    "open": (lambda s: Store.open(s._where, busy_timeout_ms=SHORT_BUSY_MS).close(), True),
    "transaction": (_transaction, True),
    "in_transaction": (lambda s: s.in_transaction(lambda tx: s.set_validators("https://vncpc.org/", Validators(), tx=tx)),
                       True),
    "migrate": (lambda s: s.migrate(), True),
    "migrate_component": (lambda s: s.migrate_component("feeds", FEEDS_MIGRATIONS), True),
    "schema_version": (lambda s: s.schema_version("feeds"), False),
    "vacuum": (lambda s: s.vacuum(), True),
    # articles
    "known_urls": (lambda s: s.known_urls([make_article(1).url]), False),
    "add_aliases": (lambda s: s.add_aliases({"https://vncpc.org/a": make_article(1).url}), True),
    "upsert_articles": (lambda s: s.upsert_articles("vncpc-vi", [make_article(9)], now=NOW), True),
    "articles": (lambda s: s.articles(), False),
    "get_article": (lambda s: s.get_article(1), False),
    "replace_extraction": (lambda s: s.replace_extraction(1, Extraction()), True),
    "replace_dating": (lambda s: s.replace_dating(1, make_article(1)), True),
    "upcoming_events": (lambda s: s.upcoming_events(NOW.date(), 10), False),
    "fan_out": (lambda s: s.fan_out(lambda tx, batch: None), True),
    # listings
    "get_validators": (lambda s: s.get_validators("https://vncpc.org/tin-tuc/"), False),
    "set_validators": (lambda s: s.set_validators("https://vncpc.org/tin-tuc/", Validators(etag='"x"')), True),
    "set_many_validators": (lambda s: s.set_many_validators({"https://vncpc.org/": Validators()}), True),
    "get_listing_digest": (lambda s: s.get_listing_digest("https://vncpc.org/tin-tuc/"), False),
    "set_listing_digest": (lambda s: s.set_listing_digest("https://vncpc.org/tin-tuc/", "d" * 64), True),
    # health
    "record_run": (lambda s: s.record_run("vncpc-vi", RefreshResult("vncpc-vi"), now=NOW), True),
    "set_paused": (lambda s: s.set_paused("vncpc-vi", True), True),
    "source_health": (lambda s: s.source_health("vncpc-vi"), False),
    "health": (lambda s: s.health(), False),
    # subscribers
    "get_chat": (lambda s: s.get_chat(7), False),
    "add_chats": (lambda s: s.add_chats([CHAT]), True),
    "update_chat": (lambda s: s.update_chat(7, language="en"), True),
    "list_chats": (lambda s: s.list_chats(), False),
    "delete_chat": (lambda s: s.delete_chat(7), True),
    "move_chat": (lambda s: s.move_chat(7, 8), True),
    "add_subscriptions": (lambda s: s.add_subscriptions([(7, "all")], now=NOW), True),
    "remove_subscriptions": (lambda s: s.remove_subscriptions(7, "all"), True),
    "topics": (lambda s: s.topics(7), False),
    "subscriber_stats": (lambda s: s.subscriber_stats(), False),
    # outbox
    "queue_alerts": (lambda s: s.queue_alerts(1, ["all"], now=NOW), True),
    "enqueue": (lambda s: s.enqueue([(7, "xin chào")], "admin", now=NOW), True),
    "cancel_deliveries": (lambda s: s.cancel_deliveries(7, "test"), True),
    "cancel_rows": (lambda s: s.cancel_rows([1], "test"), True),
    "waiting_alerts": (lambda s: s.waiting_alerts(7), False),
    "move_alerts": (lambda s: s.move_alerts(7, from_status="pending", to_status="held", now=NOW), True),
    "mark_digested": (lambda s: s.mark_digested([1], now=NOW), True),
    "due_deliveries": (lambda s: s.due_deliveries(NOW.timestamp(), limit=10), False),
    "next_due": (lambda s: s.next_due(), False),
    "is_pending": (lambda s: s.is_pending(1), False),
    "pending_count": (lambda s: s.pending_count(), False),
    "record_outcomes": (lambda s: s.record_outcomes([Outcome(1, 7, "sent", message_id=3)], now=NOW), True),
    "outbox_rows": (lambda s: s.outbox_rows(), False),
    "prune_outbox": (lambda s: s.prune_outbox(NOW), True),
}
NOT_DATABASE = {"close"}  # releases connections; touches no table


def test_every_public_method_is_listed() -> None:
    public = {name for name in dir(Store) if not name.startswith("_") and callable(getattr(Store, name))}
    assert public - NOT_DATABASE == set(CALLS)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A database with one article, one chat with a topic and one queued alert."""
    folder = tmp_path / "data"
    with Store.open(database_url(folder)) as store:
        store.upsert_articles("vncpc-vi", [make_article(1)], now=NOW)
        store.add_chats([CHAT])
        store.add_subscriptions([(7, "all")], now=NOW)
        store.enqueue([(7, "xin chào")], "admin", now=NOW)
    return folder


@contextmanager
def _held(db: Path, *, exclusive_mode: bool) -> Iterator[None]:
    """Another connection holding the write lock (``BEGIN EXCLUSIVE``); with ``exclusive_mode``
    it also keeps readers out, as a process in ``PRAGMA locking_mode = EXCLUSIVE`` does."""
    holder = sqlite3.connect(db, isolation_level=None, timeout=5)
    try:
        if exclusive_mode:
            holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
    finally:
        holder.close()


def _open(data_dir: Path) -> Store:
    return Store.open(database_url(data_dir), busy_timeout_ms=SHORT_BUSY_MS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_locked_database(data_dir: Path, name: str) -> None:
    call, writes = CALLS[name]
    store = _open(data_dir)
    store.close()  # every call below takes a fresh connection
    try:
        with _held(data_dir / "feedbot.db", exclusive_mode=False):
            if writes:
                with pytest.raises(StoreError) as info:
                    call(store)
                _says(info.value, "database is locked", "another process holds the database's write lock")
            else:
                call(store)  # WAL: readers never wait for a writer
        store.close()  # exclusive locking mode needs every other connection gone
        with _held(data_dir / "feedbot.db", exclusive_mode=True), pytest.raises(StoreError) as info:
            call(store)
        _says(info.value, "database is locked", "another process holds the database's write lock")
    finally:
        store.close()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_unreachable_database(data_dir: Path, name: str) -> None:
    call, _writes = CALLS[name]
    store = _open(data_dir)
    store.close()
    shutil.rmtree(data_dir)  # the folder was removed (or a network mount went away)
    with pytest.raises(StoreError) as info:
        call(store)
    _says(info.value, "unable to open database file", "check that the database's folder exists")


def _says(error: StoreError, cause: str, hint: str) -> None:
    message = str(error)
    assert message.startswith("store: unable to "), message
    assert cause in message and hint in message, message
    assert "feedbot.db" in message, message  # names the database

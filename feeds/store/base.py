"""The part every other part of the store stands on: the engine, transactions, errors, migrations.

SQLAlchemy Core over SQLite by default (WAL, foreign keys, busy timeout), any database URL in
principle (the column types are portable). A method without ``tx`` takes one pooled connection
and one transaction, so the store can be shared by the scrape worker thread and the event loop.
:meth:`StoreBase.transaction` opens a write transaction that several methods join (``tx=``):
their changes commit together or not at all. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing.

Every database failure leaves a method as :class:`feeds.errors.StoreError`, worded
"store: unable to <action> (<cause>: <database URL without password>) — <what to check>".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from feeds.errors import StoreError
from feeds.store.schema import COMPONENTS, Step, schema_versions

log = logging.getLogger(__name__)

DB_FILENAME = "feedbot.db"
BUSY_TIMEOUT_MS = 30_000
_CHUNK = 500  # bound parameters per IN (...) list, well under SQLite's limit

_HINTS = (  # (words in the driver's message, what the operator should check)
    (("locked", "busy"), "another process holds the database's write lock; check that only one feedbot "
                         "(or sqlite3 shell) writes to it, then retry"),
    (("unable to open",), "check that the database's folder exists and that this user may write in it"),
    (("readonly", "read-only"), "check the permissions of the database file and of its folder"),
    (("disk is full", "no space"), "the disk holding the database is full; free some space, then retry"),
    (("disk i/o",), "reading or writing the database file failed; check that its disk has free space and is "
                    "healthy, then retry"),
    (("malformed", "not a database"), "the file is damaged or not a database; restore it from a backup"),
)
_DEFAULT_HINT = "check that the database exists, is reachable and writable, and is not corrupt"

T = TypeVar("T")


def database_url(data_dir: Path) -> str:
    """The SQLite URL of ``<data_dir>/feedbot.db``; creates the folder."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"store: unable to create the data folder {data_dir} ({exc}) — check --data-dir "
                         "and its permissions") from exc
    return f"sqlite:///{(data_dir / DB_FILENAME).resolve()}"


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``items`` in slices small enough for one ``IN (...)`` list."""
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _sqlite_events(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("feedbot_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url`` (SQLite gets WAL, foreign keys, the busy timeout and ``BEGIN IMMEDIATE``
    writers); nothing is connected yet."""
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"store: database URL {url!r} is not usable ({exc}) — expected e.g. sqlite:////path/to/feedbot.db"
        ) from exc
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine, busy_timeout_ms)
    return engine


class Transaction:
    """An open write transaction (:meth:`StoreBase.transaction`). Pass it as ``tx=`` to store
    methods so that their changes commit together; it is opaque outside the store."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn


class StoreBase:
    """The engine, transactions, error wording and schema versions shared by the store's parts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine  # for tests that instrument the database; everything else uses methods
        self._writer = engine.execution_options(feedbot_begin="IMMEDIATE")
        self._where = engine.url.render_as_string(hide_password=True)
        self._driver_error: Any = getattr(engine.dialect, "loaded_dbapi", None)
        self._driver_error = getattr(self._driver_error, "Error", ())

    def close(self) -> None:
        """Close the pooled connections (the store opens new ones if it is used again)."""
        self.engine.dispose()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def transaction(self, action: str = "run a write transaction") -> Iterator[Transaction]:
        """A write transaction: commits when the block ends, rolls back if it raises. ``action``
        words its errors ("store: unable to <action> ...")."""
        with self._write(action) as conn:
            yield Transaction(conn)

    def in_transaction(self, work: Callable[[Transaction], T], *, action: str = "run a write transaction") -> T:
        """``work(tx)`` in one write transaction (it passes ``tx=tx`` to the methods it calls), run
        once more if a concurrent writer inserted the same row first (a unique-key conflict on
        PostgreSQL; the second run sees that row). Returns what ``work`` returns; ``work`` must
        change nothing but the database, since it may run twice."""
        for attempt in (1, 2):
            try:
                with self.transaction(action) as tx:
                    return work(tx)
            except StoreError as exc:
                if attempt == 2 or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def _read(self, action: str, tx: Transaction | None = None) -> Iterator[Connection]:
        if tx is not None:
            with self._errors(action):
                yield tx._conn
            return
        with self._errors(action), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, action: str, tx: Transaction | None = None) -> Iterator[Connection]:
        if tx is not None:
            with self._errors(action):
                yield tx._conn
            return
        with self._errors(action), self._writer.begin() as conn:
            yield conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise self._error(action, exc, isinstance(exc, DBAPIError)) from exc
        except self._driver_error as exc:  # raw driver calls (VACUUM)
            raise self._error(action, exc, True) from exc

    def _error(self, action: str, exc: BaseException, from_database: bool) -> StoreError:
        cause = str(getattr(exc, "orig", None) or exc).strip()
        if not from_database:  # e.g. a naive datetime refused before reaching the database
            return StoreError(f"store: unable to {action} ({cause}: {self._where})")
        folded = cause.lower()
        hint = next((h for words, h in _HINTS if any(w in folded for w in words)), _DEFAULT_HINT)
        return StoreError(f"store: unable to {action} ({cause}: {self._where}) — {hint}")

    # ----------------------------------------------------------------- schema

    def migrate(self) -> None:
        """Bring every component's schema up to date."""
        for name, steps in COMPONENTS:
            self.migrate_component(name, steps)

    def migrate_component(self, name: str, steps: Sequence[Step]) -> int:
        """Apply the steps of ``name`` not applied yet, in order, in one transaction.
        Returns the component's schema version."""
        with self._write(f"migrate the schema of {name!r}") as conn:
            schema_versions.create(conn, checkfirst=True)
            query = select(schema_versions.c.version).where(schema_versions.c.component == name)
            current = conn.execute(query).scalar_one_or_none() or 0
            if current > len(steps):
                raise StoreError(
                    f"store: unable to use {self._where}: the schema of {name!r} is at version {current} but "
                    f"this feedbot knows {len(steps)} — upgrade feedbot or use a matching database"
                )
            for version in range(current + 1, len(steps) + 1):
                steps[version - 1](conn)
                log.info("migrated schema component=%s version=%d", name, version)
            if current == 0 and steps:
                conn.execute(insert(schema_versions).values(component=name, version=len(steps)))
            elif current < len(steps):
                conn.execute(
                    update(schema_versions).where(schema_versions.c.component == name).values(version=len(steps))
                )
        return len(steps)

    def schema_version(self, name: str) -> int:
        with self._read(f"read the schema version of {name!r}") as conn:
            query = select(schema_versions.c.version).where(schema_versions.c.component == name)
            return conn.execute(query).scalar_one_or_none() or 0

    # ----------------------------------------------------------------- maintenance

    def vacuum(self, *, full: bool = True) -> str:
        """SQLite: ``PRAGMA optimize``, and with ``full`` ``VACUUM`` plus a WAL checkpoint. Other
        databases run their own maintenance (PostgreSQL's autovacuum): nothing is done there.
        Returns what was done."""
        if self.engine.dialect.name != "sqlite":
            return "nothing (not SQLite)"
        with self._errors("compact the database"):
            raw = self.engine.raw_connection()
            try:
                conn = raw.driver_connection  # sqlite3 in autocommit mode: VACUUM needs no open transaction
                conn.execute("PRAGMA optimize")
                if full:
                    conn.execute("VACUUM")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return "optimize + vacuum" if full else "optimize"

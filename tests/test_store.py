"""feeds.store on real SQLite files in tmp_path."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from feeds.errors import StoreError
from feeds.models import (
    DatePrecision,
    Event,
    EventKind,
    EventStatus,
    Extraction,
    Language,
    Recommendation,
    RefreshResult,
    StoredArticle,
    Validators,
)
from feeds.store.serialize import extraction_from_json, extraction_to_json
from feeds.store import Store, Transaction, database_url, make_engine
from feeds.store.schema import FEEDS_MIGRATIONS
from tests.support.factories import make_article

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)

EVENT = Event(
    name="Hội thảo Hiệu quả năng lượng trong ngành dệt may",
    kind=EventKind.WORKSHOP,
    start=dt.date(2026, 4, 8),
    end=dt.date(2026, 4, 9),
    precision=DatePrecision.DAY,
    year_inferred=True,
    time_of_day=dt.time(8, 30),
    location="Khách sạn Sông Hàn, TP Đà Nẵng",
    province="Đà Nẵng",
    organizers=("Trung tâm Sản xuất sạch Việt Nam", "Sở Công Thương Đà Nẵng"),
    participants=120,
    status=EventStatus.UPCOMING,
    evidence=(("date", "Hội thảo sẽ diễn ra trong 2 ngày 8 và 9/4."), ("participants", "Khoảng 120 đại biểu.")),
)
RECOMMENDATIONS = (
    Recommendation(index=1, text="Tăng cường kiểm toán năng lượng.", label="1."),
    Recommendation(
        index=2,
        text="Hỗ trợ doanh nghiệp nhỏ:",
        sub_items=("Vốn vay ưu đãi", "Tư vấn kỹ thuật miễn phí"),
        label="2.",
    ),
)
EXTRACTION = Extraction(events=(EVENT,), recommendations=RECOMMENDATIONS, summary="Hội thảo bàn về tiết kiệm điện.")


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(database_url(tmp_path / "data")) as s:
        yield s


def test_database_url_creates_the_folder(tmp_path: Path) -> None:
    url = database_url(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    assert url == f"sqlite:///{tmp_path.resolve()}/a/b/feedbot.db"


def test_sqlite_pragmas(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_bad_url_names_the_url() -> None:
    with pytest.raises(StoreError, match="nosuchdb://x"):
        Store.open("nosuchdb://x")


def test_reopen_persists(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    with Store.open(url) as first:
        first.upsert_articles("vncpc-vi", [make_article(1)], now=T0)
        first.set_validators("https://vncpc.org/tin-tuc/", Validators(etag='"abc"'))
    with Store.open(url) as second:
        [stored] = second.articles()
        assert stored.article == make_article(1)
        assert stored.first_seen == T0
        assert second.get_validators("https://vncpc.org/tin-tuc/") == Validators(etag='"abc"')


def test_vacuum_compacts_sqlite_and_keeps_the_rows(tmp_path: Path) -> None:
    with Store.open(database_url(tmp_path)) as store:
        store.upsert_articles("vncpc-vi", [make_article(n) for n in range(1, 4)], now=T0)
        assert store.vacuum(full=False) == "optimize"
        assert store.vacuum() == "optimize + vacuum"
        wal = tmp_path / "feedbot.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
        assert len(store.articles(limit=None)) == 3


def test_upsert_new_changed_unchanged(store: Store) -> None:
    first = store.upsert_articles("vncpc-vi", [make_article(1), make_article(2)], now=T0)
    assert [s.article.url for s in first.new] == [make_article(1).url, make_article(2).url]
    assert first.changed == () and first.unchanged == 0

    later = T0 + dt.timedelta(hours=1)
    edited = make_article(2, body_html="<p>Nhà máy số 2 giảm 20% lượng nước.</p>")
    second = store.upsert_articles("vncpc-vi", [make_article(1), edited, make_article(3)], now=later)
    assert [s.article.url for s in second.new] == [make_article(3).url]
    assert [s.article for s in second.changed] == [edited]
    assert second.unchanged == 1

    changed = second.changed[0]
    assert changed.id == first.new[1].id
    assert changed.first_seen == T0 and changed.updated == later
    assert len(store.articles()) == 3  # never duplicated
    assert store.source_health("vncpc-vi").article_count == 3


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Tiêu đề đã sửa"},
        {"body_html": "<p>Nội dung đã sửa</p>"},
        {"published": dt.datetime(2025, 12, 1, 9, 0, tzinfo=VN)},
        {"author": "Ban biên tập"},
        {"categories": ("Tin tức", "Sự kiện")},
    ],
)
def test_each_hashed_field_counts_as_a_change(store: Store, change: dict) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1)], now=T0)
    result = store.upsert_articles("vncpc-vi", [make_article(1, **change)], now=T0)
    assert len(result.changed) == 1 and result.new == ()


def test_extraction_only_difference_is_unchanged(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1)], now=T0)
    result = store.upsert_articles("vncpc-vi", [make_article(1, extraction=EXTRACTION)], now=T0)
    assert result.unchanged == 1


def test_duplicate_urls_in_one_batch_are_stored_once(store: Store) -> None:
    result = store.upsert_articles("vncpc-vi", [make_article(1), make_article(1)], now=T0)
    assert len(result.new) == 1 and len(store.articles()) == 1


def test_known_urls(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(n) for n in range(3)], now=T0)
    asked = [make_article(n).url for n in range(1200)]  # more than one IN (...) chunk
    assert store.known_urls(asked) == {make_article(n).url for n in range(3)}
    assert store.known_urls([]) == set()


def test_articles_newest_first_with_filters(store: Store) -> None:
    other = make_article(9, url="https://vncpc.org/en/news/item-9/", source_id="vncpc-en", language=Language.EN)
    batch = [make_article(1), make_article(3, extraction=EXTRACTION), make_article(2)]
    store.upsert_articles("vncpc-vi", batch, now=T0)
    store.upsert_articles("vncpc-en", [other], now=T0)
    assert [s.article.url for s in store.articles(limit=2)] == [other.url, make_article(3).url]
    assert [s.article.title for s in store.articles(source_id="vncpc-vi")] == [
        make_article(n).title for n in (3, 2, 1)
    ]
    assert [s.article.url for s in store.articles(with_events=True)] == [make_article(3).url]
    assert len(store.articles(with_recommendations=False)) == 3
    assert store.articles(source_id="vncpc-en")[0].article.language is Language.EN


def test_datetimes_come_back_aware_with_their_offset(store: Store) -> None:
    modified = dt.datetime(2026, 1, 5, 10, 0, tzinfo=VN)
    store.upsert_articles("vncpc-vi", [make_article(1, modified=modified)], now=T0)
    [stored] = store.articles()
    assert stored.article.published.utcoffset() == dt.timedelta(hours=7)
    assert stored.article.modified == modified
    assert stored.first_seen.tzinfo is not None


def test_naive_datetime_fails_and_keeps_stored_rows(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1)], now=T0)
    naive = make_article(3, published=dt.datetime(2026, 1, 1, 8, 0))
    with pytest.raises((StoreError, ValueError), match="naive"):
        store.upsert_articles("vncpc-vi", [make_article(2), naive], now=T0)
    assert [s.article.url for s in store.articles()] == [make_article(1).url]  # article 2 rolled back


def test_extraction_round_trip(store: Store) -> None:
    assert extraction_from_json(extraction_to_json(EXTRACTION)) == EXTRACTION
    assert extraction_from_json(None) == Extraction()
    result = store.upsert_articles("vncpc-vi", [make_article(1, extraction=EXTRACTION)], now=T0)
    stored = store.get_article(result.new[0].id)
    assert stored is not None and stored.article.extraction == EXTRACTION
    assert stored.article.extraction.events[0].time_of_day == dt.time(8, 30)
    assert store.get_article(9999) is None


def test_replace_extraction_keeps_content_and_updated(store: Store) -> None:
    [stored] = store.upsert_articles("vncpc-vi", [make_article(1)], now=T0).new
    store.replace_extraction(stored.id, EXTRACTION)
    again = store.get_article(stored.id)
    assert again is not None
    assert again.article.extraction == EXTRACTION and again.updated == stored.updated
    assert again.content_hash == stored.content_hash
    assert [s.id for s in store.articles(with_recommendations=True)] == [stored.id]
    with pytest.raises(StoreError, match="no article with id 424242"):
        store.replace_extraction(424242, EXTRACTION)


def test_upcoming_events(store: Store) -> None:
    past = replace(EVENT, name="Lễ ra mắt dự án", start=dt.date(2026, 2, 1), end=None)
    month = replace(EVENT, name="Khóa tập huấn tháng 4", start=dt.date(2026, 4, 1), end=None,
                    precision=DatePrecision.MONTH)
    undated = replace(EVENT, name="Diễn đàn chưa có ngày", start=None, end=None)
    extraction = Extraction(events=(EVENT, past, month, undated))
    store.upsert_articles("vncpc-vi", [make_article(1, extraction=extraction)], now=T0)
    found = store.upcoming_events(dt.date(2026, 4, 9), limit=10)
    assert [ev.name for _, ev in found] == ["Khóa tập huấn tháng 4", EVENT.name]
    assert [ev.name for _, ev in store.upcoming_events(dt.date(2026, 4, 10), limit=10)] == ["Khóa tập huấn tháng 4"]
    assert store.upcoming_events(dt.date(2026, 5, 1), limit=10) == []
    assert len(store.upcoming_events(dt.date(2026, 1, 1), limit=1)) == 1


def test_validators(store: Store) -> None:
    url = "https://vncpc.org/tin-tuc/"
    assert store.get_validators(url) == Validators()
    store.set_validators(url, Validators(etag='W/"1"', last_modified="Mon, 02 Mar 2026 01:00:00 GMT"))
    store.set_validators(url, Validators(etag='W/"2"'))
    assert store.get_validators(url) == Validators(etag='W/"2"')


def test_record_run_sequence(store: Store) -> None:
    times = [T0 + dt.timedelta(minutes=30 * i) for i in range(6)]
    ok = RefreshResult("vncpc-vi", pages_fetched=2)
    down = RefreshResult("vncpc-vi", error="fetch https://vncpc.org/: HTTP 503")
    broken = RefreshResult("vncpc-vi", pages_fetched=1, broken_reason="listing selector '.news-item' matched nothing")

    health = store.record_run("vncpc-vi", ok, now=times[0])
    assert health.last_success == times[0] and health.consecutive_failures == 0
    assert dict(health.last_counts)["pages"] == 2

    store.record_run("vncpc-vi", down, now=times[1])
    health = store.record_run("vncpc-vi", broken, now=times[2])
    assert health.consecutive_failures == 2 and health.broken_since == times[2]
    assert health.last_error == broken.broken_reason and health.last_success == times[0]

    health = store.record_run("vncpc-vi", broken, now=times[3])
    assert health.broken_since == times[2]  # kept from the first broken run
    health = store.record_run("vncpc-vi", down, now=times[4])
    assert health.broken and health.consecutive_failures == 4 and health.last_error == down.error

    health = store.record_run("vncpc-vi", ok, now=times[5])
    assert not health.broken and health.broken_since is None and health.last_error is None
    assert health.consecutive_failures == 0 and health.last_run == times[5]
    assert store.source_health("vncpc-vi") == health


def test_paused_survives_runs_and_health_lists_sources(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1), make_article(2)], now=T0)
    store.set_paused("vncpc-vi", True)
    store.record_run("vncpc-vi", RefreshResult("vncpc-vi"), now=T0)
    store.record_run("vncpc-en", RefreshResult("vncpc-en", error="robots.txt disallows /en/"), now=T0)
    health = store.health()
    assert [h.source_id for h in health] == ["vncpc-en", "vncpc-vi"]
    assert health[1].paused and health[1].article_count == 2
    assert health[0].consecutive_failures == 1 and health[0].article_count == 0
    assert store.source_health("never-ran").last_run is None


# --------------------------------------------------------------------------- fan-out

def _queued(store: Store) -> list[str]:
    """The texts the fan-out plans below queued (one admin message per article, to chat 1)."""
    return [row["text"] for row in store.outbox_rows()]


def _queue_each(store: Store, calls: list[list[StoredArticle]]):
    def plan(tx: Transaction, batch: Sequence[StoredArticle]) -> None:
        calls.append(list(batch))
        store.enqueue([(1, f"article {a.id}") for a in batch], "admin", now=T0, tx=tx)

    return plan


def test_seed_articles_are_never_fanned_out(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1)], now=T0, seed=True)
    calls: list[list[StoredArticle]] = []
    assert store.fan_out(_queue_each(store, calls)) == 0
    assert calls == [] and _queued(store) == []


def test_fan_out_calls_plan_once_oldest_first_and_marks(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(0)], now=T0, seed=True)
    new = store.upsert_articles("vncpc-vi", [make_article(3), make_article(1), make_article(2)], now=T0).new
    calls: list[list[StoredArticle]] = []
    plan = _queue_each(store, calls)

    assert store.fan_out(plan, limit=2) == 2
    assert len(calls) == 1
    assert [a.article.url for a in calls[0]] == [make_article(1).url, make_article(2).url]
    assert store.fan_out(plan) == 1 and calls[1][0].article.url == make_article(3).url
    assert store.fan_out(plan) == 0 and len(calls) == 2
    assert sorted(_queued(store)) == sorted(f"article {a.id}" for a in new)


def test_fan_out_plan_that_raises_rolls_back(store: Store) -> None:
    store.upsert_articles("vncpc-vi", [make_article(1), make_article(2)], now=T0)

    def failing(tx: Transaction, batch: Sequence[StoredArticle]) -> None:
        store.enqueue([(1, f"article {a.id}") for a in batch], "admin", now=T0, tx=tx)
        raise RuntimeError("subscriber table is locked")

    with pytest.raises(RuntimeError):
        store.fan_out(failing)
    assert _queued(store) == []
    seen: list[int] = []
    assert store.fan_out(lambda tx, batch: seen.extend(a.id for a in batch)) == 2
    assert len(seen) == 2


def test_transaction_commits_together_or_not_at_all(store: Store) -> None:
    with store.transaction() as tx:
        store.enqueue([(1, "one")], "admin", now=T0, tx=tx)
        store.enqueue([(1, "two")], "admin", now=T0, tx=tx)
        assert _queued(store) == []  # other connections see nothing before the commit
    assert _queued(store) == ["one", "two"]
    with pytest.raises(StoreError, match="naive datetime"), store.transaction() as tx:
        store.enqueue([(1, "three")], "admin", now=T0, tx=tx)
        store.enqueue([(1, "four")], "admin", now=T0.replace(tzinfo=None), tx=tx)
    assert _queued(store) == ["one", "two"]


def test_an_article_its_alias_and_validators_commit_together(store: Store) -> None:
    # How the pipeline keeps each scraped article (issue 13: a run killed half-way keeps what it did).
    article = make_article(1)
    listing_link = article.url + "?utm_source=listing"

    def keep(tx: Transaction, fail: bool = False) -> None:
        store.upsert_articles("vncpc-vi", [article], now=T0, tx=tx)
        store.add_aliases({listing_link: article.url}, tx=tx)
        store.set_validators(article.url, Validators(etag='"v1"'), tx=tx)
        if fail:
            raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError):
        store.in_transaction(lambda tx: keep(tx, fail=True))
    assert store.articles() == [] and store.known_urls([listing_link]) == set()
    assert store.get_validators(article.url) == Validators()
    store.in_transaction(keep)
    assert [s.article.url for s in store.articles()] == [article.url]
    assert store.known_urls([listing_link]) == {listing_link}
    assert store.get_validators(article.url) == Validators(etag='"v1"')


def test_in_transaction_runs_the_work_once_more_after_a_unique_key_conflict(store: Store) -> None:
    # As when a concurrent writer inserted the same row first (PostgreSQL): the second run sees it.
    from feeds.store import Chat

    chat = Chat(chat_id=7, type="private", title=None, language="vi", mode="instant", digest_hour=8, active=True,
                created=T0)
    store.add_chats([chat])
    runs: list[int] = []

    def work(tx: Transaction) -> Chat | None:
        runs.append(1)
        if len(runs) == 1:
            store.add_chats([chat], tx=tx)  # the row is there already: a unique-key conflict
        return store.get_chat(7, tx=tx)

    assert store.in_transaction(work) == chat and len(runs) == 2
    with pytest.raises(StoreError, match="unable to add chats .UNIQUE"):  # a conflict twice is raised
        store.in_transaction(lambda tx: store.add_chats([chat], tx=tx))


# --------------------------------------------------------------------------- migrations


def test_migrations_are_idempotent_and_incremental(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    calls: list[str] = []

    def step1(conn: Connection) -> None:
        calls.append("1")
        conn.execute(text("CREATE TABLE extra (id INTEGER PRIMARY KEY)"))

    def step2(conn: Connection) -> None:
        calls.append("2")
        conn.execute(text("ALTER TABLE extra ADD COLUMN note TEXT"))

    with Store.open(url) as store:
        assert store.schema_version("feeds") == len(FEEDS_MIGRATIONS)
        assert store.migrate_component("extra", [step1]) == 1
        assert store.migrate_component("extra", [step1]) == 1
    with Store.open(url) as store:
        assert store.migrate_component("extra", [step1, step2]) == 2
        assert calls == ["1", "2"]
        assert store.schema_version("feeds") == len(FEEDS_MIGRATIONS) and store.schema_version("extra") == 2
        with pytest.raises(StoreError, match="'extra' is at version 2"):
            store.migrate_component("extra", [step1])


def test_failing_migration_step_applies_nothing(store: Store) -> None:
    def create(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half (id INTEGER)"))

    def broken(conn: Connection) -> None:
        conn.execute(text("THIS IS NOT SQL"))

    with pytest.raises(StoreError):
        store.migrate_component("half", [create, broken])
    assert store.schema_version("half") == 0
    assert store.migrate_component("half", [create]) == 1  # the table was rolled back too


# --------------------------------------------------------------------------- concurrency


def test_concurrent_upserts_from_two_threads(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    with Store.open(url) as store:
        results: dict[str, list[int]] = {"a": [], "b": []}
        errors: list[BaseException] = []

        def worker(name: str, offset: int) -> None:
            try:
                for i in range(25):
                    batch = [make_article(n) for n in range(offset + i, offset + i + 4)]
                    result = store.upsert_articles("vncpc-vi", batch, now=T0)
                    results[name].extend(s.id for s in result.new)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=("a", 0)), threading.Thread(target=worker, args=("b", 10))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        new_ids = results["a"] + results["b"]
        assert len(new_ids) == len(set(new_ids)) == 38  # urls 0..37, each new exactly once
        assert len(store.articles(limit=1000)) == 38


def test_two_stores_on_one_file_write_concurrently(tmp_path: Path) -> None:
    """Like two processes: separate engines queue on SQLite's busy timeout instead of failing."""
    url = database_url(tmp_path)
    with Store.open(url) as one, Store.open(url) as two:
        errors: list[BaseException] = []

        def worker(store: Store, source_id: str, offset: int) -> None:
            try:
                for i in range(20):
                    store.upsert_articles(source_id, [make_article(offset + i, source_id=source_id)], now=T0)
                    store.record_run(source_id, RefreshResult(source_id), now=T0)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=worker, args=(one, "vncpc-vi", 0)),
            threading.Thread(target=worker, args=(two, "vncpc-en", 100)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert [(h.source_id, h.article_count) for h in one.health()] == [("vncpc-en", 20), ("vncpc-vi", 20)]
        assert len(two.articles(limit=None)) == 40


def test_schema_compiles_for_postgresql() -> None:
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from feeds.store.schema import metadata

    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
        assert f"CREATE TABLE {table.name}" in ddl


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        Extraction,
        events=st.lists(
            st.builds(
                Event,
                name=st.text(max_size=40),
                start=st.none() | st.dates(),
                end=st.none() | st.dates(),
                time_of_day=st.none() | st.times(),
                organizers=st.lists(st.text(max_size=20), max_size=3).map(tuple),
                participants=st.none() | st.integers(min_value=0, max_value=10**6),
                evidence=st.lists(st.tuples(st.text(max_size=10), st.text(max_size=30)), max_size=3).map(tuple),
            ),
            max_size=3,
        ).map(tuple),
        recommendations=st.lists(
            st.builds(Recommendation, index=st.integers(1, 50), text=st.text(max_size=40),
                      sub_items=st.lists(st.text(max_size=20), max_size=3).map(tuple)),
            max_size=3,
        ).map(tuple),
        summary=st.text(max_size=80),
    )
)
def test_extraction_json_round_trip_property(extraction: Extraction) -> None:
    import json

    assert extraction_from_json(json.loads(json.dumps(extraction_to_json(extraction)))) == extraction


def test_unopenable_database_says_what_to_check(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="check that the database's folder exists"):
        Store.open(f"sqlite:///{blocker}/feedbot.db")
    with pytest.raises(StoreError, match="unable to create the data folder"):
        database_url(blocker / "data")


def test_undated_article_keeps_its_first_guess_on_rescrape(tmp_path):
    """A page without a date gets the scrape time; scraping it again is not an edit."""
    import dataclasses as _dc
    import datetime as _dt

    from feeds.models import Article
    from feeds.store import Store, database_url

    tz = _dt.timezone(_dt.timedelta(hours=7))
    first = _dt.datetime(2026, 11, 1, 8, 0, tzinfo=tz)
    art = Article(url="https://vncpc.org/tin-tuc/khong-ngay/", source_id="vncpc-vi", title="Không ngày",
                  published=first, body_html="<p>Nội dung</p>", body_text="Nội dung", date_is_guess=True)
    with Store.open(database_url(tmp_path)) as store:
        store.upsert_articles("vncpc-vi", [art], now=first)
        later = first + _dt.timedelta(days=1)
        again = store.upsert_articles("vncpc-vi", [_dc.replace(art, published=later)], now=later)
        assert again.unchanged == 1 and not again.changed
        assert store.articles(limit=None)[0].article.published == first


def test_serialized_forms_carry_every_model_field():
    """A field added to a model must reach the database too (the JSON forms are written by hand)."""
    import dataclasses as _dc
    import datetime as _dt

    from feeds.models import Event, Recommendation
    from feeds.store.serialize import event_from_json, event_to_json, recommendation_to_json

    event = Event(name="Hội thảo", start=_dt.date(2019, 8, 17), day_part="morning", time_of_day=_dt.time(8, 30))
    assert set(event_to_json(event)) == {f.name for f in _dc.fields(Event)}
    assert event_from_json(event_to_json(event)) == event
    assert set(recommendation_to_json(Recommendation(1, "x"))) == {f.name for f in _dc.fields(Recommendation)}


def test_v1_database_migrates_keeping_its_articles(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    old = Store(make_engine(url))  # a database written by the first release: feeds schema v1 only
    old.migrate_component("feeds", FEEDS_MIGRATIONS[:1])
    old.upsert_articles("vncpc-vi", [make_article(1)], now=T0)
    old.close()
    with Store.open(url) as store:
        assert store.schema_version("feeds") == len(FEEDS_MIGRATIONS) == 4
        stored = make_article(1).url
        listed = stored.rstrip("/")  # the listing's link, without the canonical trailing slash
        assert store.known_urls([stored, listed]) == {stored}
        store.add_aliases({listed: stored})
        store.add_aliases({listed: stored})  # idempotent
        assert store.known_urls([stored, listed, listed + "x"]) == {stored, listed}
        assert [s.article.url for s in store.articles()] == [stored]
        assert store.get_listing_digest("https://vncpc.org/tin-tuc/") is None
        store.set_listing_digest("https://vncpc.org/tin-tuc/", "a" * 64)
        store.set_listing_digest("https://vncpc.org/tin-tuc/", "b" * 64)
        assert store.get_listing_digest("https://vncpc.org/tin-tuc/") == "b" * 64


def test_v3_database_gains_where_dates_came_from_and_old_rows_read_as_before(tmp_path: Path) -> None:
    from feeds.models import DateSource

    url = database_url(tmp_path)
    old = Store(make_engine(url))
    old.migrate_component("feeds", FEEDS_MIGRATIONS[:3])
    with old.engine.begin() as conn:  # the articles table as releases before v4 created it
        conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN published_from")
        for n, guess in ((1, False), (2, True)):
            article = replace(make_article(n), date_is_guess=guess)
            conn.exec_driver_sql(
                "INSERT INTO articles (url, source_id, title, published, published_utc, date_is_guess, categories, images,"
                " body_html, body_text, language, extraction, has_events, has_recommendations, content_hash, first_seen,"
                " updated, fanned_out) VALUES (?, 'vncpc-vi', ?, ?, ?, ?, '[]', '[]', '<p>x</p>', 'x', 'vi', '{}', 0, 0, ?, ?, ?, 1)",
                (article.url, article.title, article.published.isoformat(), article.published.isoformat(), guess,
                 "h" * 64, T0.isoformat(), T0.isoformat()),
            )
    old.close()
    with Store.open(url) as store:
        assert store.schema_version("feeds") == len(FEEDS_MIGRATIONS)
        by_url = {s.article.url: s.article for s in store.articles(limit=None)}
        assert by_url[make_article(1).url].published_from is DateSource.PAGE
        guessed = by_url[make_article(2).url]
        assert guessed.date_is_guess and guessed.published_from is DateSource.FIRST_SEEN
        stored = next(s for s in store.articles(limit=None) if s.article.url == guessed.url)
        better = replace(guessed, published=dt.datetime(2018, 5, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
                         date_is_guess=False, published_from=DateSource.URL)
        store.replace_dating(stored.id, better)
        again = store.get_article(stored.id)
        assert (again.article.published_from, again.article.date_is_guess, again.updated) == (DateSource.URL, False, stored.updated)
        assert again.article.published == better.published
    with Store.open(url) as store:  # migrating again changes nothing
        assert store.schema_version("feeds") == len(FEEDS_MIGRATIONS)

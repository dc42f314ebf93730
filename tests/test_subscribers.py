"""Subscribers, topics and the outbox on a real SQLite database."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from bot.delivery.outbox import Outcome
from bot.delivery.subscribers import Subscribers
from feeds.present import article_topics
from tests.support.delivery import TZ, add_article, add_subscribers, make_article, open_store


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path) as s:
        yield s


@pytest.fixture
def subs(store):
    return Subscribers(store, source_names={"vncpc": "VNCPC"})


def _rows(subs, **kw):
    return [(r["article_id"], r["chat_id"], r["kind"], r["status"]) for r in subs.outbox_rows(**kw)]


def _chat(subs, chat_id, *topics, **kw):
    subs.upsert_chat(chat_id, **kw)
    for topic in topics:
        subs.subscribe(chat_id, topic)


def test_topics_of_an_article(store):
    plain = add_article(store, 1)
    rich = add_article(store, 2, events=True, recommendations=True, source_id="moit")
    assert article_topics(plain.article) == ("all", "vncpc")
    assert article_topics(rich.article) == ("all", "moit", "events", "recommendations")


def test_fan_out_one_row_per_matching_active_chat(subs, store):
    _chat(subs, 1, "all")
    _chat(subs, 2, "events")
    _chat(subs, 3, "recommendations")
    _chat(subs, 4, "vncpc", "all")  # two matching topics, one row
    _chat(subs, 5, "moit")
    _chat(subs, 6, "all")
    subs.deactivate(6, "blocked")
    article = add_article(store, 1, events=True)
    assert subs.fan_out() == 3
    assert _rows(subs) == [(article.id, c, "alert", "pending") for c in (1, 2, 4)]
    assert subs.fan_out() == 0  # the article is fanned out: nothing twice
    assert len(subs.outbox_rows()) == 3


def test_seeded_articles_alert_nobody(subs, store):
    _chat(subs, 1, "all")
    add_article(store, 1, seed=True)
    add_article(store, 2, seed=True, events=True)
    assert subs.fan_out() == 0
    assert subs.outbox_rows() == []


def test_fan_out_after_restart_picks_up_stored_articles(tmp_path):
    with open_store(tmp_path) as store:
        subs = Subscribers(store)
        _chat(subs, 1, "all")
        add_article(store, 1)  # stored, then the process "dies" before fanning out
    with open_store(tmp_path) as store:
        subs = Subscribers(store)  # migrations are idempotent
        assert store.schema_version("subscribers") == 1
        assert subs.fan_out() == 1
        assert subs.outbox_rows()[0]["status"] == "pending"


def test_digest_chats_get_held_rows_released_as_a_digest(subs, store):
    _chat(subs, 1, "all")
    subs.set_mode(1, "digest", digest_hour=7)
    add_article(store, 1)
    add_article(store, 2, recommendations=True)
    assert subs.fan_out() == 2
    assert {r[3] for r in _rows(subs)} == {"held"}
    assert subs.due_deliveries(time.time() + 1, limit=10) == []
    early = (dt.datetime.now(TZ) + dt.timedelta(days=1)).replace(hour=6, minute=59)
    assert subs.due_digests(early) == []
    at_seven = early.replace(hour=7, minute=5)
    [chat] = subs.due_digests(at_seven)
    assert subs.release_digest(chat, at_seven) == 1
    digest = subs.outbox_rows(status="pending")
    assert [r["kind"] for r in digest] == ["digest"]
    assert "Doanh nghiệp &lt;1&gt;" in digest[0]["text"] and "Doanh nghiệp &lt;2&gt;" in digest[0]["text"]
    assert {r["status"] for r in subs.outbox_rows() if r["kind"] == "alert"} == {"digested"}
    assert subs.due_digests(at_seven.replace(hour=9)) == []  # once a day
    assert [c.chat_id for c in subs.due_digests(at_seven + dt.timedelta(days=1))] == [1]


def test_switching_mode_moves_waiting_alerts(subs, store):
    _chat(subs, 1, "all")
    add_article(store, 1)
    subs.fan_out()
    subs.set_mode(1, "digest")
    assert _rows(subs)[0][3] == "held"
    subs.set_mode(1, "instant")
    assert _rows(subs)[0][3] == "pending"
    with pytest.raises(ValueError, match="mode"):
        subs.set_mode(1, "weekly")


def test_unsubscribe_cancels_only_what_no_topic_still_wants(subs, store):
    _chat(subs, 1, "all", "events")
    _chat(subs, 2, "events", "vncpc")
    plain = add_article(store, 1)
    eventful = add_article(store, 2, events=True)
    subs.fan_out()
    subs.unsubscribe(1, "events")  # "all" still wants both
    assert {r[3] for r in _rows(subs, chat_id=1)} == {"pending"}
    subs.unsubscribe(2, "vncpc")  # "events" still wants the eventful one
    assert {(r[0], r[3]) for r in _rows(subs, chat_id=2)} == {(plain.id, "cancelled"), (eventful.id, "pending")}
    assert subs.unsubscribe(1, "all") == 1
    assert subs.topics(1) == []
    assert {r[3] for r in _rows(subs, chat_id=1)} == {"cancelled"}


def test_deactivate_then_reactivate(subs, store):
    _chat(subs, 1, "all", type="private")
    add_article(store, 1)
    subs.fan_out()
    assert subs.deactivate(1, "Forbidden: bot was blocked by the user") == 1
    chat = subs.get_chat(1)
    assert not chat.active and "blocked" in chat.inactive_reason
    add_article(store, 2)
    assert subs.fan_out() == 0
    assert subs.upsert_chat(1).active  # the user unblocked the bot and wrote again
    add_article(store, 3)
    assert subs.fan_out() == 1


def test_forget_deletes_every_record(subs, store):
    _chat(subs, 1, "all")
    _chat(subs, 2, "all")
    add_article(store, 1)
    subs.fan_out()
    subs.forget(1)
    assert subs.get_chat(1) is None and subs.topics(1) == [] and subs.outbox_rows(chat_id=1) == []
    assert len(subs.outbox_rows(chat_id=2)) == 1


def test_language_and_hour_are_validated(subs):
    _chat(subs, 1, "all", language="en")
    assert subs.get_chat(1).language == "en"
    subs.upsert_chat(1, language="vi")  # language only set on creation
    assert subs.get_chat(1).language == "en"
    subs.set_language(1, "vi")
    assert subs.get_chat(1).language == "vi"
    with pytest.raises(ValueError, match="vi"):
        subs.set_language(1, "fr")
    with pytest.raises(ValueError, match="0-23"):
        subs.set_digest_hour(1, 24)
    with pytest.raises(KeyError, match="upsert_chat"):
        subs.set_language(99, "en")


def test_broadcast_goes_to_active_subscribed_chats(subs):
    _chat(subs, 1, "all")
    _chat(subs, 2, "events")
    _chat(subs, 3)  # no subscription
    _chat(subs, 4, "all")
    subs.deactivate(4, "blocked")
    assert subs.enqueue_broadcast("<b>Thông báo</b> bảo trì", admin=77) == 2
    assert [(r[1], r[2]) for r in _rows(subs)] == [(1, "broadcast"), (2, "broadcast")]


def test_due_deliveries_take_each_chats_oldest_row_in_order(subs, store):
    _chat(subs, 1, "all", language="en")
    _chat(subs, -100, "all", type="supergroup", title="Nhóm môi trường")
    add_article(store, 1)
    add_article(store, 2)
    subs.fan_out()
    subs.enqueue_text([5], "Nguồn vncpc bị lỗi", kind="admin")  # an admin never seen as a chat
    due = subs.due_deliveries(time.time() + 1, limit=10)
    assert [(d.chat_id, d.chat_type, d.language) for d in due] == [(1, "private", "en"), (-100, "supergroup", "vi"), (5, "private", "vi")]
    first = due[0]
    subs.record([Outcome(first.id, 1, "retry", error="Bad Gateway", next_attempt_at=time.time() + 60)])
    later = subs.due_deliveries(time.time() + 1, limit=10)
    assert 1 not in [d.chat_id for d in later]  # its head row waits: the chat's order is kept
    assert subs.next_due() <= time.time() + 1


def test_record_outcomes(subs, store):
    for chat in (1, 2, 3, 4):
        _chat(subs, chat, "all")
    add_article(store, 1)
    add_article(store, 2)
    subs.fan_out()
    rows = {r["chat_id"]: r["id"] for r in subs.outbox_rows() if r["article_id"] == subs.outbox_rows()[0]["article_id"]}
    subs.record([
        Outcome(rows[1], 1, "sent", message_id=501),
        Outcome(rows[2], 2, "failed", error="Message is too long"),
        Outcome(rows[3], 3, "failed", error="Forbidden: bot was blocked by the user", deactivate=True),
        Outcome(rows[4], 4, "deferred", error="RetryAfter", next_attempt_at=time.time() + 5),
    ])
    by_id = {r["id"]: r for r in subs.outbox_rows()}
    assert by_id[rows[1]]["status"] == "sent" and by_id[rows[1]]["message_id"] == 501
    assert by_id[rows[2]]["last_error"] == "Message is too long"
    assert by_id[rows[4]]["status"] == "pending" and by_id[rows[4]]["attempts"] == 0
    assert not subs.get_chat(3).active
    assert {r["status"] for r in subs.outbox_rows(chat_id=3)} == {"failed", "cancelled"}
    stats = subs.stats()
    assert stats.by_topic == {"all": 3} and stats.active == 3 and stats.failed == 2 and stats.pending == 4


def test_group_migration_moves_chat_and_rows(subs, store):
    _chat(subs, -5, "all", type="group")
    add_article(store, 1)
    subs.fan_out()
    subs.migrate_chat(-5, -1005)
    assert subs.get_chat(-5) is None
    assert subs.get_chat(-1005).type == "supergroup" and subs.topics(-1005) == ["all"]
    assert [r[1] for r in _rows(subs)] == [-1005]


def test_prune_keeps_open_rows(subs, store):
    _chat(subs, 1, "all")
    _chat(subs, 2, "all")
    add_article(store, 1)
    subs.fan_out()
    sent = subs.outbox_rows(chat_id=1)[0]
    subs.record([Outcome(sent["id"], 1, "sent", message_id=1)])
    assert subs.prune(dt.datetime.now(TZ) + dt.timedelta(seconds=1)) == 1
    assert [r[1] for r in _rows(subs)] == [2]


def test_bulk_subscribers_fan_out(subs, store):
    add_subscribers(subs, range(1000, 3000))
    add_article(store, 1)
    assert subs.fan_out() == 2000
    assert subs.stats().pending == 2000


def test_migration_onto_a_supergroup_already_known_merges_without_a_duplicate(subs, store):
    # /subscribe was sent in the new supergroup before the old group's migration message arrived
    _chat(subs, -5, "all", "events", type="group")
    _chat(subs, -1005, "all", type="supergroup")
    add_article(store, 1)
    subs.fan_out()
    subs.migrate_chat(-5, -1005)
    assert subs.get_chat(-5) is None and subs.topics(-1005) == ["all", "events"]
    assert [(r[1], r[3]) for r in _rows(subs) if r[3] == "pending"] == [(-1005, "pending")]
    add_article(store, 2)
    subs.fan_out()
    assert {r[1] for r in _rows(subs, status="pending")} == {-1005} and len(_rows(subs, status="pending")) == 2
    assert _rows(subs, chat_id=-5) == [(1, -5, "alert", "cancelled")]  # its twin goes to -1005



def test_a_new_digest_chat_waits_for_its_hour(subs, store):
    _chat(subs, 1, "all")
    subs.set_mode(1, "digest", digest_hour=8)  # chosen after 08:00 today
    add_article(store, 1)
    subs.fan_out()
    now = dt.datetime.now(TZ)
    later_today = now + dt.timedelta(minutes=1)
    if later_today.date() == now.date() and later_today.hour >= 8:
        assert subs.due_digests(later_today) == []
    tomorrow_at_eight = (now + dt.timedelta(days=1)).replace(hour=8, minute=0, second=5)
    assert [c.chat_id for c in subs.due_digests(tomorrow_at_eight)] == [1]


def test_a_database_written_before_the_store_owned_every_table_opens_and_keeps_working(tmp_path):
    """tests/fixtures/db/feedbot-v0.1.sql: a dump of a database the previous layout wrote (the
    subscriber tables were created by the bot then, not by ``Store.open``)."""
    import sqlite3

    data = tmp_path / "data"
    data.mkdir()
    dump = (Path(__file__).parent / "fixtures" / "db" / "feedbot-v0.1.sql").read_text(encoding="utf-8")
    with sqlite3.connect(data / "feedbot.db") as conn:
        conn.executescript(dump)
    store = open_store(data)
    try:
        assert store.schema_version("feeds") == 4 and store.schema_version("subscribers") == 1
        stored = store.articles(limit=None)  # feeds v4 added where dates came from: old rows read as before
        assert stored and all(s.article.published_from.value == ("first_seen" if s.article.date_is_guess else "page")
                              for s in stored)
        subs = Subscribers(store, timezone="Asia/Ho_Chi_Minh")
        assert [c.chat_id for c in subs.list_chats()] == [-100500, 42]
        assert subs.topics(-100500) == ["events"] and subs.get_chat(-100500).mode == "digest"
        assert [(r["chat_id"], r["status"]) for r in subs.outbox_rows()] == [
            (42, "sent"), (42, "pending"), (-100500, "held"), (42, "pending"),
        ]
        assert subs.fan_out() == 0  # every stored article was fanned out already
        due = subs.due_deliveries(time.time() + 60, limit=10)
        assert [(d.chat_id, d.kind, d.chat_type, d.language) for d in due] == [(42, "alert", "private", "vi")]
        chat = subs.get_chat(-100500)
        assert subs.release_digest(chat, dt.datetime.now(TZ)) == 1
        assert [r["status"] for r in subs.outbox_rows(chat_id=-100500)] == ["digested", "pending"]
        assert [s.article.url for s in store.articles()] == [make_article(n).url for n in (1, 2, 3)]
        assert store.known_urls(["https://vncpc.org/tin-tuc/bai-1"]) == {"https://vncpc.org/tin-tuc/bai-1"}
        assert store.get_listing_digest("https://vncpc.org/en/news/") == "d" * 64
    finally:
        store.close()

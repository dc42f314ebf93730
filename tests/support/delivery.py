"""Builders shared by the delivery tests, the crash-test child process and the fan-out benchmark:
articles in the shape of a VNCPC news post (built by ``tests.support.factories``), and a store
with subscribers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.delivery.subscribers import Subscribers
from feeds.models import Article, Event, EventKind, Recommendation, StoredArticle
from feeds.store import Chat, Store, database_url
from tests.support import factories

TZ = factories.TZ
NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=TZ)


def make_article(n: int, *, source_id: str = "vncpc", events: bool = False, recommendations: bool = False) -> Article:
    """A short news post (its title has characters to escape, no author, categories or images),
    published ``n`` hours before :data:`NOW`; ``events`` / ``recommendations`` give it extracted facts."""
    return factories.make_article(
        n,
        source_id=source_id,
        title=f"Doanh nghiệp <{n}> áp dụng sản xuất sạch hơn & tiết kiệm tài nguyên",
        published=NOW - dt.timedelta(hours=n),
        body_html=f"<p>Nội dung bài {n}.</p>",
        body=f"Ngày 12/3, tại Hà Nội, Trung tâm Sản xuất sạch Việt Nam tổ chức hội thảo số {n}.",
        events=(_workshop(n),) if events else (),
        recommendations=(
            (Recommendation(1, "Tăng cường kiểm toán năng lượng tại các doanh nghiệp dệt may", label="1."),)
            if recommendations
            else ()
        ),
        summary=f"Bài {n}: các chuyên gia trao đổi về tiết kiệm năng lượng & nước trong công nghiệp.",
        author=None,
        categories=(),
        images=(),
    )


def _workshop(n: int) -> Event:
    return Event(
        name=f"Hội thảo sản xuất sạch hơn lần {n}", kind=EventKind.WORKSHOP, start=dt.date(2026, 3, 12),
        location="Khách sạn Kim Liên, Hà Nội", province="Hà Nội", participants=80,
    )


def open_store(data_dir: Path) -> Store:
    return Store.open(database_url(data_dir))


def add_article(store: Store, n: int, *, seed: bool = False, **kw: object) -> StoredArticle:
    result = store.upsert_articles(str(kw.get("source_id", "vncpc")), [make_article(n, **kw)], now=NOW, seed=seed)  # type: ignore[arg-type]
    return result.new[0]


def add_subscribers(subs: Subscribers, chat_ids: range | list[int], topic: str = "all", **chat: object) -> None:
    """Many subscribers at once (one transaction), for the crash test and the benchmark."""
    store = subs.store
    chats = [
        Chat(chat_id=c, type=str(chat.get("type", "private")), title=None, language=str(chat.get("language", "vi")),
             mode="instant", digest_hour=8, active=True, created=NOW)
        for c in chat_ids
    ]
    with store.transaction() as tx:
        store.add_chats(chats, tx=tx)
        store.add_subscriptions([(c.chat_id, topic) for c in chats], now=NOW, tx=tx)

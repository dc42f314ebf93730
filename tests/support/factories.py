"""Test articles in the shape of a VNCPC news post: one builder for every test module.

``make_article(n)`` gives post number ``n`` (its own URL, title, images and a publication date
``n`` days after 1 January 2026); any :class:`~feeds.models.Article` field can be overridden.
``make_stored`` wraps one in a :class:`~feeds.models.StoredArticle` as the store would.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import replace
from zoneinfo import ZoneInfo

from feeds.models import Article, Event, Extraction, Recommendation, StoredArticle

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def make_article(
    n: int = 1,
    *,
    body: str | None = None,
    events: tuple[Event, ...] = (),
    recommendations: tuple[Recommendation, ...] = (),
    summary: str = "",
    **changes: object,
) -> Article:
    """Post ``n``; ``body`` is its plain text (the HTML is one escaped paragraph), ``events``,
    ``recommendations`` and ``summary`` its extraction (an ``extraction=`` change replaces them)."""
    text = body if body is not None else f"Nhà máy số {n} giảm 15% lượng nước tiêu thụ."
    article = Article(
        url=f"https://vncpc.org/tin-tuc/bai-viet-so-{n}/",
        source_id="vncpc-vi",
        title=f"Doanh nghiệp số {n} áp dụng sản xuất sạch hơn",
        published=dt.datetime(2026, 1, 1, 8, 0, tzinfo=TZ) + dt.timedelta(days=n),
        body_html=f"<p>{html.escape(text)}</p>",
        body_text=text,
        author="Phòng Truyền thông",
        categories=("Tin tức",),
        images=(f"https://vncpc.org/wp-content/uploads/anh-{n}.jpg",),
        extraction=Extraction(events=events, recommendations=recommendations, summary=summary),
    )
    return replace(article, **changes)


def make_stored(n: int = 1, *, id: int | None = None, content_hash: str | None = None, **fields: object) -> StoredArticle:
    """Post ``n`` (built by :func:`make_article` from ``fields``) as stored: id ``n`` unless
    ``id`` is given, first seen (and last updated) when it was published."""
    article = make_article(n, **fields)  # type: ignore[arg-type]
    return StoredArticle(
        id=n if id is None else id,
        article=article,
        first_seen=article.published,
        updated=article.published,
        content_hash=content_hash or f"hash-{n}",
    )


__all__ = ["TZ", "make_article", "make_stored"]

"""What one article shows in a feed (pure): its summary, categories, update time, and the HTML
content — the extracted facts above the body, the body sanitised again with absolute URLs.

Dates, places and event names read as they do in Telegram (:mod:`feeds.present`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import nh3

from feeds.models import Article, Event, StoredArticle
from feeds.present import article_topics, display_name, event_place, event_when

GENERATOR_URI = "https://github.com/vncpc-feedbot/vncpc-feedbot"
SUMMARY_CHARS = 300
MAX_ENTRY_BYTES = 100_000  # feeds.max_entry_bytes: an entry's body HTML beyond this is cut, with a link

# Characters XML 1.0 forbids (lxml raises on them) plus DEL.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_xml_text(text: str) -> str:
    """``text`` without the control characters XML (and feedgen) refuse."""
    return _XML_ILLEGAL.sub("", text)


_x = clean_xml_text

_LABELS = {
    "vi": {
        "event": "Sự kiện",
        "when": "Thời gian",
        "where": "Địa điểm",
        "who": "Đơn vị tổ chức",
        "participants": "Số người tham dự",
        "at_least": "ít nhất {n}",
        "recommendations": "Kiến nghị",
        "read_more": "Bài dài, phần còn lại ở trang gốc: đọc tiếp…",
    },
    "en": {
        "event": "Event",
        "when": "When",
        "where": "Where",
        "who": "Organisers",
        "participants": "Participants",
        "at_least": "at least {n}",
        "recommendations": "Recommendations",
        "read_more": "A long article: read the rest on the source site…",
    },
}
def _event_html(event: Event, labels: dict[str, str], language: str) -> str:
    rows = [
        (labels["when"], event_when(event, language)),
        (labels["where"], event_place(event)),
        (labels["who"], ", ".join(event.organizers)),
        (labels["participants"], labels["at_least"].format(n=event.participants) if event.participants else ""),
    ]
    items = "".join(f"<li><strong>{escape(k)}:</strong> {escape(v)}</li>" for k, v in rows if v)
    return f"<p><strong>{escape(labels['event'])}:</strong> {escape(display_name(event.name))}</p><ul>{items}</ul>"


def facts_html(article: Article) -> str:
    """The structured block shown above the body: events, then the numbered recommendations."""
    extraction, language = article.extraction, article.language.value
    labels = _LABELS.get(language, _LABELS["vi"])
    parts = [_event_html(event, labels, language) for event in extraction.events]
    if extraction.recommendations:
        items = []
        for rec in extraction.recommendations:
            subs = "".join(f"<li>{escape(s)}</li>" for s in rec.sub_items)
            items.append(f"<li>{escape(rec.text)}{f'<ul>{subs}</ul>' if subs else ''}</li>")
        parts.append(f"<p><strong>{escape(labels['recommendations'])}:</strong></p><ol>{''.join(items)}</ol>")
    return f'<div class="feedbot-facts">{"".join(parts)}</div><hr/>' if parts else ""


@functools.lru_cache(maxsize=256)  # an entry is in several feeds, in Atom and RSS, publish after publish
def clean_body(body_html: str, base_url: str) -> str:
    """The body sanitised again (no scripts, styles, handlers, iframes) with absolute URLs."""

    def absolute(_tag: str, attribute: str, value: str) -> str:
        return urljoin(base_url, value) if attribute in ("href", "src") else value

    return nh3.clean(body_html, attribute_filter=absolute)


def entry_content(article: Article, max_bytes: int = MAX_ENTRY_BYTES) -> str:
    """The entry's HTML: the facts, then the body; a body over ``max_bytes`` (UTF-8) is cut at a
    tag boundary and ends with a link to the article (the sanitiser closes what the cut left open)."""
    body = article.body_html
    encoded = body.encode("utf-8")
    if len(encoded) > max_bytes:
        cut = encoded[:max_bytes].decode("utf-8", "ignore")
        if cut.rfind("<") > cut.rfind(">"):
            cut = cut[: cut.rfind("<")]
        label = _LABELS.get(article.language.value, _LABELS["vi"])["read_more"]
        body = f'{cut}<p><a href="{escape(article.url)}">{escape(label)}</a></p>'
    return facts_html(article) + clean_body(body, article.url)


def entry_summary(article: Article) -> str:
    """Plain text: the extracted summary, else the body's first ~300 characters."""
    if article.extraction.summary:
        return article.extraction.summary
    text = " ".join(article.body_text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text.rfind(" ", 0, SUMMARY_CHARS)
    return text[: cut if cut > 0 else SUMMARY_CHARS].rstrip(" ,;:") + "…"


# our own category terms (stable across languages) -> their _LABELS key
TOPICS_SCHEME = f"{GENERATOR_URI}/topics"
_TOPIC_LABELS = {"event": "event", "recommendation": "recommendations"}


def entry_categories(article: Article) -> list[str]:
    terms = list(article.categories)
    topics = article_topics(article)
    if "events" in topics:
        terms.append("event")
    if "recommendations" in topics:
        terms.append("recommendation")
    return [t for t in dict.fromkeys(_x(t).strip() for t in terms) if t]


def topic_label(term: str, feed_language: str) -> str | None:
    """The label of one of our topic terms ("event", "recommendation") in the feed's language;
    None for a page's own category."""
    key = _TOPIC_LABELS.get(term)
    return _LABELS.get(feed_language, _LABELS["vi"])[key] if key else None


def entry_updated(stored: StoredArticle) -> dt.datetime:
    """Publication (or the page's own modification) time; our ``updated`` once content changed."""
    article = stored.article
    when = article.published
    if article.modified is not None and article.modified > when:
        when = article.modified
    if stored.updated > stored.first_seen and stored.updated > when:
        when = stored.updated
    return when


@dataclass(frozen=True, slots=True)
class Entry:
    """One article as every feed format shows it: made once per entry by :func:`entry_data`, then
    rendered by Atom, RSS and JSON Feed alike. Times are in the feed's timezone."""

    id: str  # the canonical URL; never changes
    title: str
    published: dt.datetime | None  # None when the page gave no date (first seen is no publication date)
    updated: dt.datetime
    author: str | None
    language: str
    categories: tuple[tuple[str, str | None], ...]  # (term, label in the feed's language for our topics)
    summary: str  # plain text
    content_html: str  # the facts block, then the sanitised body
    image: str | None


def entry_data(stored: StoredArticle, tz: ZoneInfo, feed_language: str, max_bytes: int = MAX_ENTRY_BYTES) -> Entry:
    """What ``stored`` shows in a feed in ``feed_language`` whose times are in ``tz`` (a body over
    ``max_bytes`` cut, see :func:`entry_content`)."""
    article = stored.article
    return Entry(
        id=_x(article.url),
        title=_x(article.title),
        published=None if article.date_is_guess else article.published.astimezone(tz),
        updated=entry_updated(stored).astimezone(tz),
        author=_x(article.author) if article.author else None,
        language=article.language.value,
        categories=tuple((term, topic_label(term, feed_language)) for term in entry_categories(article)),
        summary=_x(entry_summary(article)),
        content_html=_x(entry_content(article, max_bytes)),
        image=_x(article.images[0]) if article.images else None,
    )

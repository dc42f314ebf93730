"""The pages a person opens in a browser: the index (latest articles with their event and
recommendation summaries, upcoming events, every feed), the events page, and a readable view of a
feed (the feeds' own XSL stylesheet, applied here for browsers).

Labels are in the visitor's language: ``?lang=vi|en`` (the switch on every page), else the
browser's ``Accept-Language``, else the default. Articles are shown in their own language. Pure
functions of their inputs, except :func:`page_data` (reads the store) and the XSL file read once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

from feeds.models import Event, StoredArticle
from feeds.present import display_name, event_place, event_when
from feeds.publish import entry_summary

LANGUAGES = ("vi", "en")
LATEST = 10
UPCOMING = 20
TEXTS = {
    "vi": {
        "title": "Bản tin VNCPC", "tagline": "Tin tức của Trung tâm Sản xuất sạch Việt Nam: nguồn tin Atom/RSS/JSON Feed, "
        "lịch sự kiện và thông báo Telegram.", "latest": "Tin mới nhất", "upcoming": "Sự kiện sắp diễn ra",
        "feeds": "Nguồn tin", "no_articles": "Chưa có bài nào: lần quét đầu tiên đang chạy.",
        "no_events": "Chưa có sự kiện nào sắp diễn ra.", "event": "Sự kiện", "recommendations": "Kiến nghị",
        "more": "và {n} kiến nghị khác", "all_events": "Tất cả sự kiện sắp diễn ra", "home": "Trang chủ",
        "subscribe": "Dán một địa chỉ dưới đây vào trình đọc tin (Feedly, Miniflux, Thunderbird…) để nhận tin mới.",
        "calendar": "Thêm vào lịch", "telegram": "Nhận thông báo qua Telegram", "source": "Nguồn",
        "switch": "English",
    },
    "en": {
        "title": "VNCPC news feeds", "tagline": "News of the Vietnam Cleaner Production Centre: Atom/RSS/JSON feeds, "
        "an events calendar and Telegram alerts.", "latest": "Latest articles", "upcoming": "Upcoming events",
        "feeds": "Feeds", "no_articles": "No articles yet: the first scrape is running.",
        "no_events": "No upcoming events yet.", "event": "Event", "recommendations": "Recommendations",
        "more": "and {n} more", "all_events": "All upcoming events", "home": "Home",
        "subscribe": "Paste an address below into your feed reader (Feedly, Miniflux, Thunderbird…) to follow it.",
        "calendar": "Add to your calendar", "telegram": "Get alerts on Telegram", "source": "Source",
        "switch": "Tiếng Việt",
    },
}
STYLE = """
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;
line-height:1.5;color:#1d2428;overflow-wrap:anywhere}a{color:#0b5cad}header{display:flex;flex-wrap:wrap;
justify-content:space-between;align-items:baseline;gap:.5rem}h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #d6e4d2}nav a{margin-left:.8rem}
.article{border-bottom:1px solid #e5e5e5;padding:.6rem 0}.article h3{font-size:1.05rem;margin:.2rem 0}
.meta,small{color:#5d6970;font-size:.88rem}.fact{background:#f1f7ef;border-left:4px solid #5a9a4a;
padding:.3rem .6rem;margin:.4rem 0;font-size:.93rem}.fact ol{margin:.2rem 0;padding-left:1.4rem}
.events li{margin:.4rem 0}ul.feeds{padding-left:1.1rem}ul.feeds li{margin:.25rem 0}
.hint{background:#fff8e1;border:1px solid #f0d98a;padding:.6rem .8rem;border-radius:.3rem}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:.2rem;word-break:break-all}
"""


@dataclass(frozen=True, slots=True)
class PageData:
    """What the pages show from the store."""

    latest: Sequence[StoredArticle] = ()
    upcoming: Sequence[tuple[StoredArticle, Event]] = ()


def page_data(store: Any, today: dt.date) -> PageData:
    """Blocking: the newest articles and the events still to come (run it in a thread)."""
    return PageData(latest=store.articles(limit=LATEST * 2), upcoming=store.upcoming_events(today, UPCOMING))


def choose_language(asked: str | None, accept_language: str, default: str = "vi") -> str:
    """``?lang=`` if it is one we have, else the first of ours the browser prefers, else ``default``."""
    if asked in LANGUAGES:
        return asked
    ranked = []
    for n, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, n, primary))
    return min(ranked)[2] if ranked else default


def page(title: str, body: str, lang: str, *, head: str = "", path: str = "/") -> str:
    """A whole HTML page with the language switch."""
    other = "en" if lang == "vi" else "vi"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{head}<style>{STYLE}</style></head><body>
<header><h1>{escape(title)}</h1><nav><a href="/?lang={lang}">{TEXTS[lang]['home']}</a>
<a href="/events?lang={lang}">{TEXTS[lang]['upcoming']}</a>
<a id="lang-switch" hreflang="{other}" href="{escape(path)}?lang={other}">{TEXTS[lang]['switch']}</a></nav></header>
{body}
</body></html>
"""


def article_html(stored: StoredArticle, lang: str, source_name: str) -> str:
    a, t = stored.article, TEXTS[lang]
    facts = [f'<div class="fact"><strong>{t["event"]}:</strong> {escape(display_name(ev.name))}'
             + "".join(f" · {escape(x)}" for x in (event_when(ev, lang), event_place(ev)) if x) + "</div>"
             for ev in a.extraction.events]
    recs = a.extraction.recommendations
    if recs:
        items = "".join(f"<li>{escape(r.text)}</li>" for r in recs[:3])
        more = f"<small>{t['more'].format(n=len(recs) - 3)}</small>" if len(recs) > 3 else ""
        facts.append(f'<div class="fact"><strong>{t["recommendations"]}:</strong><ol>{items}</ol>{more}</div>')
    summary = entry_summary(a)
    return (f'<article class="article" lang="{a.language.value}"><h3><a href="{escape(a.url)}">{escape(a.title)}</a></h3>'
            f'<div class="meta">{a.published:%d/%m/%Y} · {escape(source_name)}</div>'
            f'{f"<p>{escape(summary)}</p>" if summary else ""}{"".join(facts)}</article>')


def events_html(upcoming: Sequence[tuple[StoredArticle, Event]], lang: str) -> str:
    if not upcoming:
        return f'<p class="empty">{TEXTS[lang]["no_events"]}</p>'
    rows = []
    for stored, ev in upcoming:
        where = event_place(ev)
        rows.append(f'<li><strong>{escape(event_when(ev, lang))}</strong> — '
                    f'<a href="{escape(stored.article.url)}">{escape(display_name(ev.name))}</a>'
                    f'{f" <small>({escape(where)})</small>" if where else ""}</li>')
    return f'<ul class="events">{"".join(rows)}</ul>'


def preferred(latest: Sequence[StoredArticle], lang: str) -> list[StoredArticle]:
    """The newest articles, those in the visitor's language first when there are any."""
    mine = [s for s in latest if s.article.language.value == lang]
    return (mine or list(latest))[:LATEST]


@functools.cache
def feed_stylesheet() -> bytes:
    """The XSL stylesheet every Atom/RSS feed links to (``<?xml-stylesheet href="feed.xsl"?>``)."""
    return resources.files("bot.service").joinpath("static", "feed.xsl").read_bytes()


def readable_feed(feed: bytes, lang: str, feed_url: str) -> str:
    """A feed as a browser shows it: the feed's XSL stylesheet applied (lxml), for browsers whose
    own XSLT is gone (Chromium removes it); feed readers get the feed itself."""
    from lxml import etree

    transform = _transform()
    result = transform(etree.fromstring(feed), lang=etree.XSLT.strparam(lang),
                       feed_url=etree.XSLT.strparam(feed_url))
    return "<!doctype html>\n" + str(result)


@functools.cache
def _transform() -> Any:
    from lxml import etree

    return etree.XSLT(etree.fromstring(feed_stylesheet()))

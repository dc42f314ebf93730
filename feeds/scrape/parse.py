"""Pages to values: listing HTML to article links, article HTML to an ``Article``.

Pure: decoded HTML text in, frozen ``feeds.models`` values out. Each page is parsed once, with
BeautifulSoup's "lxml" builder (``feeds.scrape.selectors.Page``). Configured selectors come
first; when one finds nothing the page's metadata is used instead (``feeds.scrape.pagemeta``:
title from og:title, JSON-LD headline, ``<h1>``, ``<title>``; date from ``<time datetime>``,
``article:published_time``, JSON-LD ``datePublished``) and the body falls back to ``<article>``,
then the largest block of paragraphs (``feeds.scrape.body``). A comma-separated selector for a
single value is tried alternative by alternative, left to right; selectors for many values take
every match in document order (``feeds.scrape.selectors``). Links are made canonical and kept
only on the source's own site (``feeds.scrape.urls``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import Tag

from feeds.scrape import pagemeta
from feeds.scrape.body import clean_body, read_body, render_body
from feeds.errors import ScrapeError
from feeds.models import Article, ArticleSelectors, Listing, ListingItem, ListingSelectors, Source
from feeds.scrape.selectors import Page, text_of
from feeds.scrape.urls import Site, canonical_url

__all__ = ["SelectorMatch", "canonical_url", "explain_article", "explain_listing", "parse_article", "parse_listing"]


@dataclass(frozen=True, slots=True)
class SelectorMatch:
    """What one configured selector found on a page (for ``feedbot check-source``).

    ``count`` is how many elements the selector matched; ``samples`` are the first values read;
    ``fallback`` names the page metadata used instead when the selector found nothing.
    """

    key: str
    selector: str | None
    count: int
    samples: tuple[str, ...] = ()
    fallback: str | None = None


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- listing pages


def parse_listing(
    html: str, url: str, selectors: ListingSelectors, *, allowed_hosts: Collection[str] = ()
) -> Listing:
    """The article links of a listing page, in page order, deduplicated; items may be empty.

    Links are absolute and canonical; ``javascript:``/``mailto:`` links and links to other sites
    (other than ``allowed_hosts``) are dropped.
    """
    page, site = Page.parse(html, url), Site(url, allowed_hosts)
    items: dict[str, ListingItem] = {}
    for el in page.index.select(selectors.item):
        item = _listing_item(page, el, selectors, site)
        if item is not None and item.url not in items:
            items[item.url] = item
    next_page = _next_page(page, url, selectors, site)
    return Listing(url=canonical_url(url), items=tuple(items.values()), next_page=next_page)


def _item_link(page: Page, el: Tag, selectors: ListingSelectors) -> Tag | None:
    link = page.index.first(selectors.link, el)
    return el if link is None and el.name == "a" else link


def _listing_item(page: Page, el: Tag, selectors: ListingSelectors, site: Site) -> ListingItem | None:
    link = _item_link(page, el, selectors)
    url = site.link(str(link.get("href") or ""), page.base) if link is not None else None
    if url is None or link is None:
        return None
    title = text_of(page.index.first(selectors.title, el)) or text_of(link)
    date = _date_text(page.index.first(selectors.date, el))
    return ListingItem(url=url, title=title or None, date_text=date or None)


def _date_text(el: Tag | None) -> str:
    """A date element's machine-readable attribute when it has one, else its text."""
    if el is None:
        return ""
    for attr in ("datetime", "content"):
        value = el.get(attr)
        if value and str(value).strip():
            return str(value).strip()
    return text_of(el)


def _next_page(page: Page, url: str, selectors: ListingSelectors, site: Site) -> str | None:
    link = page.index.first(selectors.next_page)
    if link is None:
        return None
    target = site.link(str(link.get("href") or ""), page.base)
    return None if target == canonical_url(url) else target


def explain_listing(
    html: str, url: str, selectors: ListingSelectors, *, allowed_hosts: Collection[str] = ()
) -> list[SelectorMatch]:
    """What each listing selector matched, for an admin checking a source."""
    page, site = Page.parse(html, url), Site(url, allowed_hosts)
    first = page.index.first
    elements = page.index.select(selectors.item)
    links = [a for a in (_item_link(page, el, selectors) for el in elements) if a is not None]
    urls = [u for u in (site.link(str(a.get("href") or ""), page.base) for a in links) if u]
    titles = [text_of(t) for t in (first(selectors.title, el) for el in elements) if t is not None]
    dates = [_date_text(d) for d in (first(selectors.date, el) for el in elements) if d is not None]
    next_page = _next_page(page, url, selectors, site)
    return [
        SelectorMatch("item", selectors.item, len(elements), tuple(_short(text_of(e), 80) for e in elements[:3])),
        SelectorMatch("link", selectors.link, len(urls), tuple(urls[:3])),
        SelectorMatch("title", selectors.title, len(titles), tuple(titles[:3]), None if titles else "link text"),
        SelectorMatch("date", selectors.date, len(dates), tuple(dates[:3])),
        SelectorMatch("next_page", selectors.next_page, int(next_page is not None), (next_page,) if next_page else ()),
    ]


# --------------------------------------------------------------------------- article pages


@dataclass(frozen=True, slots=True)
class _Parts:
    """Everything read from an article page before it becomes an ``Article`` (or an explanation)."""

    url: str
    base: str
    title: str
    title_from: str | None
    published: dt.datetime | None
    published_from: str | None
    published_raw: str
    modified: dt.datetime | None
    author: str | None
    author_from: str | None
    categories: tuple[str, ...]
    categories_from: str | None
    body: Tag | None
    body_from: str | None
    og_image: str
    removed: int

    def render(self) -> tuple[str, str, tuple[str, ...]]:
        """(sanitised HTML, plain text, image URLs) of the cleaned body."""
        return render_body(self.body, self.base, self.og_image)


def parse_article(html: str, url: str, source: Source, *, now: dt.datetime) -> Article:
    """The article on ``html``; ``ScrapeError`` (naming the source and URL) without title or body."""
    parts = _read_article(Page.parse(html, url), url, source)
    if not parts.title:
        fallbacks = "og:title, JSON-LD headline, <h1> or <title>"
        raise ScrapeError(_missing("title", source.article.title, fallbacks), url=url, source=source.id)
    if parts.body is None:
        fallbacks = "<article> or block of paragraphs"
        raise ScrapeError(_missing("body", source.article.body, fallbacks), url=url, source=source.id)
    body_html, body_text, images = parts.render()
    if not body_text:
        raise ScrapeError(
            f"the article body is empty after removing {list(source.article.remove) or 'nothing'}: "
            "check [sources.article] body and remove", url=url, source=source.id,
        )
    return Article(
        url=parts.url,
        source_id=source.id,
        title=parts.title,
        published=parts.published or now,
        body_html=body_html,
        body_text=body_text,
        language=source.language,
        date_is_guess=parts.published is None,
        modified=parts.modified,
        author=parts.author,
        categories=parts.categories,
        images=images,
    )


def _read_article(page: Page, url: str, source: Source) -> _Parts:
    """Every part the page offers; a missing title is "" and a missing body None (callers decide)."""
    sel, tz, meta = source.article, source.tz, pagemeta.read_meta(page.index)
    title, title_from = pagemeta.read_title(page, sel, meta)
    body, body_from = read_body(page, sel)
    published, published_from, raw = pagemeta.read_published(page, sel, meta, tz)
    author, author_from = pagemeta.read_author(page, sel, meta)
    categories, categories_from = pagemeta.read_categories(page, sel, meta)
    return _Parts(
        url=_article_url(page, url, Site(url, source.allowed_hosts), source.url), base=page.base,
        title=title, title_from=title_from,
        published=published, published_from=published_from, published_raw=raw,
        modified=pagemeta.read_modified(meta, tz),
        author=author, author_from=author_from,
        categories=categories, categories_from=categories_from,
        body=body, body_from=body_from, og_image=meta.first("og:image", "og:image:url"),
        removed=0 if body is None else clean_body(page, body, body_from, sel),
    )


def _missing(key: str, selector: str | None, fallbacks: str) -> str:
    what = f"selector {selector!r} matched nothing" if selector else f"no {key} selector is configured"
    return f"no {key} found: {what} and the page has no {fallbacks}; check [sources.article] {key}"


def _article_url(page: Page, url: str, site: Site, listing_url: str) -> str:
    """rel=canonical when it points at the source's own site, else the page URL (canonicalised).
    A canonical naming the home page or the listing (a theme printing one for every page) is
    ignored: it would fold every article into one."""
    link = next((t for t in page.tags("link", rel="canonical") if t.get("href")), None)
    canonical = site.link(str(link["href"]), page.base) if link is not None else None
    if canonical is not None:
        path_query = urlsplit(canonical)[2:4]
        if path_query in (("/", ""), urlsplit(canonical_url(listing_url))[2:4]):
            canonical = None
    return canonical or canonical_url(url)


def explain_article(html: str, url: str, source: Source) -> list[SelectorMatch]:
    """What each article selector matched (and which fallback was used), for an admin."""
    page, sel = Page.parse(html, url), source.article
    counts = {key: len(page.index.select(s)) if s else 0 for key, s in _article_selectors(sel)}
    removable = len(page.index.select(", ".join(sel.remove))) if sel.remove else 0
    canonicals = len(page.tags("link", rel="canonical"))
    parts = _read_article(page, url, source)
    _, body_text, images = parts.render()
    when = f"{parts.published_raw} → {parts.published.isoformat()}" if parts.published else ""
    values: dict[str, tuple[tuple[str, ...], str | None]] = {
        "title": ((parts.title,) if parts.title else (), parts.title_from),
        "date": ((when,) if when else (), parts.published_from),
        "body": ((_short(body_text.replace("\n", " "), 160),) if body_text else (), parts.body_from),
        "author": ((parts.author,) if parts.author else (), parts.author_from),
        "category": (parts.categories[:3], parts.categories_from),
    }
    matches = [SelectorMatch(key, s, counts[key], *values[key]) for key, s in _article_selectors(sel)]
    removed = (f"{parts.removed} removed from the body",)
    matches.append(SelectorMatch("remove", ", ".join(sel.remove) or None, removable, removed))
    matches.append(SelectorMatch("canonical", "link[rel=canonical]", canonicals, (parts.url,)))
    matches.append(SelectorMatch("images", "img, og:image", len(images), images[:3]))
    return matches


def _article_selectors(sel: ArticleSelectors) -> tuple[tuple[str, str | None], ...]:
    return (
        ("title", sel.title), ("date", sel.date), ("body", sel.body), ("author", sel.author), ("category", sel.category)
    )

"""Pages to values: listing HTML to article links, article HTML to an ``Article``.

Pure: decoded HTML text in, frozen ``feeds.models`` values out. Each page is parsed once, with
BeautifulSoup's "lxml" builder. Configured selectors come first; when one finds nothing the page's
metadata is used instead (title: og:title, JSON-LD headline, ``<article> h1``, ``<h1>``,
``<title>``; date: ``<time datetime>``, ``article:published_time``, JSON-LD ``datePublished``;
body: ``<article>``, then the largest block of paragraphs).

A comma-separated selector for a single value (article title, date, body, author; listing link,
title, date, next_page) is tried alternative by alternative, left to right: ``"h1.entry-title, h1"``
prefers ``h1.entry-title`` wherever it is, and ``".entry-content, article"`` prefers the content div
over the ``<article>`` that contains it. Selectors for many values (listing item, category, remove)
take every match in document order. Simple selectors are answered from a one-walk index of the
page (BeautifulSoup's CSS engine, soupsieve, is slow on whole pages); others go to soupsieve.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Tag

from feeds.dates import parse_datetime
from feeds.errors import ScrapeError
from feeds.models import Article, ArticleSelectors, Listing, ListingItem, ListingSelectors, Source
from feeds.sanitize import ALWAYS_REMOVE, absolutize_urls, element_text, sanitize_html
from feeds.text import normalize

log = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- URLs

_TRACKING = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_ga|_gl|igshid|"
    r"_hsenc|_hsmi|mkt_tok|ref_src|spm)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "#")


def canonical_url(url: str, base: str | None = None) -> str:
    """Absolute URL without fragment or tracking parameters; host lower-cased, default port dropped.

    Raises ``ValueError`` for a URL that cannot be parsed (an unclosed IPv6 bracket).
    """
    url = url.strip()
    parts = urlsplit(urljoin(base, url) if base else url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return urlunsplit(parts._replace(fragment=""))
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return urlunsplit((scheme, _netloc(parts, scheme), path, query, ""))


def _netloc(parts, scheme: str) -> str:  # type: ignore[no-untyped-def]
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        return parts.netloc.lower()
    if ":" in host:
        host = f"[{host}]"
    return host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def _site_key(host: str | None) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class _Site:
    """Which hosts count as the source's own (its host with or without www., plus allowed_hosts)."""

    def __init__(self, url: str, allowed_hosts: Collection[str] = ()) -> None:
        self.hosts = {_site_key(urlsplit(url).hostname), *(_site_key(h) for h in allowed_hosts)}

    def link(self, href: str | None, base: str) -> str | None:
        """The canonical absolute URL of an on-site http(s) link, or None."""
        href = (href or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            return None
        try:
            url = canonical_url(href, base)
            parts = urlsplit(url)
        except ValueError:  # e.g. "http://[::1" on a careless page: not a link we can follow
            log.debug("ignoring malformed link %r", href)
            return None
        if parts.scheme not in _DEFAULT_PORTS or _site_key(parts.hostname) not in self.hosts:
            return None
        return url


# --------------------------------------------------------------------------- selecting


@lru_cache(maxsize=256)
def _alternatives(selector: str) -> tuple[str, ...]:
    """Split a selector group at its top-level commas (not inside (), [] or quotes)."""
    parts, depth, quote_char, start = [], 0, "", 0
    for i, ch in enumerate(selector):
        if quote_char:
            quote_char = "" if ch == quote_char else quote_char
        elif ch in "\"'":
            quote_char = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return tuple(p.strip() for p in parts if p.strip())


@dataclass(frozen=True, slots=True)
class _Compound:
    """A simple compound selector: ``tag``, ``.class``, ``#id``, ``[attr]``, ``[attr=v]``, ``[attr~=v]``."""

    tag: str | None
    classes: tuple[str, ...] = ()
    ident: str | None = None
    attrs: tuple[tuple[str, str, str], ...] = ()  # (name, operator "" / "=" / "~=", value)

    def matches(self, el: Tag) -> bool:
        if el.name == "[document]" or (self.tag and el.name != self.tag):
            return False
        if self.ident and el.get("id") != self.ident:
            return False
        classes = el.get("class") or ()
        return all(c in classes for c in self.classes) and all(_attr_matches(el, *a) for a in self.attrs)


def _attr_matches(el: Tag, name: str, operator: str, value: str) -> bool:
    actual = el.get(name)
    if actual is None:
        return False
    if operator == "~=":
        return value in (actual if isinstance(actual, list) else str(actual).split())
    text = " ".join(actual) if isinstance(actual, list) else str(actual)
    return operator == "" or text == value


_COMPOUND = re.compile(r"^([a-zA-Z][\w-]*|\*)?((?:[.#][\w-]+|\[[\w-]+(?:~?=(?:[\w-]+|'[^'\]]*'|\"[^\"\]]*\"))?\])*)$")
_PIECE = re.compile(r"""[.#][\w-]+|\[([\w-]+)(?:(~?=)(?:([\w-]+)|'([^']*)'|"([^"]*)"))?\]""")


@lru_cache(maxsize=512)
def _simple_chain(alternative: str) -> tuple[_Compound, ...] | None:
    """``"div.a span"`` as compounds joined by descendant combinators; None if soupsieve is needed."""
    chain = []
    for part in alternative.split():
        m = _COMPOUND.match(part)
        if m is None or not (m.group(1) or m.group(2)):
            return None
        compound = _compound(m.group(1), m.group(2))
        if compound is None:
            return None
        chain.append(compound)
    return tuple(chain) or None


def _compound(tag: str | None, rest: str) -> _Compound | None:
    classes, idents, attrs = [], [], []
    for piece in _PIECE.finditer(rest):
        text = piece.group(0)
        if text[0] == ".":
            classes.append(text[1:])
        elif text[0] == "#":
            idents.append(text[1:])
        else:
            value = next((v for v in piece.group(3, 4, 5) if v is not None), "")
            attrs.append((piece.group(1).lower(), piece.group(2) or "", value))
    if len(idents) > 1:
        return None
    name = tag.lower() if tag and tag != "*" else None
    return _Compound(name, tuple(classes), idents[0] if idents else None, tuple(attrs))


class _Index:
    """The page's elements in document order, by tag and by class, from one walk of the tree.

    Simple selectors (tags, classes, ids, descendant combinators: what sources mostly use) are
    answered from the index; anything else goes to soupsieve. Build it before changing the tree.
    """

    def __init__(self, root: BeautifulSoup) -> None:
        self.root = root
        self.elements: list[Tag] = root.find_all(True)
        self.position = {id(el): i for i, el in enumerate(self.elements)}
        self.by_tag: dict[str, list[Tag]] = {}
        self.by_class: dict[str, list[Tag]] = {}
        self._spans: dict[int, tuple[int, int]] = {}
        for el in self.elements:
            self.by_tag.setdefault(el.name, []).append(el)
            for name in el.get("class") or ():
                self.by_class.setdefault(name, []).append(el)

    def select(self, selector: str, scope: Tag | None = None) -> list[Tag]:
        """Every element matching the group, in document order (inside ``scope`` when given)."""
        found = {id(el): el for alt in _alternatives(selector) for el in self._matches(alt, scope)}
        return sorted(found.values(), key=lambda el: self.position.get(id(el), 0))

    def first(self, selector: str | None, scope: Tag | None = None) -> Tag | None:
        """The first match of the first alternative that matches anything (alternatives in priority order)."""
        for alternative in _alternatives(selector) if selector else ():
            found = self._matches(alternative, scope)
            if found:
                return found[0]
        return None

    def _matches(self, alternative: str, scope: Tag | None) -> list[Tag]:
        chain = _simple_chain(alternative)
        if chain is None:
            return (scope or self.root).select(alternative)
        *ancestors, last = chain
        low, high = self._span(scope)
        found = [el for el in self._pool(last) if low < self.position[id(el)] < high and last.matches(el)]
        if ancestors:  # descendants of the outermost compound's matches, then the rest of the chain
            spans = [self._span(a) for a in self._pool(ancestors[0]) if ancestors[0].matches(a)]
            found = [el for el in found if any(lo < self.position[id(el)] < hi for lo, hi in spans)]
            if len(ancestors) > 1:
                found = [el for el in found if _has_ancestors(el, ancestors)]
        return found

    def _pool(self, compound: _Compound) -> list[Tag]:
        if compound.classes:
            return self.by_class.get(compound.classes[0], [])
        return self.by_tag.get(compound.tag, []) if compound.tag else self.elements

    def _span(self, scope: Tag | None) -> tuple[int, int]:
        """Positions strictly between which ``scope``'s descendants lie."""
        if scope is None or id(scope) not in self.position:
            return -1, len(self.elements)
        span = self._spans.get(id(scope))
        if span is None:
            start = self.position[id(scope)]
            span = self._spans[id(scope)] = (start, start + len(scope.find_all(True)) + 1)
        return span


def _has_ancestors(el: Tag, chain: list[_Compound]) -> bool:
    """Descendant combinators: each compound of ``chain`` matches an ancestor, right to left."""
    pending = len(chain) - 1
    for parent in el.parents:
        if pending < 0:
            break
        if chain[pending].matches(parent):
            pending -= 1
    return pending < 0


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True, slots=True)
class _Page:
    """A parsed page: the tree, its index, and the base URL for relative links."""

    soup: BeautifulSoup
    index: _Index
    base: str

    @classmethod
    def parse(cls, html: str, url: str) -> _Page:
        soup = BeautifulSoup(html, "lxml")
        index = _Index(soup)
        base_tag = next((t for t in index.by_tag.get("base", ()) if t.get("href")), None)
        return cls(soup, index, urljoin(url, str(base_tag["href"])) if base_tag is not None else url)

    def tags(self, name: str, **attrs: str) -> list[Tag]:
        """Elements named ``name`` whose multi-valued attributes contain the given words."""
        return [el for el in self.index.by_tag.get(name, []) if all(_has_word(el, a, w) for a, w in attrs.items())]


def _has_word(el: Tag, attr: str, word: str) -> bool:
    value = el.get(attr)
    words = value if isinstance(value, list) else str(value or "").split()
    return word in (w.lower() for w in words)


def _text(el: Tag | None) -> str:
    return normalize(" ".join(el.get_text(" ").split())) if el is not None else ""


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# --------------------------------------------------------------------------- listing pages


def parse_listing(
    html: str, url: str, selectors: ListingSelectors, *, allowed_hosts: Collection[str] = ()
) -> Listing:
    """The article links of a listing page, in page order, deduplicated; items may be empty.

    Links are absolute and canonical; ``javascript:``/``mailto:`` links and links to other sites
    (other than ``allowed_hosts``) are dropped.
    """
    page, site = _Page.parse(html, url), _Site(url, allowed_hosts)
    items: dict[str, ListingItem] = {}
    for el in page.index.select(selectors.item):
        item = _listing_item(page, el, selectors, site)
        if item is not None and item.url not in items:
            items[item.url] = item
    next_page = _next_page(page, url, selectors, site)
    return Listing(url=canonical_url(url), items=tuple(items.values()), next_page=next_page)


def _item_link(page: _Page, el: Tag, selectors: ListingSelectors) -> Tag | None:
    link = page.index.first(selectors.link, el)
    return el if link is None and el.name == "a" else link


def _listing_item(page: _Page, el: Tag, selectors: ListingSelectors, site: _Site) -> ListingItem | None:
    link = _item_link(page, el, selectors)
    url = site.link(str(link.get("href") or ""), page.base) if link is not None else None
    if url is None or link is None:
        return None
    title = _text(page.index.first(selectors.title, el)) or _text(link)
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
    return _text(el)


def _next_page(page: _Page, url: str, selectors: ListingSelectors, site: _Site) -> str | None:
    link = page.index.first(selectors.next_page)
    if link is None:
        return None
    target = site.link(str(link.get("href") or ""), page.base)
    return None if target == canonical_url(url) else target


def explain_listing(
    html: str, url: str, selectors: ListingSelectors, *, allowed_hosts: Collection[str] = ()
) -> list[SelectorMatch]:
    """What each listing selector matched, for an admin checking a source."""
    page, site = _Page.parse(html, url), _Site(url, allowed_hosts)
    first = page.index.first
    elements = page.index.select(selectors.item)
    links = [a for a in (_item_link(page, el, selectors) for el in elements) if a is not None]
    urls = [u for u in (site.link(str(a.get("href") or ""), page.base) for a in links) if u]
    titles = [_text(t) for t in (first(selectors.title, el) for el in elements) if t is not None]
    dates = [_date_text(d) for d in (first(selectors.date, el) for el in elements) if d is not None]
    next_page = _next_page(page, url, selectors, site)
    return [
        SelectorMatch("item", selectors.item, len(elements), tuple(_short(_text(e), 80) for e in elements[:3])),
        SelectorMatch("link", selectors.link, len(urls), tuple(urls[:3])),
        SelectorMatch("title", selectors.title, len(titles), tuple(titles[:3]), None if titles else "link text"),
        SelectorMatch("date", selectors.date, len(dates), tuple(dates[:3])),
        SelectorMatch("next_page", selectors.next_page, int(next_page is not None), (next_page,) if next_page else ()),
    ]


# --------------------------------------------------------------------------- page metadata

_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle"}


@dataclass(frozen=True, slots=True)
class _Meta:
    """``<meta>`` values by lower-cased property/name/itemprop, and the page's JSON-LD article."""

    values: dict[str, tuple[str, ...]]
    ld: dict
    ld_by_id: dict

    def first(self, *keys: str) -> str:
        return next((v[0] for k in keys if (v := self.values.get(k))), "")


def _read_meta(index: _Index) -> _Meta:
    values: dict[str, list[str]] = {}
    objects = [o for script in index.by_tag.get("script", ()) for o in _json_ld_objects(script)]
    for tag in index.by_tag.get("meta", ()):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = " ".join(str(tag.get("content") or "").split())
        if key and content:
            values.setdefault(str(key).lower(), []).append(content)
    by_id = {str(o["@id"]): o for o in objects if isinstance(o.get("@id"), str)}
    article = next((o for o in objects if _ld_types(o) & _ARTICLE_TYPES), None)  # else a WebPage with dates
    article = article or next((o for o in objects if "headline" in o or "datePublished" in o), {})
    return _Meta({k: tuple(v) for k, v in values.items()}, article, by_id)


def _json_ld_objects(script: Tag) -> Iterable[dict]:
    if "ld+json" not in str(script.get("type") or "").lower():
        return ()
    try:
        data = json.loads(script.string or script.get_text() or "null", strict=False)
    except ValueError:
        log.debug("ignoring JSON-LD that does not parse")
        return ()
    return list(_flatten_ld(data))


def _flatten_ld(data: object) -> Iterable[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_ld(data.get("@graph"))


def _ld_types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _ld_names(meta: _Meta, value: object) -> list[str]:
    """Names in a JSON-LD author/section value: a string, {"name"}, an {"@id"} reference or a list."""
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(meta, v)]
    if isinstance(value, dict):
        if "name" not in value:
            value = meta.ld_by_id.get(str(value.get("@id")), {})
        value = value.get("name")
    return [normalize(" ".join(value.split()))] if isinstance(value, str) and value.strip() else []


def _strip_site_name(title: str, meta: _Meta) -> str:
    site = meta.first("og:site_name")
    for sep in (" – ", " - ", " | ", " — ", " :: "):
        if site and title.endswith(sep + site) and len(title) > len(sep + site):
            return title[: -len(sep + site)].strip()
    return title


# --------------------------------------------------------------------------- article pages

# Page chrome dropped when the body is a whole <article>/<main>/<body> (or a fallback found it).
_FALLBACK_TRIM = ("header", "footer", "nav", "aside")
_PAGE_CONTAINERS = frozenset({"article", "main", "body"})


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


def parse_article(html: str, url: str, source: Source, *, now: dt.datetime) -> Article:
    """The article on ``html``; ``ScrapeError`` (naming the source and URL) without title or body."""
    parts = _read_article(_Page.parse(html, url), url, source)
    if not parts.title:
        fallbacks = "og:title, JSON-LD headline, <h1> or <title>"
        raise ScrapeError(_missing("title", source.article.title, fallbacks), url=url, source=source.id)
    if parts.body is None:
        fallbacks = "<article> or block of paragraphs"
        raise ScrapeError(_missing("body", source.article.body, fallbacks), url=url, source=source.id)
    body_html, body_text, images = _render_body(parts)
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


def _read_article(page: _Page, url: str, source: Source) -> _Parts:
    """Every part the page offers; a missing title is "" and a missing body None (callers decide)."""
    sel, tz, meta = source.article, source.tz, _read_meta(page.index)
    title, title_from = _read_title(page, sel, meta)
    body, body_from = _read_body(page, sel)
    published, published_from, raw = _read_published(page, sel, meta, tz)
    author, author_from = _read_author(page, sel, meta)
    categories, categories_from = _read_categories(page, sel, meta)
    return _Parts(
        url=_article_url(page, url, _Site(url, source.allowed_hosts)), base=page.base,
        title=title, title_from=title_from,
        published=published, published_from=published_from, published_raw=raw,
        modified=_read_modified(meta, tz),
        author=author, author_from=author_from,
        categories=categories, categories_from=categories_from,
        body=body, body_from=body_from, og_image=meta.first("og:image", "og:image:url"),
        removed=0 if body is None else _clean_body(page, body, sel, trim=_is_whole_page(body, body_from)),
    )


def _is_whole_page(body: Tag, body_from: str | None) -> bool:
    """True when the body is a fallback or a whole <article>/<main>/<body>: its chrome must go."""
    return body_from is not None or body.name in _PAGE_CONTAINERS


def _missing(key: str, selector: str | None, fallbacks: str) -> str:
    what = f"selector {selector!r} matched nothing" if selector else f"no {key} selector is configured"
    return f"no {key} found: {what} and the page has no {fallbacks}; check [sources.article] {key}"


def _article_url(page: _Page, url: str, site: _Site) -> str:
    """rel=canonical when it points at the source's own site, else the page URL (canonicalised)."""
    link = next((t for t in page.tags("link", rel="canonical") if t.get("href")), None)
    canonical = site.link(str(link["href"]), page.base) if link is not None else None
    return canonical or canonical_url(url)


def _fallback(candidates) -> tuple:  # type: ignore[no-untyped-def]
    """The first (value, name) whose getter returns something truthy, else (empty, None)."""
    for name, get in candidates:
        value = get()
        if value:
            return value, name
    return None, None


def _read_title(page: _Page, sel: ArticleSelectors, meta: _Meta) -> tuple[str, str | None]:
    title = _text(page.index.first(sel.title))
    if title:
        return title, None
    value, name = _fallback((
        ("og:title", lambda: normalize(_strip_site_name(meta.first("og:title"), meta))),
        ("JSON-LD headline", lambda: normalize(" ".join(unescape(str(meta.ld.get("headline") or "")).split()))),
        ("<article> h1", lambda: _text(page.index.first("article h1"))),
        ("<h1>", lambda: _text(page.index.first("h1"))),
        ("<title>", lambda: _strip_site_name(_text(page.index.first("head title, title")), meta)),
    ))
    return value or "", name


def _read_published(
    page: _Page, sel: ArticleSelectors, meta: _Meta, tz: ZoneInfo
) -> tuple[dt.datetime | None, str | None, str]:
    """(when, fallback used or None, the text it was read from)."""
    candidates = [(None, lambda raw=raw: raw) for raw in _date_candidates(page.index.first(sel.date))]
    candidates += [
        ("<time datetime>", lambda: next((str(t["datetime"]) for t in page.tags("time") if t.get("datetime")), "")),
        ("article:published_time", lambda: meta.first("article:published_time", "datepublished")),
        ("JSON-LD datePublished", lambda: str(meta.ld.get("datePublished") or "")),
    ]
    for name, get in candidates:
        raw = get()
        when = parse_datetime(raw, tz) if raw else None
        if when is not None:
            return when, name, raw
    return None, None, ""


def _date_candidates(el: Tag | None) -> list[str]:
    if el is None:
        return []
    attrs = [str(el.get(a)).strip() for a in ("datetime", "content") if el.get(a)]
    return [*attrs, _text(el)]


def _read_modified(meta: _Meta, tz: ZoneInfo) -> dt.datetime | None:
    for raw in (meta.first("article:modified_time", "og:updated_time", "datemodified"), meta.ld.get("dateModified")):
        when = parse_datetime(str(raw), tz) if raw else None
        if when is not None:
            return when
    return None


def _plausible_name(text: str) -> str:
    return text if 0 < len(text) <= 120 and "://" not in text else ""


def _read_author(page: _Page, sel: ArticleSelectors, meta: _Meta) -> tuple[str | None, str | None]:
    author = _plausible_name(_text(page.index.first(sel.author)))
    if author:
        return author, None
    return _fallback((
        ('rel="author"', lambda: _plausible_name(_text(next(iter(page.tags("a", rel="author")), None)))),
        (".author", lambda: _plausible_name(_text(page.index.first(".author")))),
        ("meta author", lambda: _plausible_name(normalize(meta.first("author")))),
        ("JSON-LD author", lambda: _plausible_name(", ".join(_ld_names(meta, meta.ld.get("author"))))),
    ))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _read_categories(page: _Page, sel: ArticleSelectors, meta: _Meta) -> tuple[tuple[str, ...], str | None]:
    found = _unique(_text(e) for e in page.index.select(sel.category)) if sel.category else ()
    if found:
        return found, None
    value, name = _fallback((
        ('rel="category"', lambda: _unique(_text(a) for a in page.tags("a", rel="category"))),
        ("article:section", lambda: _unique(normalize(v) for v in meta.values.get("article:section", ()))),
        (".cat-links a", lambda: _unique(_text(a) for a in page.index.select(".cat-links a"))),
        ("JSON-LD articleSection", lambda: _unique(_ld_names(meta, meta.ld.get("articleSection")))),
    ))
    return value or (), name


def _read_body(page: _Page, sel: ArticleSelectors) -> tuple[Tag | None, str | None]:
    body = page.index.first(sel.body)
    if body is not None:
        return body, None
    article = page.index.first("article")
    if article is not None:
        return article, "<article>"
    block = _largest_text_block(page)
    return (block, "largest text block") if block is not None else (None, None)


def _largest_text_block(page: _Page) -> Tag | None:
    """The element whose direct ``<p>`` children hold the most text (else ``<body>``)."""
    scores: dict[int, tuple[Tag, int]] = {}
    for p in page.tags("p"):
        if isinstance(p.parent, Tag):
            parent, score = scores.get(id(p.parent), (p.parent, 0))
            scores[id(parent)] = (parent, score + len(p.get_text(strip=True)))
    best = max(scores.values(), key=lambda entry: entry[1], default=None)
    if best is not None and best[1] > 0:
        return best[0]
    return page.index.first("body")


def _clean_body(page: _Page, body: Tag, sel: ArticleSelectors, *, trim: bool) -> int:
    """Remove the configured and always-removed elements from ``body``; how many were removed."""
    group = ", ".join((*sel.remove, *ALWAYS_REMOVE, *(_FALLBACK_TRIM if trim else ())))
    removed = 0
    for el in page.index.select(group, body):  # an element inside a removed one is already gone
        if not el.decomposed:
            el.decompose()
            removed += 1
    return removed


def _render_body(parts: _Parts) -> tuple[str, str, tuple[str, ...]]:
    """(sanitised HTML, plain text, image URLs) of the cleaned body (empty without a body)."""
    body = parts.body
    if body is not None:
        absolutize_urls(body, parts.base)
    images = [str(img["src"]) for img in body.find_all("img", src=True)] if body is not None else []
    if parts.og_image:
        images.append(urljoin(parts.base, parts.og_image))
    web_images = _unique(u for u in images if u.startswith(("http://", "https://")))
    if body is None:
        return "", "", web_images
    return normalize(sanitize_html(body.decode_contents())), normalize(element_text(body)), web_images


def explain_article(html: str, url: str, source: Source) -> list[SelectorMatch]:
    """What each article selector matched (and which fallback was used), for an admin."""
    page, sel = _Page.parse(html, url), source.article
    counts = {key: len(page.index.select(s)) if s else 0 for key, s in _article_selectors(sel)}
    removable = len(page.index.select(", ".join(sel.remove))) if sel.remove else 0
    canonicals = len(page.tags("link", rel="canonical"))
    parts = _read_article(page, url, source)
    _, body_text, images = _render_body(parts)
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

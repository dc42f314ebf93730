"""An article page's metadata, and the fallbacks used when a configured selector finds nothing.

Title: og:title, JSON-LD headline, ``<article> h1``, ``<h1>``, ``<title>``. Date: ``<time
datetime>``, ``article:published_time``, JSON-LD ``datePublished``. Author: ``rel="author"``,
``.author``, ``<meta name=author>``, JSON-LD author. Categories: ``rel="category"``,
``article:section``, ``.cat-links a``, JSON-LD articleSection. Each reader returns the value and
the name of the fallback it came from (None when the configured selector found it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import Tag

from feeds.dates import parse_datetime
from feeds.models import ArticleSelectors
from feeds.scrape.selectors import Index, Page, text_of
from feeds.text import normalize

log = logging.getLogger(__name__)

__all__ = [
    "Meta", "read_author", "read_categories", "read_meta", "read_modified", "read_published", "read_title", "unique",
]

_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle"}


@dataclass(frozen=True, slots=True)
class Meta:
    """``<meta>`` values by lower-cased property/name/itemprop, and the page's JSON-LD article."""

    values: dict[str, tuple[str, ...]]
    ld: dict
    ld_by_id: dict

    def first(self, *keys: str) -> str:
        return next((v[0] for k in keys if (v := self.values.get(k))), "")


def read_meta(index: Index) -> Meta:
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
    return Meta({k: tuple(v) for k, v in values.items()}, article, by_id)


def _json_ld_objects(script: Tag) -> Iterable[dict]:
    if "ld+json" not in str(script.get("type") or "").lower():
        return ()
    try:
        return list(_flatten_ld(json.loads(script.string or script.get_text() or "null", strict=False)))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        log.debug("ignoring JSON-LD that does not parse")
        return ()


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


def _ld_names(meta: Meta, value: object) -> list[str]:
    """Names in a JSON-LD author/section value: a string, {"name"}, an {"@id"} reference or a list."""
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(meta, v)]
    if isinstance(value, dict):
        if "name" not in value:
            value = meta.ld_by_id.get(str(value.get("@id")), {})
        value = value.get("name")
    return [normalize(" ".join(value.split()))] if isinstance(value, str) and value.strip() else []


def _strip_site_name(title: str, meta: Meta) -> str:
    site = meta.first("og:site_name")
    for sep in (" – ", " - ", " | ", " — ", " :: "):
        if site and title.endswith(sep + site) and len(title) > len(sep + site):
            return title[: -len(sep + site)].strip()
    return title


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """The non-empty values, first occurrence kept, in order."""
    return tuple(dict.fromkeys(v for v in values if v))


# --------------------------------------------------------------------------- fallback readers


def _fallback(candidates: Sequence[tuple[str, Callable[[], Any]]]) -> tuple[Any, str | None]:
    """The first (value, name) whose getter returns something truthy, else (None, None)."""
    for name, get in candidates:
        value = get()
        if value:
            return value, name
    return None, None


def read_title(page: Page, sel: ArticleSelectors, meta: Meta) -> tuple[str, str | None]:
    title = text_of(page.index.first(sel.title))
    if title:
        return title, None
    value, name = _fallback((
        ("og:title", lambda: normalize(_strip_site_name(meta.first("og:title"), meta))),
        ("JSON-LD headline", lambda: normalize(" ".join(unescape(str(meta.ld.get("headline") or "")).split()))),
        ("<article> h1", lambda: text_of(page.index.first("article h1"))),
        ("<h1>", lambda: text_of(page.index.first("h1"))),
        ("<title>", lambda: _strip_site_name(text_of(page.index.first("head title, title")), meta)),
    ))
    return value or "", name


def read_published(
    page: Page, sel: ArticleSelectors, meta: Meta, tz: ZoneInfo
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
    return [*attrs, text_of(el)]


def read_modified(meta: Meta, tz: ZoneInfo) -> dt.datetime | None:
    for raw in (meta.first("article:modified_time", "og:updated_time", "datemodified"), meta.ld.get("dateModified")):
        when = parse_datetime(str(raw), tz) if raw else None
        if when is not None:
            return when
    return None


def _plausible_name(text: str) -> str:
    return text if 0 < len(text) <= 120 and "://" not in text else ""


def read_author(page: Page, sel: ArticleSelectors, meta: Meta) -> tuple[str | None, str | None]:
    author = _plausible_name(text_of(page.index.first(sel.author)))
    if author:
        return author, None
    return _fallback((
        ('rel="author"', lambda: _plausible_name(text_of(next(iter(page.tags("a", rel="author")), None)))),
        (".author", lambda: _plausible_name(text_of(page.index.first(".author")))),
        ("meta author", lambda: _plausible_name(normalize(meta.first("author")))),
        ("JSON-LD author", lambda: _plausible_name(", ".join(_ld_names(meta, meta.ld.get("author"))))),
    ))


def read_categories(page: Page, sel: ArticleSelectors, meta: Meta) -> tuple[tuple[str, ...], str | None]:
    found = unique(text_of(e) for e in page.index.select(sel.category)) if sel.category else ()
    if found:
        return found, None
    value, name = _fallback((
        ('rel="category"', lambda: unique(text_of(a) for a in page.tags("a", rel="category"))),
        ("article:section", lambda: unique(normalize(v) for v in meta.values.get("article:section", ()))),
        (".cat-links a", lambda: unique(text_of(a) for a in page.index.select(".cat-links a"))),
        ("JSON-LD articleSection", lambda: unique(_ld_names(meta, meta.ld.get("articleSection")))),
    ))
    return value or (), name

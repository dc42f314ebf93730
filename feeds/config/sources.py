"""Validate ``config/sources.toml``, the admin's list of news sites (pure: ``files`` reads it).

The file is a list of ``[[sources]]`` tables; each one becomes a ``feeds.models.Source``.
Every problem names the file, the source id (or its position when the id is missing) and
the key, and all problems of a file are reported together, one per line::

    config/sources.toml: source 'vncpc-vi': key 'listing.item': not a valid CSS selector ...

Keys of a ``[[sources]]`` table
-------------------------------
``id`` (required)
    Lower-case letters, digits and ``-`` (``[a-z0-9-]+``), unique in the file. It names the
    feed files (``feeds/<id>.atom``) and is used by ``feedbot scrape --source ID``.
``name`` (required)
    The human-readable name shown as the feed title and in Telegram messages.
``url`` (required)
    The first listing page, an ``http://`` or ``https://`` URL.
``language``
    ``"vi"`` or ``"en"`` (default ``"vi"``).
``timezone``
    An IANA zone name for dates the site prints without an offset
    (default ``"Asia/Ho_Chi_Minh"``).
``interval_minutes``
    How often the service scrapes this source, a whole number from 1 to 10080 (a week; default 30).
``max_pages``
    How many listing pages to follow per run through ``listing.next_page``, 1 to 50 (default 3).
``enabled``
    ``true`` or ``false`` (default ``true``); a disabled source is kept but never scraped.
``allowed_hosts``
    Extra host names redirects may lead to, e.g. ``["www.vncpc.org"]`` (default: none, only the
    host of ``url``).

Keys of ``[sources.listing]`` (CSS selectors on a listing page; the table is required)
-------------------------------------------------------------------------------------
``item`` (required)
    One news item on the listing page.
``link``
    Within an item, the element whose ``href`` is the article link (default ``"a"``).
``title``, ``date``
    Within an item, the article's title and date (optional).
``next_page``
    On the page, the link to the next (older) listing page (optional).

Keys of ``[sources.article]`` (CSS selectors on an article page; the table is optional)
-------------------------------------------------------------------------------------
``title``, ``date``, ``body``, ``author``, ``category``
    Optional. When a selector is missing or finds nothing, page metadata is used instead
    (``<time datetime>``, OpenGraph, JSON-LD, ``<article>``, ``<h1>``). ``date`` reads the
    element's text, or its ``datetime`` / ``content`` attribute.
``remove``
    A list of selectors whose elements are deleted from the body (default: none).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve

from feeds.errors import ConfigError
from feeds.models import DEFAULT_TIMEZONE, ArticleSelectors, Language, ListingSelectors, Source

ID_PATTERN = re.compile(r"[a-z0-9-]+")
HOST_PATTERN = re.compile(r"[^\s/:@?#\[\]]+")
TOP_KEYS = frozenset({"sources"})
SOURCE_KEYS = frozenset(
    {"id", "name", "url", "language", "timezone", "interval_minutes", "max_pages",
     "enabled", "allowed_hosts", "listing", "article"}
)
LISTING_KEYS = frozenset({"item", "link", "title", "date", "next_page"})
ARTICLE_KEYS = frozenset({"title", "date", "body", "author", "category", "remove"})
MAX_PAGES_LIMIT = 50
MAX_INTERVAL_MINUTES = 7 * 24 * 60  # a week: a larger number would overflow the scheduler's timers

Check = Callable[[str], "str | None"]
_TOML_TYPES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
               list: "an array", dict: "a table"}


def parse_sources(data: Mapping[str, Any], *, where: str) -> tuple[Source, ...]:
    """Validate parsed TOML (``{"sources": [...]}``) and build the sources."""
    problems = _Problems(where)
    top = _Table(problems, "", data)
    top.reject_unknown(TOP_KEYS)
    tables = data.get("sources")
    if tables is None:
        problems.add("", "sources", "no [[sources]] table; add at least one source")
    elif not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
        problems.add("", "sources", "must be written as [[sources]] tables")
        tables = None
    sources = [_parse_source(problems, i, t) for i, t in enumerate(tables or (), start=1)]
    _check_unique_ids(problems, tables or ())
    problems.raise_if_any()
    return tuple(sources)


def _parse_source(problems: _Problems, index: int, data: Mapping[str, Any]) -> Source:
    raw_id = data.get("id")
    scope = f"source {raw_id!r}" if isinstance(raw_id, str) and raw_id else f"source #{index}"
    t = _Table(problems, scope, data)
    t.reject_unknown(SOURCE_KEYS)
    source_id = t.text("id", required=True, check=_check_id) or ""
    return Source(
        id=source_id,
        name=unicodedata.normalize("NFC", t.text("name", required=True) or ""),
        url=t.text("url", required=True, check=_check_url) or "",
        listing=_parse_listing(t.table("listing", required=True)),
        article=_parse_article(t.table("article")),
        language=Language(t.text("language", check=_check_language) or Language.VI),
        timezone=t.text("timezone", check=_check_timezone) or DEFAULT_TIMEZONE,
        interval_minutes=t.integer("interval_minutes", 30, low=1, high=MAX_INTERVAL_MINUTES),
        max_pages=t.integer("max_pages", 3, low=1, high=MAX_PAGES_LIMIT),
        enabled=t.boolean("enabled", True),
        allowed_hosts=tuple(h.lower() for h in t.texts("allowed_hosts", check=_check_host)),
    )


def _parse_listing(t: _Table | None) -> ListingSelectors:
    if t is None:
        return ListingSelectors(item="*")
    t.reject_unknown(LISTING_KEYS)
    return ListingSelectors(
        item=t.selector("item", required=True) or "*",
        link=t.selector("link") or "a",
        title=t.selector("title"),
        date=t.selector("date"),
        next_page=t.selector("next_page"),
    )


def _parse_article(t: _Table | None) -> ArticleSelectors:
    if t is None:
        return ArticleSelectors()
    t.reject_unknown(ARTICLE_KEYS)
    return ArticleSelectors(
        title=t.selector("title"),
        date=t.selector("date"),
        body=t.selector("body"),
        author=t.selector("author"),
        category=t.selector("category"),
        remove=t.texts("remove", check=_check_selector),
    )


def _check_unique_ids(problems: _Problems, tables: Collection[Mapping[str, Any]]) -> None:
    first_seen: dict[str, int] = {}
    for index, table in enumerate(tables, start=1):
        source_id = table.get("id")
        if not isinstance(source_id, str) or not source_id:
            continue
        if source_id in first_seen:
            problems.add(
                f"source {source_id!r}", "id",
                f"duplicate id: sources #{first_seen[source_id]} and #{index} both use it; "
                "give each source its own id",
            )
        else:
            first_seen[source_id] = index


# --------------------------------------------------------------------------- value checks
# Each returns None when the value is fine, else what is wrong and how to fix it.


def _check_id(value: str) -> str | None:
    if ID_PATTERN.fullmatch(value):
        return None
    return f"{value!r} is not a valid id: use lower-case letters, digits and '-' only"


def _check_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"{value!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{value!r} must start with http:// or https://"
    if not parts.hostname or any(c.isspace() for c in value):
        return f"{value!r} is not a valid URL: it needs a host name and no spaces"
    return None


def _check_language(value: str) -> str | None:
    if value in tuple(Language):
        return None
    return f"{value!r} is not supported: use " + " or ".join(f'"{lang}"' for lang in Language)


def _check_timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder of the database
        return f"{value!r} is not an IANA time zone; use a name like {DEFAULT_TIMEZONE!r}"
    return None


def _check_host(value: str) -> str | None:
    if HOST_PATTERN.fullmatch(value):
        return None
    return f"{value!r} is not a host name: write it like 'www.vncpc.org' (no scheme, port or path)"


def _check_selector(value: str) -> str | None:
    try:
        soupsieve.compile(value)
    except (soupsieve.SelectorSyntaxError, NotImplementedError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{value!r} is not a valid CSS selector ({first_line})"
    return None


# --------------------------------------------------------------------------- collecting


class _Problems:
    """Every problem found in one file, so the admin can fix them all in one go."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[tuple[str, str]] = []

    def add(self, scope: str, key: str | None, message: str) -> None:
        parts = (self.where, scope, f"key '{key}'" if key else "")
        self.items.append((": ".join(p for p in parts if p), message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first_where, first_message = self.items[0]
        more = [f"{w}: {m}" for w, m in self.items[1:]]
        error = ConfigError("\n".join([first_message, *more]), where=first_where)
        error.problems = tuple(self.items)  # type: ignore[attr-defined]
        raise error


class _Table:
    """Typed, checked access to one TOML table; problems are recorded, not raised."""

    def __init__(self, problems: _Problems, scope: str, data: Mapping[str, Any],
                 prefix: str = "") -> None:
        self.problems, self.scope, self.data, self.prefix = problems, scope, data, prefix

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.scope, self.prefix + key, message)

    def reject_unknown(self, allowed: frozenset[str]) -> None:
        for key in self.data:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            if self.prefix and key in SOURCE_KEYS:  # a source key written after [sources.listing]
                hint = f"it belongs to the source: move it above the [sources.{self.prefix.rstrip('.')}] line; "
            self.problem(key, f"unknown key; {hint}allowed keys: {', '.join(sorted(allowed))}")

    def _typed(self, key: str, kind: type, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, "missing; this key is required")
            return None
        if type(value) is not kind:  # bool is not an int here
            self.problem(key, f"expected {_TOML_TYPES[kind]}, got {_describe(value)}")
            return None
        return value

    def text(self, key: str, *, required: bool = False, check: Check | None = None) -> str | None:
        value = self._typed(key, str, required)
        if value is not None and not value.strip():
            self.problem(key, "is empty; write a value or remove the key")
            return None
        error = check(value) if value is not None and check else None
        if error:
            self.problem(key, error)
            return None
        return value

    def selector(self, key: str, *, required: bool = False) -> str | None:
        return self.text(key, required=required, check=_check_selector)

    def texts(self, key: str, *, check: Check | None = None) -> tuple[str, ...]:
        values = self._typed(key, list, False) or []
        good = []
        for i, value in enumerate(values):
            error = (f"expected a string, got {_describe(value)}" if not isinstance(value, str)
                     else check(value) if check else None)
            if error:
                self.problem(f"{key}[{i}]", error)
            else:
                good.append(value)
        return tuple(good)

    def integer(self, key: str, default: int, *, low: int, high: int | None = None) -> int:
        value = self._typed(key, int, False)
        if value is None:
            return default
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.problem(key, f"{value} is out of range: use a whole number {bounds}")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._typed(key, bool, False)
        return default if value is None else value

    def table(self, key: str, *, required: bool = False) -> _Table | None:
        value = self._typed(key, dict, required)
        if value is None:
            return None
        return _Table(self.problems, self.scope, value, prefix=f"{self.prefix}{key}.")


def _describe(value: Any) -> str:
    kind = _TOML_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)):
        return kind
    return f"{kind} ({str(value).lower() if isinstance(value, bool) else repr(value)})"

"""Stored articles -> Atom 1.0 and RSS 2.0 documents (feedgen), pure and deterministic: the same
articles give the same bytes (no wall clock, a fixed generator, a fixed epoch for an empty feed).

Entry identity is the article's canonical URL (Atom ``<id>``, RSS ``<guid isPermaLink="true">``),
so an edited article updates its entry instead of adding one. Times are shown in the feed's
timezone (+07:00 for VNCPC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.errors import PublishError
from feeds.models import DEFAULT_TIMEZONE, StoredArticle
from feeds.publish.entries import GENERATOR_URI, MAX_ENTRY_BYTES, TOPICS_SCHEME, Entry, entry_data
from feeds.publish.entries import clean_xml_text as _x

GENERATOR = "vncpc-feedbot"
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
STYLESHEET_PI = b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>\n'  # relative: /feeds/feed.xsl
_ATOM = "{http://www.w3.org/2005/Atom}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ARTICLE_TEXT = tuple(f"{_ATOM}{tag}" for tag in ("title", "summary", "content"))


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Feed-level data. ``feed_id`` is the Atom ``<id>`` (publish_all uses the Atom feed's URL);
    ``author`` (default: the title) covers entries without one; times show in ``timezone``."""

    feed_id: str
    title: str
    subtitle: str
    self_url: str
    site_url: str
    language: str = "vi"
    author: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    max_entry_bytes: int = MAX_ENTRY_BYTES  # an entry's body beyond this is cut, with a "read more" link


def _newest_first(entries: Sequence[StoredArticle]) -> list[StoredArticle]:
    return sorted(entries, key=lambda s: (s.article.published, s.id), reverse=True)


def _add_entry(fg: FeedGenerator, entry: Entry, feed_language: str) -> None:
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.id(entry.id)
    fe.guid(entry.id, permalink=True)
    fe.title(entry.title)
    fe.link(href=entry.id, rel="alternate")
    if entry.published is not None:  # None: when we first saw a page is not when it was published
        fe.published(entry.published)
    fe.updated(entry.updated)
    if entry.author:
        fe.author(name=entry.author)  # Atom <author>; RSS <author> needs an e-mail address
        fe.dc.dc_creator(entry.author)  # so RSS gets <dc:creator>
    if entry.language != feed_language:
        fe.dc.dc_language(entry.language)  # RSS; Atom gets xml:lang (_mark_languages)
    # The page's own categories as they are; our topics with a scheme and a label in the feed's
    # language (RSS shows the label, with the scheme as ``domain``).
    for term, label in entry.categories:
        if label is not None:
            fe.category(term=term, scheme=TOPICS_SCHEME, label=label)
        else:
            fe.category(term=term)
    if entry.summary:
        fe.summary(entry.summary)
        fe.description(escape(entry.summary))  # RSS <description> is HTML
    fe.content(entry.content_html, type="html")


def feed_entries(entries: Sequence[StoredArticle], meta: FeedMeta) -> list[Entry]:
    """The feed's entries, newest first, as every format renders them."""
    tz = ZoneInfo(meta.timezone)
    return [entry_data(stored, tz, meta.language, meta.max_entry_bytes) for stored in _newest_first(entries)]


def feed_updated(entries: Sequence[Entry]) -> dt.datetime:
    """The newest entry's time; a fixed epoch for an empty feed (never the wall clock)."""
    return max((e.updated for e in entries), default=EMPTY_FEED_UPDATED)


def _feed(entries: Sequence[Entry], meta: FeedMeta, self_type: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # <dc:creator> in RSS only; Atom has <author>
    fg.id(_x(meta.feed_id))
    fg.title(_x(meta.title))
    fg.subtitle(_x(meta.subtitle or meta.title))
    fg.author(name=_x(meta.author or meta.title))
    fg.link(href=_x(meta.self_url), rel="self", type=self_type)
    fg.link(href=_x(meta.site_url), rel="alternate")  # last link() = RSS channel <link>
    fg.language(meta.language)
    fg.generator(GENERATOR, uri=GENERATOR_URI)
    fg.updated(feed_updated(entries))  # also RSS lastBuildDate; never the wall clock
    for entry in entries:
        _add_entry(fg, entry, meta.language)
    return fg


def build_atom(entries: Sequence[StoredArticle], meta: FeedMeta, *, rendered: Sequence[Entry] | None = None) -> bytes:
    """An Atom 1.0 document, newest entry first; the text of an entry in another language than
    the feed's carries its own ``xml:lang``. ``rendered``: :func:`feed_entries`, when already made."""
    rendered = feed_entries(entries, meta) if rendered is None else rendered
    data = bytes(_feed(rendered, meta, "application/atom+xml").atom_str(pretty=True))
    return with_stylesheet(_mark_languages(data, [e.language for e in rendered], meta.language))


def with_stylesheet(document: bytes) -> bytes:
    """The feed with ``<?xml-stylesheet?>`` after its XML declaration: a browser opening it shows a
    readable page (bot/service/static/feed.xsl, served beside the feeds); feed readers ignore it."""
    declaration, end, rest = document.partition(b"?>\n")
    if not declaration.startswith(b"<?xml ") or not end:
        raise PublishError("feed without an XML declaration: cannot link its stylesheet")
    return declaration + end + STYLESHEET_PI + rest


def _mark_languages(atom: bytes, languages: Sequence[str], feed_language: str) -> bytes:
    """``xml:lang`` on the title, summary and content of the n-th ``<entry>`` when its language
    differs (feedgen cannot set it). Not on the entry itself: its category labels are in the
    feed's language."""
    if all(language == feed_language for language in languages):
        return atom  # nothing to mark: feedgen's bytes as they are
    root = etree.fromstring(atom, etree.XMLParser(remove_blank_text=True))
    for entry, language in zip(root.iterfind(f"{_ATOM}entry"), languages, strict=True):
        if language != feed_language:
            for text in entry.iterchildren(*_ARTICLE_TEXT):
                text.set(_XML_LANG, language)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_rss(entries: Sequence[StoredArticle], meta: FeedMeta, *, rendered: Sequence[Entry] | None = None) -> bytes:
    """An RSS 2.0 document, newest item first (content:encoded carries the HTML)."""
    rendered = feed_entries(entries, meta) if rendered is None else rendered
    return with_stylesheet(bytes(_feed(rendered, meta, "application/rss+xml").rss_str(pretty=True)))


Builder = Callable[..., bytes]  # build_atom, build_rss or build_json_feed: (entries, meta, *, rendered)


def fit_feed(build: Builder, entries: Sequence[StoredArticle], meta: FeedMeta, max_bytes: int, *,
             rendered: Sequence[Entry] | None = None) -> tuple[bytes, int]:
    """The feed with as many of the newest entries as fit in ``max_bytes`` (at least one), and
    how many it kept. ``rendered``: :func:`feed_entries`, when already made."""
    ordered = _newest_first(entries)
    rendered = feed_entries(entries, meta) if rendered is None else rendered
    data, count = build(ordered, meta, rendered=rendered), len(ordered)
    while len(data) > max_bytes and count > 1:
        count = max(1, min(count - 1, int(count * max_bytes / len(data) * 0.95)))
        data = build(ordered[:count], meta, rendered=rendered[:count])
    return data, count

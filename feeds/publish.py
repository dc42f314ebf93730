"""Stored articles → Atom / RSS (feedgen), iCalendar (icalendar) and OPML; atomic file writes.

The ``build_*`` functions are pure and deterministic: the same articles give the same bytes (no
wall clock, a fixed generator, a fixed epoch for an empty feed). ``publish_all`` is the only I/O.

Entry identity is the article's canonical URL (Atom ``<id>``, RSS ``<guid isPermaLink="true">``),
so an edited article updates its entry instead of adding one. Times are shown in the feed's
timezone (+07:00 for VNCPC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import nh3
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from lxml import etree

from feeds.errors import PublishError
from feeds.models import DEFAULT_TIMEZONE, Article, DatePrecision, Event, Source, StoredArticle
from feeds.extract.places import describe_place

if TYPE_CHECKING:
    from feeds.store import Store

log = logging.getLogger(__name__)

GENERATOR = "vncpc-feedbot"
GENERATOR_URI = "https://github.com/vncpc-feedbot/vncpc-feedbot"
ICS_PRODID = "-//vncpc-feedbot//events//EN"
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
SUMMARY_CHARS = 300
ICS_MAX_ARTICLES = 1000
_ATOM = "{http://www.w3.org/2005/Atom}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ARTICLE_TEXT = tuple(f"{_ATOM}{tag}" for tag in ("title", "summary", "content"))

# Characters XML 1.0 forbids (lxml raises on them) plus DEL.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


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


def clean_xml_text(text: str) -> str:
    """``text`` without the control characters XML (and feedgen) refuse."""
    return _XML_ILLEGAL.sub("", text)


_x = clean_xml_text


def display_name(name: str) -> str:
    """An event name for display: its first letter upper-cased, the rest untouched ("workshop on CP
    in Hà Nội" -> "Workshop on CP in Hà Nội"; str.capitalize would lower "CP"). Names are stored
    as the article wrote them; only what readers see is changed."""
    for i, char in enumerate(name):
        if char.isalnum():  # skip opening quotes and brackets, stop at a digit ("15 cơ sở" stays)
            upper = char.upper()
            return name[:i] + upper + name[i + 1 :] if len(upper) == 1 else name
    return name


# --------------------------------------------------------------------------- entry content

_LABELS = {
    "vi": {
        "event": "Sự kiện",
        "when": "Thời gian",
        "where": "Địa điểm",
        "who": "Đơn vị tổ chức",
        "participants": "Số người tham dự",
        "at_least": "ít nhất {n}",
        "recommendations": "Kiến nghị",
    },
    "en": {
        "event": "Event",
        "when": "When",
        "where": "Where",
        "who": "Organisers",
        "participants": "Participants",
        "at_least": "at least {n}",
        "recommendations": "Recommendations",
    },
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip


def _day(day: dt.date, language: str) -> str:
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}/{day.month}/{day.year}"


def event_when(event: Event, language: str) -> str:
    """"26/5/2026 – 27/5/2026", "tháng 5/2026", "08:30, 3 June 2026"... ("" without a date)."""
    if event.start is None:
        return ""
    if event.precision is DatePrecision.MONTH:
        month_en = f"{_MONTHS_EN[event.start.month - 1]} {event.start.year}"
        return month_en if language == "en" else f"tháng {event.start.month}/{event.start.year}"
    when = _day(event.start, language)
    if event.end is not None and event.end != event.start:
        when = f"{when} – {_day(event.end, language)}"
    if event.time_of_day is not None:
        when = f"{event.time_of_day.strftime('%H:%M')}, {when}"
    return when


def event_where(event: Event) -> str:
    return describe_place(event.location, event.province)


def _event_html(event: Event, labels: dict[str, str], language: str) -> str:
    rows = [
        (labels["when"], event_when(event, language)),
        (labels["where"], event_where(event)),
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


def clean_body(body_html: str, base_url: str) -> str:
    """The body sanitised again (no scripts, styles, handlers, iframes) with absolute URLs."""

    def absolute(_tag: str, attribute: str, value: str) -> str:
        return urljoin(base_url, value) if attribute in ("href", "src") else value

    return nh3.clean(body_html, attribute_filter=absolute)


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
    if article.extraction.events:
        terms.append("event")
    if article.extraction.recommendations:
        terms.append("recommendation")
    return [t for t in dict.fromkeys(_x(t).strip() for t in terms) if t]


def entry_updated(stored: StoredArticle) -> dt.datetime:
    """Publication (or the page's own modification) time; our ``updated`` once content changed."""
    article = stored.article
    when = article.published
    if article.modified is not None and article.modified > when:
        when = article.modified
    if stored.updated > stored.first_seen and stored.updated > when:
        when = stored.updated
    return when


# --------------------------------------------------------------------------- Atom / RSS


def _newest_first(entries: Sequence[StoredArticle]) -> list[StoredArticle]:
    return sorted(entries, key=lambda s: (s.article.published, s.id), reverse=True)


def _add_categories(fe: FeedEntry, article: Article, feed_language: str) -> None:
    """The page's own categories as they are; our topics with a scheme and a label in the feed's
    language (RSS shows the label, with the scheme as ``domain``)."""
    labels = _LABELS.get(feed_language, _LABELS["vi"])
    for term in entry_categories(article):
        if term in _TOPIC_LABELS:
            fe.category(term=term, scheme=TOPICS_SCHEME, label=labels[_TOPIC_LABELS[term]])
        else:
            fe.category(term=term)


def _add_entry(fg: FeedGenerator, stored: StoredArticle, tz: ZoneInfo, feed_language: str) -> None:
    article = stored.article
    fe = fg.add_entry(order="append")  # feedgen prepends by default
    fe.id(_x(article.url))
    fe.guid(_x(article.url), permalink=True)
    fe.title(_x(article.title))
    fe.link(href=_x(article.url), rel="alternate")
    fe.published(article.published.astimezone(tz))
    fe.updated(entry_updated(stored).astimezone(tz))
    if article.author:
        fe.author(name=_x(article.author))  # Atom <author>; RSS <author> needs an e-mail address
        fe.dc.dc_creator(_x(article.author))  # so RSS gets <dc:creator>
    if article.language.value != feed_language:
        fe.dc.dc_language(article.language.value)  # RSS; Atom gets xml:lang (_mark_languages)
    _add_categories(fe, article, feed_language)
    summary = _x(entry_summary(article))
    if summary:
        fe.summary(summary)
        fe.description(escape(summary))  # RSS <description> is HTML
    fe.content(_x(facts_html(article) + clean_body(article.body_html, article.url)), type="html")


def _feed(entries: Sequence[StoredArticle], meta: FeedMeta, self_type: str) -> FeedGenerator:
    tz = ZoneInfo(meta.timezone)
    ordered = _newest_first(entries)
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
    newest = max((entry_updated(s).astimezone(tz) for s in ordered), default=EMPTY_FEED_UPDATED)
    fg.updated(newest)  # also RSS lastBuildDate; never the wall clock
    for stored in ordered:
        _add_entry(fg, stored, tz, meta.language)
    return fg


def build_atom(entries: Sequence[StoredArticle], meta: FeedMeta) -> bytes:
    """An Atom 1.0 document, newest entry first; the text of an entry in another language than
    the feed's carries its own ``xml:lang``."""
    data = bytes(_feed(entries, meta, "application/atom+xml").atom_str(pretty=True))
    return _mark_languages(data, [s.article.language.value for s in _newest_first(entries)], meta.language)


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


def build_rss(entries: Sequence[StoredArticle], meta: FeedMeta) -> bytes:
    """An RSS 2.0 document, newest item first (content:encoded carries the HTML)."""
    return bytes(_feed(entries, meta, "application/rss+xml").rss_str(pretty=True))


# --------------------------------------------------------------------------- iCalendar


def event_uid(article_url: str, index: int) -> str:
    """Stable across runs: the article's URL hash and the event's position in the article."""
    return f"{hashlib.sha1(article_url.encode('utf-8')).hexdigest()[:16]}-{index}@vncpc-feedbot"


def _calendar_events(entries: Sequence[StoredArticle]) -> Iterator[tuple[StoredArticle, int, Event]]:
    """Day-precision events with a start date (month-precision ones have no day to show)."""
    for stored in entries:
        for index, event in enumerate(stored.article.extraction.events):
            if event.start is not None and event.precision is DatePrecision.DAY:
                yield stored, index, event


def _vevent(stored: StoredArticle, index: int, event: Event) -> CalendarEvent:
    article = stored.article
    last = event.end if event.end is not None and event.end >= event.start else event.start
    vevent = CalendarEvent()
    vevent.add("uid", event_uid(article.url, index))
    vevent.add("dtstamp", stored.updated.astimezone(dt.UTC))
    vevent.add("dtstart", event.start)
    vevent.add("dtend", last + dt.timedelta(days=1))  # all-day: DTEND is exclusive
    vevent.add("summary", _x(display_name(event.name)))
    where = event_where(event)
    if where:
        vevent.add("location", _x(where))
    summary = entry_summary(article)
    vevent.add("description", _x(f"{summary}\n\n{article.url}" if summary else article.url))
    vevent.add("url", _x(article.url))
    vevent.add("categories", [event.kind.value])
    return vevent


def build_ics(entries: Sequence[StoredArticle], *, name: str = "VNCPC – sự kiện") -> bytes:
    """An RFC 5545 calendar: one all-day VEVENT per dated event, ordered by start then UID."""
    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    found = sorted(_calendar_events(entries), key=lambda f: (f[2].start, event_uid(f[0].article.url, f[1])))
    for stored, index, event in found:
        calendar.add_component(_vevent(stored, index, event))
    return calendar.to_ical()


# --------------------------------------------------------------------------- OPML


def build_opml(feeds: Sequence[FeedMeta], *, title: str = "vncpc-feedbot") -> bytes:
    """An OPML 2.0 subscription list with one outline per feed."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = _x(title)
    body = etree.SubElement(opml, "body")
    for meta in feeds:
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=_x(meta.title),
            title=_x(meta.title),
            xmlUrl=_x(meta.self_url),
            htmlUrl=_x(meta.site_url),
            language=meta.language,
        )
    return bytes(etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --------------------------------------------------------------------------- files


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically (temp file in the same folder, fsync, rename).
    Returns False, touching nothing, when the file already holds these bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc}; check the public folder's permissions") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PublishError(f"cannot write in {path.parent}: {exc}; check that it is writable") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {exc}; check free space and permissions") from exc
    return True


@dataclass(frozen=True, slots=True)
class _FeedSpec:
    name: str  # file name without extension
    meta: FeedMeta  # self_url / feed_id are filled per format
    entries: Sequence[StoredArticle]
    formats: tuple[str, ...] = ("atom", "rss")


def _specs(store: Store, sources: Sequence[Source], base: str, max_entries: int) -> Iterator[_FeedSpec]:
    home = f"{base}/"
    for source in sources:
        subtitle = f"News from {source.name}" if source.language.value == "en" else f"Tin mới từ {source.name}"
        meta = FeedMeta("", source.name, subtitle, "", source.url, source.language.value, source.name, source.timezone)
        yield _FeedSpec(source.id, meta, store.articles(source_id=source.id, limit=max_entries))
    names = ", ".join(s.name for s in sources)
    everything = FeedMeta("", "Tất cả tin – vncpc-feedbot", f"Tin mới từ mọi nguồn: {names}", "", home)
    yield _FeedSpec("all", everything, store.articles(limit=max_entries))
    events = FeedMeta("", "Sự kiện – vncpc-feedbot", "Tin bài về hội nghị, hội thảo, tập huấn và sự kiện khác", "", home)
    yield _FeedSpec("events", events, store.articles(with_events=True, limit=max_entries), ("atom",))
    recs = FeedMeta("", "Kiến nghị – vncpc-feedbot", "Tin bài có kiến nghị, đề xuất, giải pháp", "", home)
    yield _FeedSpec("recommendations", recs, store.articles(with_recommendations=True, limit=max_entries), ("atom",))


def publish_all(
    store: Store, sources: Sequence[Source], public_dir: Path, *, base_url: str, max_entries: int
) -> list[Path]:
    """Write every feed under ``public_dir/feeds/`` and ``public_dir/feeds.opml``.
    Returns every published path (unchanged files are left untouched)."""
    base = base_url.rstrip("/")
    feeds_dir = public_dir / "feeds"
    outputs: list[tuple[Path, bytes]] = []
    listed: list[FeedMeta] = []
    for spec in _specs(store, sources, base, max_entries):
        for fmt in spec.formats:
            url = f"{base}/feeds/{spec.name}.{fmt}"
            atom_url = f"{base}/feeds/{spec.name}.atom"
            meta = replace(spec.meta, feed_id=atom_url, self_url=url)
            build = build_atom if fmt == "atom" else build_rss
            outputs.append((feeds_dir / f"{spec.name}.{fmt}", build(spec.entries, meta)))
            if fmt == "atom":
                listed.append(meta)
    calendar = build_ics(store.articles(with_events=True, limit=ICS_MAX_ARTICLES))
    outputs.append((feeds_dir / "events.ics", calendar))
    outputs.append((public_dir / "feeds.opml", build_opml(listed)))
    changed = sum(write_atomic(path, data) for path, data in outputs)
    log.info("published feeds files=%d changed=%d dir=%s", len(outputs), changed, public_dir)
    return [path for path, _ in outputs]

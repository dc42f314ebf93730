"""Telegram texts for articles: alerts, digests and event lists (pure, Telegram HTML).

Every value taken from an article is escaped; the only tags used are ``b``, ``i`` and ``a``.
No function here returns a message longer than :data:`MAX_MESSAGE_LENGTH` as Telegram counts it
(see :mod:`bot.telegram_text`). When an alert is too long its body is shortened step by step
(fewer and shorter recommendations, a shorter summary...) while the title and the link to the
article stay. Admin texts (/stats, /sources) are in :mod:`bot.admin_texts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.texts.i18n import MONTHS_EN, escape, t
from bot.texts.length import MAX_MESSAGE_LENGTH, SEPARATOR, fit, pack, shorten, visible_length
from feeds.models import DatePrecision, Event, EventStatus, Recommendation, StoredArticle
from feeds.extract.places import describe_place
from feeds.publish import display_name


# --------------------------------------------------------------------------- dates


def format_date_range(
    start: dt.date | None,
    end: dt.date | None = None,
    *,
    lang: str,
    precision: DatePrecision = DatePrecision.DAY,
) -> str:
    """"26–27/5/2007" (vi) / "26–27 May 2007" (en); month precision "tháng 5/2007" / "May 2007"."""
    if start is None:
        return ""
    if end is None or end <= start:
        end = start
    if precision == DatePrecision.MONTH:
        return _month_range(start, end, lang)
    if lang == "en":
        return _day_range_en(start, end)
    return _day_range_vi(start, end)


def _day_range_vi(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start.day}/{start.month}/{start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day}/{end.month}/{end.year}"
    if start.year == end.year:
        return f"{start.day}/{start.month}–{end.day}/{end.month}/{end.year}"
    return f"{start.day}/{start.month}/{start.year}–{end.day}/{end.month}/{end.year}"


def _day_range_en(start: dt.date, end: dt.date) -> str:
    def month(d: dt.date) -> str:
        return MONTHS_EN[d.month - 1]

    if start == end:
        return f"{start.day} {month(start)} {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {month(end)} {end.year}"
    if start.year == end.year:
        return f"{start.day} {month(start)} – {end.day} {month(end)} {end.year}"
    return f"{start.day} {month(start)} {start.year} – {end.day} {month(end)} {end.year}"


def _month_range(start: dt.date, end: dt.date, lang: str) -> str:
    same_month = (start.year, start.month) == (end.year, end.month)
    if lang == "en":
        first = MONTHS_EN[start.month - 1]
        if same_month:
            return f"{first} {start.year}"
        if start.year == end.year:
            return f"{first}–{MONTHS_EN[end.month - 1]} {end.year}"
        return f"{first} {start.year} – {MONTHS_EN[end.month - 1]} {end.year}"
    if same_month:
        return f"tháng {start.month}/{start.year}"
    if start.year == end.year:
        return f"tháng {start.month}–{end.month}/{end.year}"
    return f"tháng {start.month}/{start.year}–{end.month}/{end.year}"


# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class _Budget:
    """How much of each part an alert may show; later budgets are smaller."""

    title: int
    summary: int
    recommendation: int
    sub_item: int
    recommendations: int
    sub_items: int
    events: int
    event_text: int


_BUDGETS = (
    _Budget(400, 800, 400, 250, 10, 6, 5, 200),
    _Budget(300, 500, 250, 150, 7, 4, 4, 150),
    _Budget(300, 400, 160, 100, 5, 2, 3, 120),
    _Budget(250, 300, 120, 0, 4, 0, 3, 100),
    _Budget(200, 250, 0, 0, 0, 0, 2, 80),
)


def render_alert(
    stored: StoredArticle, *, lang: str, source_name: str, limit: int = MAX_MESSAGE_LENGTH
) -> str:
    """One article as a Telegram HTML message of at most ``limit`` visible characters."""
    for budget in _BUDGETS:
        text = _render(stored, lang, source_name, budget)
        if visible_length(text) <= limit:
            return text
    # Only reachable with a tiny ``limit``: keep the title (shortened) and the link.
    link = _link_line(stored.article.url, source_name, lang, 60)
    room = max(1, limit - visible_length(link) - 2)
    return f"<b>{escape(shorten(stored.article.title, room))}</b>\n{link}"


def _render(stored: StoredArticle, lang: str, source_name: str, budget: _Budget) -> str:
    article = stored.article
    blocks = [f"<b>{escape(shorten(article.title, budget.title))}</b>"]
    events = _events_block(article.extraction.events, lang, budget)
    if events:
        blocks[0] += "\n" + events
    summary = article.extraction.summary or _first_paragraph(article.body_text)
    if summary:
        blocks.append(escape(shorten(summary, budget.summary)))
    recommendations = _recommendations_block(article.extraction.recommendations, lang, budget)
    if recommendations:
        blocks.append(recommendations)
    blocks.append(_link_line(article.url, source_name, lang, 100))
    return SEPARATOR.join(blocks)


def _first_paragraph(body_text: str) -> str:
    for paragraph in body_text.split("\n"):
        if paragraph.strip():
            return paragraph
    return ""


def _events_block(events: Sequence[Event], lang: str, budget: _Budget) -> str:
    lines: list[str] = []
    for event in events[: budget.events]:
        if len(events) > 1:
            lines.append(f"<i>{escape(shorten(display_name(event.name), budget.event_text))}</i>")
        lines.extend(_event_lines(event, lang, budget.event_text))
    return "\n".join(lines)


def _event_lines(event: Event, lang: str, width: int) -> list[str]:
    """"📅 date · 📍 place · 👥 participants" and an organizers line (escaped)."""
    parts = []
    when = format_date_range(event.start, event.end, lang=lang, precision=event.precision)
    if when and event.time_of_day is not None:
        when += f", {event.time_of_day:%H:%M}"
    if when and event.status == EventStatus.UPCOMING:
        when += f" ({t(lang, 'upcoming')})"
    if when:
        parts.append(f"📅 {escape(when)}")
    place = event_place(event)
    if place:
        parts.append(f"📍 {escape(shorten(place, width))}")
    if event.participants:
        parts.append(f"👥 {t(lang, 'participants', n=event.participants)}")
    lines = [" · ".join(parts)] if parts else []
    if event.organizers:
        names = shorten(", ".join(event.organizers), width)
        lines.append(f"🏛 {t(lang, 'organizers', names=names)}")
    return lines


def event_place(event: Event) -> str:
    return describe_place(event.location, event.province)


def _recommendations_block(
    recommendations: Sequence[Recommendation], lang: str, budget: _Budget
) -> str:
    if not recommendations:
        return ""
    heading = f"<b>{t(lang, 'recommendations')}</b>"
    if budget.recommendations == 0:
        return f"{heading}: {len(recommendations)}"
    lines = [heading]
    for position, item in enumerate(recommendations[: budget.recommendations], start=1):
        lines.append(f"{position}. {escape(shorten(item.text, budget.recommendation))}")
        lines.extend(_sub_item_lines(item.sub_items, lang, budget))
    hidden = len(recommendations) - budget.recommendations
    if hidden > 0:
        lines.append(t(lang, "more_recommendations", n=hidden))
    return "\n".join(lines)


def _sub_item_lines(sub_items: Sequence[str], lang: str, budget: _Budget) -> list[str]:
    if budget.sub_items == 0 or not sub_items:
        return []
    lines = [f"    • {escape(shorten(s, budget.sub_item))}" for s in sub_items[: budget.sub_items]]
    hidden = len(sub_items) - budget.sub_items
    if hidden > 0:
        lines.append(f"    {t(lang, 'more_sub_items', n=hidden)}")
    return lines


def _link_line(url: str, source_name: str, lang: str, width: int) -> str:
    name = escape(shorten(source_name, width)) if source_name.strip() else ""
    if url.startswith(("https://", "http://")):
        link = f'🔗 <a href="{escape(url)}">{t(lang, "read_article")}</a>'
    else:
        link = f"🔗 {escape(shorten(url, width))}"
    return f"{link} · {name}" if name else link


# --------------------------------------------------------------------------- digests and lists


def as_of(stored: StoredArticle, today: dt.date) -> StoredArticle:
    """``stored`` with its "upcoming" events that ended before ``today`` marked past (for /latest)."""
    events = stored.article.extraction.events
    if not any(_over(e, today) for e in events):
        return stored
    fixed = tuple(replace(e, status=EventStatus.PAST) if _over(e, today) else e for e in events)
    extraction = replace(stored.article.extraction, events=fixed)
    return replace(stored, article=replace(stored.article, extraction=extraction))


def _over(event: Event, today: dt.date) -> bool:
    last = event.end or event.start
    return event.status == EventStatus.UPCOMING and last is not None and last < today


def render_digest(
    items: Sequence[tuple[StoredArticle, str]], *, lang: str, heading: str | None = None
) -> list[str]:
    """``(article, source name)`` items packed in order into as few messages as possible.

    The first message starts with ``heading`` (Telegram HTML; default: the digest heading).
    Messages split between items; an item too long for one message on its own is shortened.
    """
    if not items:
        return []
    head = heading if heading is not None else f"<b>{t(lang, 'digest_heading', n=len(items))}</b>"
    room = MAX_MESSAGE_LENGTH - visible_length(head) - len(SEPARATOR)
    blocks = [render_alert(s, lang=lang, source_name=name, limit=room) for s, name in items]
    return pack([head, *blocks])


def render_events(items: Sequence[tuple[StoredArticle, Event]], *, lang: str) -> list[str]:
    """Upcoming events (already sorted) as compact lines linking to their articles."""
    if not items:
        return []
    lines = [_event_entry(stored, event, lang) for stored, event in items]
    return pack([t(lang, "events_heading"), *lines], separator="\n\n")


def _event_entry(stored: StoredArticle, event: Event, lang: str) -> str:
    name = escape(shorten(display_name(event.name) or stored.article.title, 200))
    url = stored.article.url
    title = f'<a href="{escape(url)}">{name}</a>' if url.startswith(("https://", "http://")) else name
    details = _event_lines(event, lang, 150)
    return "\n".join([f"<b>{title}</b>", *details])



__all__ = [
    "MAX_MESSAGE_LENGTH",
    "as_of",
    "event_place",
    "fit",
    "format_date_range",
    "pack",
    "render_alert",
    "render_digest",
    "render_events",
    "shorten",
    "visible_length",
]

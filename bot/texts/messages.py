"""Telegram texts for articles: alerts, digests and event lists (pure, Telegram HTML).

Every value taken from an article is escaped; the only tags used are ``b``, ``i`` and ``a``.
No function here returns a message longer than :data:`MAX_MESSAGE_LENGTH` as Telegram counts it
(see :mod:`bot.texts.length`). Dates, places and event names read as everywhere else
(:mod:`feeds.present`). When an alert is too long its body is shortened step by step
(fewer and shorter recommendations, a shorter summary...) while the title and the link to the
article stay. Admin texts (/stats, /sources) are in :mod:`bot.texts.admin`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.texts.i18n import escape, t
from bot.texts.length import MAX_MESSAGE_LENGTH, SEPARATOR, fit, pack, shorten, visible_length
from feeds.models import Event, EventStatus, Recommendation, StoredArticle
from feeds.present import display_name, event_place, event_when


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
    when = event_when(event, lang)
    if when and event.status == EventStatus.UPCOMING and not event.year_guessed:  # upcoming in which year?
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
    "fit",
    "pack",
    "render_alert",
    "render_digest",
    "render_events",
    "shorten",
    "visible_length",
]

"""Telegram texts for articles: alerts, digests and event lists (pure, Telegram HTML).

Every value taken from an article is escaped; the only tags used are ``b``, ``i`` and ``a``.
Telegram counts a message's length after parsing entities (tags removed, entities decoded,
UTF-16 code units): :func:`visible_length` measures the same way, and no function here
returns a message longer than :data:`MAX_MESSAGE_LENGTH`. When an alert is too long its body is
shortened step by step (fewer and shorter recommendations, a shorter summary...) while the
title and the link to the article stay.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import MONTHS_EN, Html, escape, t
from feeds.models import DatePrecision, Event, EventStatus, Recommendation, SourceHealth, StoredArticle

MAX_MESSAGE_LENGTH = 4096
_TAG = re.compile(r"<[^>]*>")
_SEPARATOR = "\n\n"


def visible_length(text: str) -> int:
    """The length Telegram checks: tags removed, entities decoded, trimmed, in UTF-16 units."""
    visible = html.unescape(_TAG.sub("", text)).strip()
    return len(visible.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """``text`` with whitespace collapsed, cut at a word boundary to ``limit`` characters ("…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


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
    return _SEPARATOR.join(blocks)


def _first_paragraph(body_text: str) -> str:
    for paragraph in body_text.split("\n"):
        if paragraph.strip():
            return paragraph
    return ""


def _events_block(events: Sequence[Event], lang: str, budget: _Budget) -> str:
    lines: list[str] = []
    for event in events[: budget.events]:
        if len(events) > 1:
            lines.append(f"<i>{escape(shorten(event.name, budget.event_text))}</i>")
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
    """The location, followed by the province when the location does not already name it."""
    location = (event.location or "").strip()
    province = (event.province or "").strip()
    if province and province.casefold() not in location.casefold():
        return f"{location}, {province}" if location else province
    return location


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
    room = MAX_MESSAGE_LENGTH - visible_length(head) - len(_SEPARATOR)
    blocks = [render_alert(s, lang=lang, source_name=name, limit=room) for s, name in items]
    return pack([head, *blocks])


def render_events(items: Sequence[tuple[StoredArticle, Event]], *, lang: str) -> list[str]:
    """Upcoming events (already sorted) as compact lines linking to their articles."""
    if not items:
        return []
    lines = [_event_entry(stored, event, lang) for stored, event in items]
    return pack([t(lang, "events_heading"), *lines], separator="\n\n")


def _event_entry(stored: StoredArticle, event: Event, lang: str) -> str:
    name = escape(shorten(event.name or stored.article.title, 200))
    url = stored.article.url
    title = f'<a href="{escape(url)}">{name}</a>' if url.startswith(("https://", "http://")) else name
    details = _event_lines(event, lang, 150)
    return "\n".join([f"<b>{title}</b>", *details])


def pack(blocks: Iterable[str], *, separator: str = _SEPARATOR) -> list[str]:
    """Blocks joined in order into as few messages of at most 4096 visible characters as possible.

    Each block must fit in a message on its own (a longer one is hard-cut, see :func:`fit`).
    """
    messages: list[str] = []
    current, current_length = "", 0
    for block in blocks:
        block = fit(block)
        length = visible_length(block)
        if current and current_length + len(separator) + length <= MAX_MESSAGE_LENGTH:
            current, current_length = current + separator + block, current_length + len(separator) + length
            continue
        if current:
            messages.append(current)
        current, current_length = block, length
    if current:
        messages.append(current)
    return messages


def fit(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``text`` itself when short enough, else its plain text cut to ``limit`` (markup dropped).

    A last resort for texts not built by this module's shortening renderers.
    """
    if visible_length(text) <= limit:
        return text
    plain = html.unescape(_TAG.sub("", text)).strip()
    while True:
        cut = escape(shorten(plain, limit))
        if visible_length(cut) <= limit:
            return cut
        limit -= max(1, visible_length(cut) - limit)


# --------------------------------------------------------------------------- admin texts


def format_time(when: dt.datetime | None, *, lang: str, tz: ZoneInfo) -> str:
    """"28/11/2026 10:30" (vi) / "28 Nov 2026 10:30" (en) in ``tz``; "never" when None."""
    if when is None:
        return t(lang, "never")
    local = when.astimezone(tz)
    if lang == "en":
        return f"{local.day} {MONTHS_EN[local.month - 1][:3]} {local.year} {local:%H:%M}"
    return f"{local:%d/%m/%Y %H:%M}"


def render_stats(stats: Any, health: Sequence[SourceHealth], *, lang: str, tz: ZoneInfo) -> str:
    """/stats: subscribers (by topic), outbox pending/failed, articles, last run per source.

    ``stats`` is a ``bot.subscribers.Stats`` (chats, active, by_topic, by_status).
    """
    lines = [
        t(lang, "stats_heading"),
        t(lang, "stats_subscribers", active=stats.active, total=stats.chats),
        t(lang, "stats_outbox", pending=stats.pending, held=stats.by_status.get("held", 0), failed=stats.failed),
        t(lang, "stats_articles", n=sum(h.article_count for h in health)),
    ]
    if stats.by_topic:
        lines += ["", t(lang, "stats_by_topic")]
        lines += [t(lang, "stats_topic", topic=k, n=v) for k, v in sorted(stats.by_topic.items())]
    if health:
        lines += ["", t(lang, "stats_last_runs")]
        for h in health:
            when = format_time(h.last_run, lang=lang, tz=tz)
            lines.append(f"• {escape(h.source_id)}: {escape(when)} {_state(h, lang, tz)}")
    return fit("\n".join(lines))


def _state(health: SourceHealth, lang: str, tz: ZoneInfo) -> str:
    if health.paused:
        return t(lang, "health_paused")
    if health.broken:
        since = format_time(health.broken_since, lang=lang, tz=tz)
        return t(lang, "health_broken", since=since, reason=shorten(health.broken_reason or "", 300))
    if health.consecutive_failures:
        return t(lang, "health_failing", n=health.consecutive_failures)
    return t(lang, "health_ok")


def render_health(
    health: Sequence[SourceHealth], names: Mapping[str, str], *, lang: str, tz: ZoneInfo
) -> list[str]:
    """/sources: each source's state, last run and success, failures, last error, article count."""
    if not health:
        return [t(lang, "no_sources")]
    blocks = []
    for h in health:
        name = names.get(h.source_id, h.source_id)
        lines = [
            f"<b>{escape(shorten(name, 100))}</b> ({escape(h.source_id)}) — {_state(h, lang, tz)}",
            t(lang, "health_last_run", when=format_time(h.last_run, lang=lang, tz=tz)),
            t(lang, "health_last_success", when=format_time(h.last_success, lang=lang, tz=tz)),
            t(lang, "health_articles", n=h.article_count),
        ]
        if h.last_error:
            lines.append(t(lang, "health_last_error", error=shorten(h.last_error, 500)))
        blocks.append("\n".join(lines))
    return pack([t(lang, "sources_heading"), *blocks])


def render_source_alert(
    before: SourceHealth, after: SourceHealth, *, name: str, lang: str, tz: ZoneInfo
) -> str | None:
    """The admins' alert when a source becomes broken or recovers; None when neither happened."""
    label = f"{escape(shorten(name, 100))} ({escape(after.source_id)})"
    if after.broken and not before.broken:
        reason = shorten(after.broken_reason or "", 500)
        return t(lang, "source_broken", source=Html(label), reason=reason)
    if before.broken and not after.broken:
        return t(lang, "source_recovered", source=Html(label), when=format_time(after.last_success, lang=lang, tz=tz))
    return None


__all__ = [
    "MAX_MESSAGE_LENGTH",
    "event_place",
    "fit",
    "format_date_range",
    "format_time",
    "pack",
    "render_alert",
    "render_digest",
    "render_events",
    "render_health",
    "render_source_alert",
    "render_stats",
    "shorten",
    "visible_length",
]

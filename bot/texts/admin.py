"""Telegram texts for admins: /stats and /sources (pure). The "source broken / recovered" alert is
:func:`bot.service.health.health_notice`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.texts.i18n import escape, t
from bot.texts.length import fit, pack, shorten
from feeds.models import SourceHealth
from feeds.present import MONTHS_EN


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

    ``stats`` is a ``feeds.store.Stats`` (chats, active, by_topic, by_status).
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


__all__ = ["format_time", "render_health", "render_stats"]

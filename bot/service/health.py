"""What the service says about its sources: the /healthz payload, the admins' alert when a source
breaks or recovers, and the one-line summary of an admin's /scrape. Pure: values in, values out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.texts.i18n import escape
from feeds.models import RefreshResult, Source, SourceHealth

FAILING_NOTICE_AFTER = 3  # consecutive whole-source errors before the admins hear of it

NOTICES = {
    "vi": {
        "broken": "⚠️ Nguồn <b>{name}</b> ({id}) bị hỏng: {reason}\n"
                  "Lệnh feedbot check-source {id} trên máy chủ cho biết mỗi bộ chọn CSS khớp với gì.",
        "failing": "⚠️ Nguồn <b>{name}</b> ({id}) lỗi {n} lần liên tiếp: {reason}",
        "recovered": "✅ Nguồn <b>{name}</b> ({id}) đã hoạt động trở lại.",
    },
    "en": {
        "broken": "⚠️ Source <b>{name}</b> ({id}) is broken: {reason}\n"
                  "On the server, feedbot check-source {id} shows what each CSS selector matches.",
        "failing": "⚠️ Source <b>{name}</b> ({id}) failed {n} times in a row: {reason}",
        "recovered": "✅ Source <b>{name}</b> ({id}) works again.",
    },
}


def health_notice(before: SourceHealth, after: SourceHealth, name: str, lang: str) -> str | None:
    """The admin alert (Telegram HTML) when a run changed a source's state, else None."""
    texts = NOTICES.get(lang, NOTICES["en"])
    values = {"name": escape(name), "id": escape(after.source_id)}
    troubled = before.broken or before.consecutive_failures >= FAILING_NOTICE_AFTER
    if after.broken and not before.broken:
        return texts["broken"].format(reason=escape((after.broken_reason or "")[:500]), **values)
    if not after.broken and after.consecutive_failures == FAILING_NOTICE_AFTER:
        return texts["failing"].format(n=after.consecutive_failures, reason=escape((after.last_error or "")[:500]),
                                       **values)
    if troubled and after.consecutive_failures == 0:
        return texts["recovered"].format(**values)
    return None


def _iso(value: dt.datetime | None, tz: dt.tzinfo | None) -> str | None:
    """ISO 8601 in ``tz`` (the report's clock), so every time in /healthz has the same offset."""
    return value.astimezone(tz).isoformat() if value is not None else None


def health_report(
    sources: Sequence[Source],
    health: Sequence[SourceHealth],
    outbox: dict[str, int],
    *,
    now: dt.datetime,
    broken_after_minutes: int,
    next_runs: dict[str, dt.datetime | None] | None = None,
    telegram: str = "off",
    started: dt.datetime | None = None,
    telegram_error: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON payload) of /healthz: 503 when an enabled, unpaused source has been
    broken (or failing as a whole since its last success) longer than ``broken_after_minutes``,
    or while the Telegram bot is down and being retried (``telegram`` "retrying", with its reason).
    A source that has failed and never succeeded counts as failing since ``started`` (the service's
    start; without it such a source is not counted)."""
    by_id = {h.source_id: h for h in health}
    limit = dt.timedelta(minutes=broken_after_minutes)
    report, down = {}, []
    for source in sources:
        h = by_id.get(source.id, SourceHealth(source.id))
        since = h.broken_since if h.broken else (h.last_success or started if h.consecutive_failures else None)
        is_down = source.enabled and not h.paused and since is not None and now - since >= limit
        if is_down:
            down.append(source.id)
        report[source.id] = {
            "name": source.name, "enabled": source.enabled, "paused": h.paused, "down": is_down,
            "last_run": _iso(h.last_run, now.tzinfo), "last_success": _iso(h.last_success, now.tzinfo),
            "last_error": h.last_error, "broken_reason": h.broken_reason,
            "broken_since": _iso(h.broken_since, now.tzinfo),
            "consecutive_failures": h.consecutive_failures, "articles": h.article_count,
            "next_run": _iso((next_runs or {}).get(source.id), now.tzinfo),
        }
    bot_down = telegram == "retrying"
    payload = {
        "status": "unhealthy" if down or bot_down else "ok", "down": down, "sources": report,
        "outbox": {"pending": outbox.get("pending", 0), "failed": outbox.get("failed", 0)},
        "telegram": telegram, "time": now.isoformat(),
    }
    if bot_down:
        payload["telegram_error"] = telegram_error or "unknown"
    return (503 if down or bot_down else 200), payload


def summarize(results: Sequence[RefreshResult]) -> str:
    """One line for the admin's /scrape: per source, counts or the error."""
    if not results:
        return "nothing scraped (no enabled, unpaused source)"
    parts = []
    for r in results:
        if r.ok:
            parts.append(f"{r.source_id}: new {len(r.new)}, changed {len(r.changed)}, failed {r.failed}")
        else:
            parts.append(f"{r.source_id}: {'broken: ' + r.broken_reason if r.broken_reason else r.error}")
    return "; ".join(parts)

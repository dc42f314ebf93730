"""Daily digests: which digest chats are due, and bundling a chat's held alerts into digest
messages in the outbox, in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.texts.messages import render_digest
from bot.delivery.outbox import Outbox
from bot.subscriber_tables import Chat, chats, outbox
from feeds.models import StoredArticle

log = logging.getLogger(__name__)

DigestItems = Sequence[tuple[StoredArticle, str]]  # (article, its source's name)
Renderer = Callable[[DigestItems, str], list[str]]  # (items, language) -> Telegram HTML messages


def due_digests(candidates: Iterable[Chat], now: dt.datetime, tz: ZoneInfo) -> list[Chat]:
    """The digest chats whose hour has come today (local time in ``tz``) and that have not had
    today's digest yet."""
    local = now.astimezone(tz)
    due = []
    for chat in candidates:
        if chat.mode != "digest" or local.hour < chat.digest_hour:
            continue
        slot = local.replace(hour=chat.digest_hour, minute=0, second=0, microsecond=0)
        if chat.last_digest_at is None or chat.last_digest_at < slot:
            due.append(chat)
    return due


def release_digest(
    queue: Outbox,
    chat: Chat,
    now: dt.datetime,
    *,
    source_name: Callable[[str], str],
    render: Renderer | None = None,
) -> int:
    """Bundle the chat's held alerts into digest messages (``render(items, lang)``, by default
    ``bot.messages.render_digest``), mark them digested and stamp the chat's ``last_digest_at``,
    in one transaction. Returns messages queued."""
    render = render or _default_renderer
    with queue.begin() as conn:
        held = select(outbox.c.id, outbox.c.article_id).where(
            outbox.c.chat_id == chat.chat_id, outbox.c.kind == "alert", outbox.c.status == "held"
        )
        rows = list(conn.execute(held.order_by(outbox.c.id)))
        items = _items(queue, [r.article_id for r in rows], source_name)
        texts = render(items, chat.language) if items else []
        queue.enqueue(conn, [(chat.chat_id, text) for text in texts], "digest")
        if rows:
            ids = [r.id for r in rows]
            conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(status="digested", sent_at=now))
        conn.execute(update(chats).where(chats.c.chat_id == chat.chat_id).values(last_digest_at=now))
    log.info("queued digest", extra={"chat": chat.chat_id, "articles": len(items), "messages": len(texts)})
    return len(texts)


def _items(queue: Outbox, article_ids: Sequence[int], source_name: Callable[[str], str]) -> list[tuple[StoredArticle, str]]:
    items = []
    for article_id in article_ids:
        stored = queue.store.get_article(article_id)
        if stored is not None:
            items.append((stored, source_name(stored.article.source_id)))
    return items


def _default_renderer(items: DigestItems, lang: str) -> list[str]:
    return render_digest(items, lang=lang)

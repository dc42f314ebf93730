"""Daily digests: which digest chats are due, and bundling a chat's held alerts into digest
messages in the outbox, in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from bot.delivery.outbox import Outbox
from bot.texts.messages import render_digest
from feeds.models import StoredArticle
from feeds.store import Chat, Store, Transaction

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
    ``bot.texts.messages.render_digest``), mark them digested and stamp the chat's
    ``last_digest_at``, in one transaction. Returns messages queued."""
    render = render or _default_renderer
    store = queue.store
    with store.transaction() as tx:
        held = store.waiting_alerts(chat.chat_id, statuses=("held",), tx=tx)
        items = _items(store, tx, [alert.article_id for alert in held], source_name)
        texts = render(items, chat.language) if items else []
        store.enqueue([(chat.chat_id, text) for text in texts], "digest", now=queue.now(), tx=tx)
        store.mark_digested([alert.id for alert in held], now=now, tx=tx)
        store.update_chat(chat.chat_id, last_digest_at=now, tx=tx)
    log.info("queued digest", extra={"chat": chat.chat_id, "articles": len(items), "messages": len(texts)})
    return len(texts)


def _items(
    store: Store, tx: Transaction, article_ids: Sequence[int], source_name: Callable[[str], str]
) -> list[tuple[StoredArticle, str]]:
    items = []
    for article_id in article_ids:
        stored = store.get_article(article_id, tx=tx)
        if stored is not None:
            items.append((stored, source_name(stored.article.source_id)))
    return items


def _default_renderer(items: DigestItems, lang: str) -> list[str]:
    return render_digest(items, lang=lang)

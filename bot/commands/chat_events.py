"""Updates that are not commands: the bot blocked or added back, a group migrated, free text."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.ext import ContextTypes

from bot.commands.turn import Deps, Turn, handler

logger = logging.getLogger(__name__)

_GONE = (ChatMember.BANNED, ChatMember.LEFT)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked, kicked or removed: deactivate the chat. Unblocked or added back: reactivate it."""
    change = update.my_chat_member
    deps = Deps.of(context)
    status, chat = change.new_chat_member.status, change.chat
    if status in _GONE:
        cancelled = deps.subscribers.deactivate(chat.id, f"bot {status}")
        logger.info("subscriber deactivated: chat=%s status=%s cancelled=%d", chat.id, status, cancelled)
    elif change.old_chat_member.status in _GONE and deps.subscribers.get_chat(chat.id) is not None:
        deps.subscribers.upsert_chat(chat.id, type=chat.type, title=chat.title or chat.full_name)
        logger.info("subscriber reactivated: chat=%s status=%s", chat.id, status)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup (new chat id): move its subscriptions along."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        Deps.of(context).subscribers.migrate_chat(message.chat.id, message.migrate_to_chat_id)
        logger.info("chat migrated: chat=%s new_chat=%s", message.chat.id, message.migrate_to_chat_id)


@handler()
async def on_unknown(turn: Turn) -> None:
    """Unknown commands and free text: a short help (in groups only when addressed to the bot)."""
    text = turn.update.effective_message.text or ""
    addressed = f"@{turn.context.bot.username}".lower() in text.lower()
    if turn.update.effective_chat.type != Chat.PRIVATE and not addressed:
        return
    await turn.say(turn.t("unknown") + "\n\n" + turn.t("help"))


__all__ = ["on_migrate", "on_my_chat_member", "on_unknown"]

"""Wires the Telegram handlers into an ``Application``: commands, buttons, membership changes,
fallbacks, the per-chat throttle and the error handler.

The commands live in :mod:`bot.commands.subscriber` and :mod:`bot.commands.admin`, the other
updates in :mod:`bot.commands.chat_events`; what they share (:class:`Deps`, :class:`BotHooks`,
:class:`Turn`, the ``handler`` decorator) in :mod:`bot.commands.turn`. A per-chat throttle stops command
floods; the error handler logs (token scrubbed) and answers briefly, never with a trace.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands.admin import ADMIN_BUTTONS, ADMIN_COMMANDS
from bot.commands.chat_events import on_migrate, on_my_chat_member, on_unknown
from bot.texts.i18n import t
from bot.commands.subscriber import SUBSCRIBER_BUTTONS, SUBSCRIBER_COMMANDS
from bot.commands.throttle import Throttle
from bot.commands.turn import BotHooks, Deps, Turn, chat_language, handler

logger = logging.getLogger(__name__)

# Commands in messages and channel posts; edited messages never re-run a command.
_COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
BUTTONS = {**SUBSCRIBER_BUTTONS, **ADMIN_BUTTONS}


async def throttle_gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: stops command and button floods (one "slow down", then silence).
    A button press counts like a command: 300 forged presses were 300 edits and database writes."""
    if update.callback_query is not None and update.effective_chat is not None:
        await _throttle_button(update, context)
        return
    message = update.message or update.channel_post
    if message is None or not message.text:
        return
    if update.effective_chat.type != Chat.PRIVATE and not message.text.startswith("/"):
        return
    verdict = Deps.of(context).throttle.check(update.effective_chat.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        logger.warning("command flood throttled: chat=%s", update.effective_chat.id)
        turn = Turn.of(update, context)
        await turn.say(turn.t("slow_down"))
    raise ApplicationHandlerStop


async def _throttle_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    verdict = Deps.of(context).throttle.check(update.effective_chat.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        logger.warning("button flood throttled: chat=%s", update.effective_chat.id)
        turn = Turn.of(update, context)
        try:
            await update.callback_query.answer(turn.t("slow_down"), show_alert=True)
        except TelegramError as err:
            logger.warning("flood warning not sent: chat=%s error=%s", update.effective_chat.id, err)
    raise ApplicationHandlerStop


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (token scrubbed) and tell the chat briefly; never show a trace."""
    error = context.error
    trace = "".join(traceback.format_exception(error)) if error else "unknown error"
    token = context.bot.token
    logger.error("update handling failed: %s", trace.replace(token, "<token>") if token else trace)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = chat_language(update, Deps.of(context))
    except Exception:  # noqa: BLE001 - the database may be what failed
        lang = "vi"
    try:
        await context.bot.send_message(update.effective_chat.id, t(lang, "error"))
    except TelegramError as err:
        logger.warning("error reply not sent: chat=%s error=%s", update.effective_chat.id, err)


def register_handlers(app: Application, deps: Deps) -> None:
    """Every command, button, membership and fallback handler, the throttle and the error handler."""
    app.bot_data["feedbot"] = deps
    app.add_handler(TypeHandler(Update, throttle_gate), group=-1)
    for name, callback in {**SUBSCRIBER_COMMANDS, **ADMIN_COMMANDS}.items():
        # a scrape takes a while: it must not hold up other chats' updates
        app.add_handler(CommandHandler(name, callback, filters=_COMMAND_UPDATES, block=name != "scrape"))
    for pattern, callback in BUTTONS.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(MessageHandler((filters.COMMAND | filters.TEXT) & _COMMAND_UPDATES, on_unknown))
    app.add_error_handler(on_error)


__all__ = [
    "ADMIN_COMMANDS",
    "BUTTONS",
    "BotHooks",
    "Deps",
    "SUBSCRIBER_COMMANDS",
    "Throttle",
    "Turn",
    "handler",
    "register_handlers",
]

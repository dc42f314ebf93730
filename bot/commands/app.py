"""Builds the python-telegram-bot ``Application``: Bot API URL, timeouts, handlers, commands.

Updates of different chats are handled at the same time, each chat's in order
(:mod:`bot.commands.update_order`); every reply goes through the flood budget it shares with the outbox
sender, ahead of the alerts, and a 429 is waited out, never passed on (:mod:`bot.commands.reply_limiter`).

The service owns the lifecycle (initialize, start, polling or webhook, stop). Nothing here logs
the token; httpx's per-request INFO lines (whose URLs carry it) are silenced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from bot.commands.handlers import ADMIN_COMMANDS, SUBSCRIBER_COMMANDS, BotHooks, Deps, Throttle, register_handlers
from bot.commands.reply_limiter import ReplyLimiter
from bot.commands.update_order import PerChatOrder
from bot.delivery.flood import FloodBudget
from bot.texts.i18n import t

logger = logging.getLogger(__name__)

# Libraries whose INFO lines carry request URLs, i.e. the token.
_QUIET_LOGGERS = ("httpx", "httpcore")

__all__ = ["BotHooks", "build_application", "register_commands"]


def build_application(settings: Any, token: str, *, store: Any, subscribers: Any, hooks: BotHooks,
                      budget: FloodBudget | None = None) -> Application:
    """An ``Application`` talking to ``settings.telegram.api_url`` with every handler registered.

    ``store`` is a :class:`feeds.store.Store`, ``subscribers`` a :class:`bot.delivery.subscribers.Subscribers`;
    ``hooks`` are the service's callables (scrape now, wake the sender, current sources);
    ``budget`` the flood budget shared with the sender (one of its own from the settings if None).
    """
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    app = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram.api_url)
        .connect_timeout(10.0)
        .read_timeout(20.0)
        .write_timeout(20.0)
        .pool_timeout(10.0)
        .get_updates_connect_timeout(10.0)
        .get_updates_read_timeout(10.0)  # python-telegram-bot adds the long-polling timeout to it
        .job_queue(None)
        .concurrent_updates(PerChatOrder())
        .rate_limiter(ReplyLimiter(budget or FloodBudget.from_settings(settings)))
        .build()
    )
    deps = Deps(settings=settings, store=store, subscribers=subscribers, hooks=hooks, throttle=Throttle())
    register_handlers(app, deps)
    return app


def _commands(lang: str, names: Iterable[str]) -> list[BotCommand]:
    return [BotCommand(name, t(lang, f"command_{name}")) for name in names]


async def register_commands(app: Application, admins: tuple[int | str, ...] = ()) -> None:
    """The command menu in Vietnamese (default) and English; admins also see admin commands."""
    everyone, admin_menu = list(SUBSCRIBER_COMMANDS), [*SUBSCRIBER_COMMANDS, *ADMIN_COMMANDS]
    await app.bot.set_my_commands(_commands("vi", everyone))
    await app.bot.set_my_commands(_commands("en", everyone), language_code="en")
    for admin in admins:
        scope = BotCommandScopeChat(admin)
        try:
            await app.bot.set_my_commands(_commands("vi", admin_menu), scope=scope)
            await app.bot.set_my_commands(_commands("en", admin_menu), scope=scope, language_code="en")
        except TelegramError as err:  # the admin never opened a chat with the bot
            logger.warning("admin command menu not set: chat=%s error=%s", admin, err)

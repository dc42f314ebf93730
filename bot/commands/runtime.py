"""Telegram's side of ``feedbot run``: starting the bot (python-telegram-bot ``Application``) and the
sender's ``Bot``, receiving updates by long polling or by webhook, retrying while Telegram cannot be
reached at start-up, and registering the channels named in the settings.

The service decides when these run and what they are given; everything opened here is closed by
the caller's ``AsyncExitStack``. python-telegram-bot is imported only when a token is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from feeds.errors import ConfigError

log = logging.getLogger(__name__)

WEBHOOK_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN_REFUSED = "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (or TELEGRAM_BOT_TOKEN_FILE) and telegram.api_url"
FIRST_RETRY_SECONDS = 5.0
RETRY_CAP_SECONDS = 300.0  # longest pause between two attempts to reach Telegram at start-up
REFUSAL_LOG_SECONDS = 60.0  # at most one WARNING a minute about refused webhook calls

Start = Callable[[contextlib.AsyncExitStack], Awaitable[None]]


async def open_sender_bot(token: str, api_url: str, stack: contextlib.AsyncExitStack, *, connections: int = 8) -> Any:
    """The sender's initialised ``telegram.Bot`` with ``connections`` pooled HTTP connections; a
    refused token is a :class:`ConfigError`."""
    from bot.delivery.sender import make_bot

    return await _initialized(make_bot(token, api_url, connections=connections), stack)


async def initialize_application(settings: Any, token: str | None, *, store: Any, subscribers: Any, hooks: Any,
                                 stack: contextlib.AsyncExitStack, budget: Any = None) -> Any:
    """The bot's ``Application``, built and initialised (its ``bot.username`` is known), not started;
    its replies take from ``budget`` (a :class:`bot.delivery.flood.FloodBudget`)."""
    from bot.commands.app import build_application

    app = build_application(settings, token, store=store, subscribers=subscribers, hooks=hooks, budget=budget)
    return await _initialized(app, stack)


async def _initialized(client: Any, stack: contextlib.AsyncExitStack) -> Any:
    """``client`` (a ``Bot`` or an ``Application``) initialised, its shutdown on ``stack``; a
    refused token is a :class:`ConfigError`."""
    from telegram.error import InvalidToken

    try:
        await client.initialize()
    except InvalidToken:
        raise ConfigError(TOKEN_REFUSED) from None
    stack.push_async_callback(client.shutdown)
    return client


async def start_application(app: Any, settings: Any, webhook_secret: str, stack: contextlib.AsyncExitStack) -> None:
    """Register the command menus, start ``app`` and receive updates (webhook or long polling)."""
    from telegram import Update
    from telegram.error import TelegramError

    from bot.commands.app import register_commands

    try:
        await register_commands(app, settings.telegram.admins)
    except TelegramError as exc:
        log.warning("command menu not registered error=%s", exc)
    await app.start()
    stack.push_async_callback(app.stop)
    url = settings.telegram.webhook_url
    if url:
        await app.bot.set_webhook(url, secret_token=webhook_secret, allowed_updates=Update.ALL_TYPES)
        log.info("Telegram bot on, webhook mode url=%s", url)
        return
    await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                                    error_callback=polling_error_logger(app.bot.token))
    stack.push_async_callback(app.updater.stop)
    log.info("Telegram bot on, long polling bot=@%s", settings.telegram.bot_username or app.bot.username)


def polling_error_logger(token: str) -> Callable[[Exception], None]:
    """python-telegram-bot's ``error_callback`` for long polling: one WARNING line per failed poll
    (no traceback, the token masked); the library keeps retrying by itself."""

    def report(exc: Exception) -> None:
        reason = re.sub(re.escape(token), "***", str(exc), flags=re.IGNORECASE) if token else str(exc)
        log.warning("Telegram not reachable while polling for updates, retrying: %s: %s", type(exc).__name__, reason)

    return report


async def start_with_retries(start: Start, stack: contextlib.AsyncExitStack, *, halt: threading.Event,
                             stopped: asyncio.Event, report: Callable[[str], None] | None = None) -> bool:
    """Call ``start`` until it succeeds (True) or the service stops (False), doubling the pause
    (up to :data:`RETRY_CAP_SECONDS`) while Telegram cannot be reached or answers something that is
    not the Bot API's (a proxy's HTML page: "Invalid server response"); ``report`` is told why each
    attempt failed. A :class:`ConfigError` (a refused token) is raised at once. What a failed
    attempt opened is closed right away; what the successful one opened is closed with ``stack``."""
    from telegram.error import BadRequest, TelegramError

    delay = FIRST_RETRY_SECONDS
    while not halt.is_set():
        attempt = contextlib.AsyncExitStack()
        try:
            await start(attempt)
        except BadRequest as exc:  # a NetworkError subclass, but retrying cannot help (e.g. a bad webhook URL)
            await attempt.aclose()
            raise ConfigError(f"Telegram refused to start the bot ({exc.message}): check telegram.webhook_url "
                              "and telegram.api_url") from None
        except TelegramError as exc:  # the network, a timeout, or an answer that is not JSON
            log.warning("Telegram not reachable, retrying in %g s: %s: %s", delay, type(exc).__name__, exc)
            await attempt.aclose()
            if report is not None:
                report(f"{type(exc).__name__}: {exc}")
        except BaseException:
            await attempt.aclose()
            raise
        else:
            stack.push_async_exit(attempt)
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), delay)
        delay = min(RETRY_CAP_SECONDS, delay * 2)
    return False


async def register_channels(app: Any, subscribers: Any, channels: Iterable[int | str]) -> None:
    """Channels named in telegram.channels get every alert (a subscription to "all")."""
    for channel in channels:
        chat_id = channel
        if isinstance(channel, str) and app is not None:
            try:
                chat_id = (await app.bot.get_chat(channel)).id
            except Exception as exc:  # a typo in settings must not stop the service
                log.warning("channel not found, skipped channel=%s error=%s", channel, exc)
                continue
        if isinstance(chat_id, int):
            await asyncio.to_thread(subscribers.upsert_chat, chat_id, type="channel", title=str(channel))
            await asyncio.to_thread(subscribers.subscribe, chat_id, "all")


class RefusalLog:
    """One WARNING for refused webhook calls per :data:`REFUSAL_LOG_SECONDS` (with how many were
    refused meanwhile): a stranger hammering the URL must not flood the log."""

    def __init__(self, every: float = REFUSAL_LOG_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.clock = every, clock
        self._next = float("-inf")
        self._count = 0

    def refused(self, peer: str | None) -> None:
        self._count += 1
        now = self.clock()
        if now < self._next:
            return
        log.warning("webhook call refused: wrong or missing secret token header (%d refused since the last "
                    "such line; the next in %g s at the earliest) peer=%s", self._count, self.every, peer or "?")
        self._count, self._next = 0, now + self.every


def add_webhook_route(web_app: web.Application, webhook_url: str, secret: str,
                      current_app: Callable[[], Any]) -> None:
    """Telegram POSTs to the webhook URL as given, so the route is its path (e.g. /telegram/webhook).
    Updates go to ``current_app()``'s queue once the bot is started (503 before)."""

    refusals = RefusalLog()

    async def webhook(request: web.Request) -> web.Response:
        from telegram import Update

        given = request.headers.get(WEBHOOK_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            refusals.refused(request.remote)
            return web.Response(status=403, text="forbidden\n")
        app = current_app()
        if app is None:
            return web.Response(status=503, text="bot not started\n")
        try:
            update = Update.de_json(await request.json(), app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not a Telegram update\n")
        await app.update_queue.put(update)
        return web.Response(text="ok\n")

    web_app.router.add_post(urlsplit(webhook_url).path or "/", webhook)

"""``feedbot demo --telegram local``: Telegram without Telegram, for a newcomer without a token.

Starts the Bot API server the test suite uses (:mod:`bot.demo.botapi`, answering the real
python-telegram-bot ``Application`` of the service) and the chat page (:mod:`bot.demo.chat`) on
127.0.0.1. The server answers at once (no simulated round trip: the chat page feels instant) and
refuses what Telegram refuses (its flood limits, a 429 with ``retry_after``), so the demo's bot
paces itself as it must against the real Telegram. Demo only: ``feedbot run`` never imports this
package.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from bot.demo.botapi import BotApiServer
from bot.demo.chat import ChatPage, start_chat_server
from feeds.errors import FeedbotError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LocalTelegram:
    """The running local Bot API server and chat page."""

    api: BotApiServer
    runner: web.AppRunner
    chat_url: str

    @property
    def settings(self) -> dict[str, str]:
        """The demo's settings that point the bot at the local server."""
        return {"telegram.api_url": self.api.base_url}

    async def stop(self) -> None:
        await self.runner.cleanup()
        self.api.stop()


async def start_local_telegram(chat_port: int = 0) -> LocalTelegram:
    """The Bot API server on any free port, the chat page on ``chat_port`` (any free one when 0)."""
    api = BotApiServer()  # no latency
    api.flood_limits()  # Telegram's: 30/s, 1/s per chat, 20/min per group
    api.start()
    try:
        runner, port = await start_chat_server(ChatPage(api), chat_port)
    except OSError as exc:
        api.stop()
        raise FeedbotError(f"chat page: cannot listen on 127.0.0.1:{chat_port} ({exc.strerror}); "
                           "choose another --chat-port") from None
    local = LocalTelegram(api, runner, f"http://127.0.0.1:{port}/chat")
    log.info("local Telegram: Bot API url=%s chat=%s", api.base_url, local.chat_url)
    return local

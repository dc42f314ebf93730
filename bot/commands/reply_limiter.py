"""The bot's replies through the shared flood budget (``bot.delivery.flood``), ahead of the alerts.

python-telegram-bot passes every Bot API call of the ``Application``'s bot (not ``getUpdates``)
through its ``rate_limiter``. :class:`ReplyLimiter` makes them take from the same
:class:`~bot.delivery.flood.FloodBudget` as the outbox sender, as urgent takers:

- a message to a chat (``send*`` but ``sendChatAction``, ``copyMessage``, ``forwardMessage``)
  waits until the chat is free (never two calls in flight to one chat; the per-chat interval),
  before the sender's next alert to that chat, then for a bot-wide token, before the sender's;
- an edit (a pressed button rewrites its message) takes a bot-wide token only;
- anything else (``answerCallbackQuery``, ``getChatMember``, ...) goes straight out.

A 429 is never passed on to the handler: the limiter waits as long as Telegram asked (for the
chat, or for everyone when the bot-wide limit was hit) and sends again, until it is accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.flood import FloodBudget, retry_seconds

log = logging.getLogger(__name__)

_NOT_MESSAGES = frozenset({"sendChatAction"})
_MESSAGES = ("send", "copyMessage", "forwardMessage")
_EDITS = "editMessage"


class ReplyLimiter(BaseRateLimiter[None]):
    """python-telegram-bot's rate limiter on top of ``budget`` (see the module docstring)."""

    def __init__(self, budget: FloodBudget) -> None:
        self.budget = budget

    async def initialize(self) -> None:
        """Nothing to set up: the budget lives as long as the service."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        chat = data.get("chat_id")
        is_message = endpoint.startswith(_MESSAGES) and endpoint not in _NOT_MESSAGES and chat is not None
        while True:
            try:
                if is_message:
                    async with self.budget.chat(chat):
                        await self.budget.take()
                        return await callback(*args, **kwargs)
                if endpoint.startswith(_EDITS):
                    await self.budget.take()
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.info("reply refused by Telegram's flood control, sending again in %g s", seconds,
                         extra={"chat": chat, "method": endpoint})
                if is_message:
                    self.budget.refused(chat, seconds)  # chat() waits for it (everyone, if bot-wide)
                else:
                    await asyncio.sleep(seconds)


__all__ = ["ReplyLimiter"]

"""Updates of different chats handled at the same time, each chat's updates in the order they came.

python-telegram-bot handles one update at a time unless the ``Application`` has an update
processor that allows more. With one at a time, a reply that waits for the network (or for the
flood budget) holds up every other chat. :class:`PerChatOrder` lets up to ``max_concurrent``
updates run at once but queues the updates of one chat (or, for updates without a chat, of one
user) behind each other: a user's /subscribe is handled after their /start, and a button press
after the message that showed the button.

Order holds because python-telegram-bot starts one task per update in the order received, the
processor's semaphore and each chat's ``asyncio.Lock`` both serve waiters first come, first served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_CONCURRENT = 256


def order_key(update: object) -> Hashable:
    """The chat the update belongs to; the user for chat-less updates (inline queries); else one
    shared key, so such updates keep their order among themselves."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other",)


class PerChatOrder(BaseUpdateProcessor):
    """See the module docstring."""

    def __init__(self, max_concurrent: int = DEFAULT_CONCURRENT) -> None:
        super().__init__(max_concurrent)
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def chats_in_progress(self) -> int:
        return len(self._locks)


__all__ = ["DEFAULT_CONCURRENT", "PerChatOrder", "order_key"]

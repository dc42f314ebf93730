"""Per-chat flood guard for commands (pure: no Telegram, an injectable clock)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Throttle:
    """Per-chat flood guard: more than ``limit`` commands within ``window`` seconds is a flood.

    ``check`` answers "ok", then "warn" once when a flood starts, then "drop" until it calms.
    The defaults (20 in 60 s) let a person try several commands one after another.
    """

    def __init__(self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._stamps: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, chat_id: int) -> str:
        now = self.clock()
        stamps = self._stamps.setdefault(chat_id, deque(maxlen=self.limit + 1))
        stamps.append(now)
        if len(stamps) <= self.limit or now - stamps[0] > self.window:
            self._warned.discard(chat_id)
            self._prune(now)
            return "ok"
        if chat_id in self._warned:
            return "drop"
        self._warned.add(chat_id)
        return "warn"

    def _prune(self, now: float) -> None:
        if len(self._stamps) > 10_000:
            for chat_id in [c for c, s in self._stamps.items() if now - s[-1] > self.window]:
                del self._stamps[chat_id]


__all__ = ["Throttle"]

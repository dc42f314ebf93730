"""Who may scrape when, in the service: sources side by side, maintenance alone.

Scrape cycles hold the gate *shared*, so sources on different hosts scrape at the same time (the
fetcher keeps each host polite: one request at a time per origin, with the configured delay). The
weekly VACUUM and the shutdown hold it *exclusively*: they wait until every running cycle is done,
and no new one starts meanwhile. A source is never scraped by two cycles at once (the scheduler's
job and an admin's /scrape): each has its own lock, taken in id order so two cycles never deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable


class ScrapeGate:
    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._shared = 0
        self._exclusive = False
        self._sources: dict[str, asyncio.Lock] = {}

    @property
    def running(self) -> int:
        """How many cycles hold the gate now."""
        return self._shared

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._exclusive)
            self._shared += 1
        try:
            yield
        finally:
            async with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    async def close(self) -> None:
        """Wait until no cycle runs and let none start any more (the shutdown)."""
        async with self._cond:
            self._exclusive = True
            await self._cond.wait_for(lambda: self._shared == 0)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            try:
                await self._cond.wait_for(lambda: self._shared == 0)
            except BaseException:
                self._exclusive = False
                self._cond.notify_all()
                raise
        try:
            yield
        finally:
            async with self._cond:
                self._exclusive = False
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def sources(self, source_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of these sources (in id order)."""
        async with contextlib.AsyncExitStack() as stack:
            for source_id in sorted(set(source_ids)):
                await stack.enter_async_context(self._sources.setdefault(source_id, asyncio.Lock()))
            yield

"""Running a scrape off the event loop in a daemon thread, and stopping it between two articles."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Stopping(BaseException):
    """Raised in the scrape thread (between two articles) when the service stops. A BaseException
    so the pipeline's "a crashing source must not stop the others" guard lets it through; the
    interrupted run stores nothing and is simply done again after the restart."""


async def in_daemon_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a daemon thread and await its result: unlike ``asyncio.to_thread``, a thread
    stuck in a network call cannot keep the process from exiting."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result)

    def work() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # handed to the awaiting coroutine
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="feedbot-scrape", daemon=True).start()
    return await future

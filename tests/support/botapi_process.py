"""The fake Bot API server (bot/demo/botapi.py) in a process of its own, for benchmarks.

At hundreds of calls a second the server needs a core of its own: in the benchmark's process it
would share one interpreter lock with the sender it measures. ``BotApiProcess`` starts it in a
spawned process (pinned to another core when there is one) and forwards method calls over a
pipe; arguments and results must pickle (``Sent`` and ``Call`` do)::

    with BotApiProcess(latency=0.15) as api:
        api.flood_limits()
        bot = telegram.Bot(api.token, base_url=api.base_url)
        ...
        api.refusals(), api.sent_count(), api.sent()

``time.monotonic()`` is the same clock in both processes (Linux CLOCK_MONOTONIC), so the server's
``Sent.at`` can be compared with times taken in the benchmark.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from typing import Any

from bot.demo.botapi import BotApiServer

_SET = "__set__"
_STOP = "__stop__"


def pin_to_cpu(cpu: int) -> None:
    """Keep this process on one core (when the machine has more than one)."""
    count = os.cpu_count() or 1
    if hasattr(os, "sched_setaffinity") and count > 1:
        os.sched_setaffinity(0, {cpu % count})


def _serve(conn: Any, latency: float, cpu: int | None) -> None:
    if cpu is not None:
        pin_to_cpu(cpu)
    with BotApiServer(latency=latency) as api:
        conn.send((api.base_url, api.token))
        while True:
            name, args, kwargs = conn.recv()
            if name == _STOP:
                conn.send(("ok", None))
                return
            try:
                if name == _SET:
                    setattr(api, *args)
                    result = None
                else:
                    result = getattr(api, name)(*args, **kwargs)
            except Exception as exc:  # the caller re-raises it
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
            else:
                conn.send(("ok", result))


class BotApiProcess:
    """A :class:`BotApiServer` in another process; its methods are called through the pipe."""

    def __init__(self, *, latency: float = 0.0, cpu: int | None = 1) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, latency, cpu), daemon=True)
        self.base_url = self.token = ""

    def __enter__(self) -> BotApiProcess:
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the Bot API server process did not start within 30 s")
        self.base_url, self.token = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._call(_STOP)
        self._process.join(10)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def set(self, name: str, value: Any) -> None:
        """Set an attribute of the server (``latency``, ``enforce_per_chat``, ...)."""
        self._call(_SET, name, value)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        status, result = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"Bot API server process: {name}: {result}")
        return result

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._call(name, *args, **kwargs)

"""The feed server's guard against slow-header clients ("slowloris").

aiohttp waits for a request's headers as long as the client keeps the connection open: a client
dripping one header byte now and then holds a connection (and its memory) forever, and a few
hundred of them exhaust the process. :class:`GuardedSite` serves exactly like ``web.TCPSite`` but
closes a connection whose request head (request line and headers) is not complete
:data:`HEAD_TIMEOUT_SECONDS` after its first byte (or after the connection opened). Idle
keep-alive connections are left to aiohttp's own keep-alive timeout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

HEAD_TIMEOUT_SECONDS = 20.0


class _Transport:
    """The real transport, telling the guard when a response is written (a new head may follow)."""

    _sendfile_compatible = None  # asyncio's sendfile falls back to write(): the real socket stays hidden

    def __init__(self, inner: asyncio.Transport, guard: _HeadGuard) -> None:
        self._inner, self._guard = inner, guard

    def write(self, data: Any) -> None:
        self._guard.answered()
        self._inner.write(data)

    def writelines(self, lines: Any) -> None:
        self._guard.answered()
        self._inner.writelines(lines)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _HeadGuard(asyncio.Protocol):
    """Wraps aiohttp's protocol: a deadline on each request head, nothing else changed."""

    def __init__(self, inner: asyncio.Protocol, seconds: float) -> None:
        self._inner, self._seconds = inner, seconds
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting = True  # for a request head
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._arm()
        self._inner.connection_made(_Transport(transport, self))  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        if self._waiting:
            if self._timer is None:
                self._arm()
            seen = self._tail + data
            if b"\r\n\r\n" in seen or b"\n\n" in seen:
                self._disarm()
                self._waiting, self._tail = False, b""
            else:
                self._tail = seen[-3:]
        self._inner.data_received(data)

    def answered(self) -> None:
        self._waiting = True  # the next bytes start a new request head

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def _arm(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._seconds, self._expire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._transport is not None and not self._transport.is_closing():
            peer = self._transport.get_extra_info("peername")
            log.info("feed server closed a connection whose request head took over %g s peer=%s",
                     self._seconds, peer[0] if peer else "?")
            self._transport.close()


class GuardedSite(web.TCPSite):
    """``web.TCPSite`` whose connections must send each request head within ``head_timeout`` s."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *,
                 head_timeout: float = HEAD_TIMEOUT_SECONDS) -> None:
        super().__init__(runner, host, port)
        self._head_timeout = head_timeout

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _HeadGuard(server(), self._head_timeout), self._host, self._port,
            backlog=self._backlog, reuse_address=self._reuse_address, reuse_port=self._reuse_port,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port

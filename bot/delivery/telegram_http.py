"""python-telegram-bot's HTTP layer on aiohttp, for the outbox sender's many calls in flight.

python-telegram-bot's default ``HTTPXRequest`` looks at every pooled connection (a system call
each) whenever a request starts or ends: with the hundreds of connections the outbox sender keeps
open at 150 ms round trips and 1,000 messages a second, that cost most of a core. aiohttp's
connector hands out an idle connection in constant time. :class:`AiohttpRequest` implements
python-telegram-bot's documented ``BaseRequest`` interface, so python-telegram-bot still builds
the calls and turns the answers into results and errors (``RetryAfter``, ``Forbidden``, ...).

Timeouts map onto aiohttp's: ``connect`` + ``pool`` → the time to get a connection (from the pool
or a new one), ``connect`` → the TCP/TLS connect, ``read`` → the wait for each chunk of the answer.
aiohttp has no write timeout; the sender's requests are small forms (no files: those are refused). A timeout is
``telegram.error.TimedOut``, any other failure ``NetworkError``; the URL (which holds the token)
never appears in their messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` for ``telegram.Bot(request=...)`` (see the module docstring)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self.pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout, "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:  # used without initialize(), as HTTPXRequest allows
            await self.initialize()
        assert self._session is not None
        if self._session.closed:
            raise RuntimeError("This AiohttpRequest was shut down")
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        body, headers = _body(request_data)
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut("Timed out waiting for the Bot API") from exc
        except aiohttp.ClientError as exc:
            reason = str(exc).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {reason}") from exc

    def _timeout(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        read = self._timeouts["read"] if read is BaseRequest.DEFAULT_NONE else read
        connect = self._timeouts["connect"] if connect is BaseRequest.DEFAULT_NONE else connect
        pool = self._timeouts["pool"] if pool is BaseRequest.DEFAULT_NONE else pool
        acquire = None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0)
        return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect, sock_read=read)


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _body(request_data: RequestData | None) -> tuple[bytes | None, dict[str, str] | None]:
    """The form, encoded here (aiohttp's own form builder costs as much as the rest of the call)."""
    if request_data is None:
        return None, None
    if request_data.multipart_data:
        raise ValueError("AiohttpRequest sends text messages only, no files")
    return urlencode(request_data.json_parameters).encode(), _FORM


__all__ = ["AiohttpRequest"]

"""Where the fetcher may connect, and for how long: checked when the socket is opened.

A site's links and redirects are checked by URL (``feeds.scrape.urls.Site``), but a host *name*
can resolve to anything: ``intranet.example.org`` to 10.0.0.5, a rebinding DNS name to 127.0.0.1.
So the check happens where the connection is made: :class:`GuardedBackend` is httpcore's network
backend; it resolves the host once, refuses every address that is not public (private, loopback,
link-local, multicast, reserved...) unless the admin listed it in ``fetch.allow_private``, and
connects to an address it checked, so a second DNS answer cannot slip in between check and connect.

It also bounds every socket operation by the current request's deadline (:func:`deadline`,
per thread), so a site that drips its headers or body one byte a second is cut off at
``fetch.deadline_seconds`` whatever the read timeout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore

__all__ = ["AddressRefused", "GuardedBackend", "HostUnresolved", "deadline", "deadline_passed", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_local = threading.local()


class AddressRefused(Exception):
    """The host resolves only to addresses we must not connect to."""


class HostUnresolved(Exception):
    """The host name does not resolve."""


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` as networks; ValueError names a bad entry."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values)


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread ends by ``seconds`` from now."""
    before = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = before


def deadline_passed() -> bool:
    end = getattr(_local, "deadline", None)
    return end is not None and time.monotonic() >= end - 0.01


def _bounded(timeout: float | None) -> float | None:
    end = getattr(_local, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation respects the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to checked addresses (see the module docstring)."""

    def __init__(self, allow_private: Iterable[Network] = ()) -> None:
        self.allow_private = tuple(allow_private)
        self._inner = httpcore.SyncBackend()

    def allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        return is_public(ip) or any(ip in net for net in self.allow_private if ip.version == net.version)

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` we may connect to, in the resolver's order."""
        name = host.rstrip(".") or host
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise HostUnresolved(f"host name '{name}' does not resolve ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = [a for a in addresses if self.allowed(a)]
        if not allowed:
            raise AddressRefused(
                f"host '{name}' resolves to {', '.join(addresses)}, a private, loopback or link-local "
                "address: refused (list it in fetch.allow_private if this site is really on your network)"
            )
        return allowed

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in self.resolve(host, port):
            try:
                stream = self._inner.connect_tcp(address, port, _bounded(timeout), local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _Stream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

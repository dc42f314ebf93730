"""A deliberately unfriendly HTTP server on 127.0.0.1, for issue 13's tests.

``FixtureSite`` answers politely; this one misbehaves at the socket level: it drips its status
line, headers or body a few bytes at a time, or sends raw bytes with any ``Content-Encoding``
stack. Each connection is served in a daemon thread and stops when the test stops the server::

    with HostileServer() as evil:
        evil.drip_body("/slow", b"<html>...", interval=1.0)
        evil.raw("/bomb", body, {"Content-Encoding": "gzip, gzip"})
        url = evil.url("/slow")
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Behaviour:
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    drip_head: float = 0.0  # seconds between two bytes of the status line and headers (0: at once)
    drip_body: float = 0.0  # seconds between two bytes of the body (0: at once)


class HostileServer:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._routes: dict[str, _Behaviour] = {}
        self._stop = threading.Event()
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- behaviours
    def raw(self, path: str, body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> None:
        self._routes[path] = _Behaviour(body, dict(headers or {}), status)

    def drip_body(self, path: str, body: bytes, *, interval: float) -> None:
        self._routes[path] = _Behaviour(body, {"Content-Type": "text/html"}, drip_body=interval)

    def drip_head(self, path: str, *, interval: float) -> None:
        self._routes[path] = _Behaviour(b"<p>late</p>", {"Content-Type": "text/html", "X-Padding": "x" * 200},
                                        drip_head=interval)

    # -- serving
    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                path = request.split(b" ", 2)[1].decode("latin-1")
                self.hits.append(path)
                route = self._routes.get(path, _Behaviour(b"not found", {}, 404))
                head = f"HTTP/1.1 {route.status} X\r\nContent-Length: {len(route.body)}\r\nConnection: close\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in route.headers.items()) + "\r\n"
                self._send(conn, head.encode("latin-1"), route.drip_head)
                self._send(conn, route.body, route.drip_body)
            except OSError:
                return

    def _send(self, conn: socket.socket, data: bytes, interval: float) -> None:
        if not interval:
            conn.sendall(data)
            return
        for i in range(len(data)):
            if self._stop.is_set():
                return
            conn.sendall(data[i : i + 1])
            time.sleep(interval)

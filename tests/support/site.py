"""A real HTTP server on 127.0.0.1 serving fixture pages, with failure injection.

Used by the fetch, pipeline, CLI and end-to-end tests::

    with FixtureSite() as site:
        site.add("/tin-tuc/", html_bytes, content_type="text/html; charset=utf-8")
        site.add("/slow", b"...", delay=5)
        site.add("/boom", b"", status=500)
        site.redirect("/away", "http://example.invalid/")
        url = site.url("/tin-tuc/")
        ...
        assert site.hits("/tin-tuc/") == 1

Every response carries a strong ETag and a Last-Modified derived from the body; conditional
requests get 304 unless the route says ``conditional=False``. Routes can be changed while the
server runs (a new article appearing, an edited page).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    conditional: bool = True
    drop: bool = False  # close the connection without answering
    hold: threading.Event | None = None  # answer only once this is set (at most 60 s)
    arrived: threading.Event = field(default_factory=threading.Event)  # set when a request came in
    last_modified: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    status: int


class FixtureSite:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms stalls

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                site._serve(self)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- lifecycle
    def __enter__(self) -> FixtureSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    # -- routes
    def add(self, path: str, body: bytes | str = b"", **kw: object) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(body=body, **kw)  # type: ignore[arg-type]
        with self._lock:
            self.routes[path] = route
        return route

    def add_dir(self, root: Path, prefix: str = "/") -> None:
        """Serve every file below ``root`` (``index.html`` also answers for its folder)."""
        for file in sorted(root.rglob("*")):
            if not file.is_file():
                continue
            rel = file.relative_to(root).as_posix()
            ctype = "text/html; charset=utf-8" if file.suffix in (".html", ".htm") else None
            if rel == "robots.txt":
                ctype = "text/plain"
            self.add(prefix + rel, file.read_bytes(), content_type=ctype)
            if file.name == "index.html":
                self.add(prefix + rel[: -len("index.html")], file.read_bytes(), content_type=ctype)

    def redirect(self, path: str, location: str, status: int = 302) -> Route:
        return self.add(path, b"", status=status, headers={"Location": location}, conditional=False)

    def remove(self, path: str) -> None:
        with self._lock:
            self.routes.pop(path, None)

    # -- inspection
    def hits(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for h in self.log if path is None or h.path == path)

    def requests(self) -> list[Hit]:
        with self._lock:
            return list(self.log)

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- serving
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            route = self.routes.get(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        if route is None:
            self._record(h, headers, 404)
            self._send(h, 404, b"not found", {"Content-Type": "text/plain"})
            return
        route.arrived.set()
        if route.hold is not None:
            route.hold.wait(60)
        if route.delay:
            time.sleep(route.delay)
        if route.drop:
            self._record(h, headers, 0)
            h.close_connection = True
            try:
                h.connection.shutdown(2)
            except OSError:
                pass
            return
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        lastmod = formatdate(route.last_modified, usegmt=True)
        out = {"ETag": etag, "Last-Modified": lastmod}
        if route.content_type:
            out["Content-Type"] = route.content_type
        out.update(route.headers)
        if route.status == 200 and route.conditional:
            inm = headers.get("if-none-match")
            ims = headers.get("if-modified-since")
            if (inm and inm == etag) or (not inm and ims and ims == lastmod):
                self._record(h, headers, 304)
                self._send(h, 304, b"", {"ETag": etag, "Last-Modified": lastmod})
                return
        self._record(h, headers, route.status)
        self._send(h, route.status, route.body, out)

    def _record(self, h: BaseHTTPRequestHandler, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self.log.append(Hit(h.command, h.path, headers, status))

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            if status != 304:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if h.command != "HEAD" and status != 304:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

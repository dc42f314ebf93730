"""The feed server (aiohttp): feeds, OPML, an index page with autodiscovery, and /healthz.

Files are read from the public folder that :mod:`feeds.publish` writes; names are matched
against a strict pattern, so nothing outside ``<public>/feeds`` can be read. Responses carry a
strong ETag and Last-Modified, answer 304 to conditional requests, and are gzipped when the
client accepts it (with their own ETag, ``Vary: Accept-Encoding``).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.service.slow_clients import HEAD_TIMEOUT_SECONDS, GuardedSite

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",  # JSON Feed 1.1
}
OPML_FILES = ("feeds.opml", "feeds-json.opml")  # the Atom feeds; their JSON Feed twins
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # Prometheus text format
FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\.(atom|rss|ics|json)$")

HealthCheck = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class FeedLink:
    title: str
    file: str  # name under /feeds/, e.g. "vncpc-vi.atom"
    topic: str  # Telegram deep-link topic: "all", "events", a source id


@dataclass(frozen=True, slots=True)
class WebConfig:
    public_dir: Path
    base_url: str
    feeds: Sequence[FeedLink]
    max_age: int = 900
    bot_username: str = ""


@dataclass(frozen=True, slots=True)
class _Body:
    data: bytes
    gz: bytes
    etag: str
    mtime: float


class FileCache:
    """Bodies keyed by path, reloaded when the file's mtime/size change (publish swaps files atomically)."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[float, int], _Body]] = {}

    def get(self, path: Path) -> _Body | None:
        try:
            st = path.stat()
        except OSError:
            return None
        key = (st.st_mtime, st.st_size)
        hit = self._cache.get(path)
        if hit and hit[0] == key:
            return hit[1]
        data = path.read_bytes()
        body = _Body(data, gzip.compress(data, 6, mtime=0), hashlib.sha1(data).hexdigest()[:20], st.st_mtime)
        self._cache[path] = (key, body)
        return body


def create_app(config: WebConfig | Callable[[], WebConfig], health: HealthCheck, *,
               metrics: Callable[[], Awaitable[bytes]] | None = None) -> web.Application:
    """``config`` may be a callable returning the current config (the service's SIGHUP reload
    changes the feed list and max-age); the public folder is read from it on every request.
    ``metrics`` gives the Prometheus text for ``/metrics`` (no route without it)."""
    app = web.Application()
    cache = FileCache()
    current: Callable[[], WebConfig] = config if callable(config) else (lambda: config)

    async def feed(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not FEED_NAME.match(name):
            raise web.HTTPNotFound(text="no such feed\n")
        cfg = current()
        return _serve(request, cache.get(cfg.public_dir / "feeds" / name), CONTENT_TYPES[Path(name).suffix],
                      cfg.max_age)

    async def opml(request: web.Request) -> web.StreamResponse:
        cfg = current()
        name = request.path.lstrip("/")  # one of OPML_FILES: only those are routed here
        return _serve(request, cache.get(cfg.public_dir / name), CONTENT_TYPES[".opml"], cfg.max_age)

    async def index(request: web.Request) -> web.StreamResponse:
        page = render_index(current()).encode("utf-8")
        body = _Body(page, gzip.compress(page, 6, mtime=0), hashlib.sha1(page).hexdigest()[:20], 0.0)
        return _serve(request, body, "text/html; charset=utf-8", 60, last_modified=False)

    async def healthz(request: web.Request) -> web.Response:
        status, payload = await health()
        return web.json_response(payload, status=status, headers={"Cache-Control": "no-store"},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))

    app.router.add_get("/", index)
    for name in OPML_FILES:
        app.router.add_get(f"/{name}", opml)
    app.router.add_get("/feeds/{name}", feed)
    app.router.add_get("/healthz", healthz)
    if metrics is not None:
        async def prometheus(request: web.Request) -> web.Response:
            return web.Response(body=await metrics(), headers={"Content-Type": METRICS_CONTENT_TYPE,
                                                              "Cache-Control": "no-store"})

        app.router.add_get("/metrics", prometheus)
    return app


def _serve(request: web.Request, body: _Body | None, ctype: str, max_age: int, *,
           last_modified: bool = True) -> web.StreamResponse:
    if body is None:
        raise web.HTTPNotFound(text="not published yet: run `feedbot scrape` or wait for the first run\n")
    gz = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    etag = f'"{body.etag}-gz"' if gz else f'"{body.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
    }
    if last_modified:
        headers["Last-Modified"] = formatdate(body.mtime, usegmt=True)
    if _not_modified(request, etag, body.mtime if last_modified else None):
        return web.Response(status=304, headers=headers)
    data = body.gz if gz else body.data
    if gz:
        headers["Content-Encoding"] = "gzip"
    headers["Content-Type"] = ctype
    return web.Response(body=data, headers=headers)  # aiohttp sends no body to HEAD, only its length


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip: listed (or ``*``) without ``q=0``."""
    weights: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[coding.strip()] = q
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def _not_modified(request: web.Request, etag: str, mtime: float | None) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return etag in tags or "*" in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and mtime is not None:
        try:
            return int(mtime) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def render_index(config: WebConfig) -> str:
    """The index page: every feed, autodiscovery links, Telegram deep links (vi + en)."""
    base = config.base_url.rstrip("/")
    esc = html.escape
    alternates, rows = [], []
    for f in config.feeds:
        url = f"{base}/feeds/{f.file}"
        kind = Path(f.file).suffix
        if kind in (".atom", ".rss", ".json"):
            mime = CONTENT_TYPES[kind].split(";")[0]
            alternates.append(f'<link rel="alternate" type="{mime}" title="{esc(f.title)}" href="{esc(url)}">')
        tg = ""
        if config.bot_username and kind in (".atom", ".ics"):
            tg = (f' · <a href="https://t.me/{esc(config.bot_username)}?start={esc(f.topic)}">'
                  "Telegram</a>")
        rows.append(f'<li><a href="{esc(url)}">{esc(f.title)}</a> <small>({kind[1:]})</small>{tg}</li>')
    tg_vi, tg_en = ((", hoặc mở liên kết Telegram để đăng ký", ", or open a Telegram\nlink to subscribe")
                    if config.bot_username else ("", ""))
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VNCPC feeds · Bản tin VNCPC</title>
{chr(10).join(alternates)}
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
li{{margin:.3rem 0}}small{{color:#666}}</style></head><body>
<h1>Bản tin VNCPC <small>· VNCPC news feeds</small></h1>
<p>Tin tức của Trung tâm Sản xuất sạch Việt Nam dưới dạng Atom/RSS, lịch sự kiện (iCalendar) và
thông báo Telegram. Dán một địa chỉ dưới đây vào trình đọc tin{tg_vi}.</p>
<p lang="en">News of the Vietnam Cleaner Production Centre as Atom/RSS feeds, an events calendar
(iCalendar) and Telegram alerts. Paste an address below into your feed reader{tg_en}.</p>
<ul>
{chr(10).join(rows)}
</ul>
<p><a href="{esc(base)}/feeds.opml">OPML</a> · <a href="{esc(base)}/feeds-json.opml">OPML (JSON Feed)</a> ·
<a href="{esc(base)}/healthz">healthz</a></p>
</body></html>
"""


async def start_server(app: web.Application, host: str, port: int, *,
                       head_timeout: float = HEAD_TIMEOUT_SECONDS) -> web.AppRunner:
    """Start serving ``app``; the caller awaits ``runner.cleanup()`` to stop."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await GuardedSite(runner, host, port, head_timeout=head_timeout).start()  # slow-header clients are cut off
    log.info("feed server listening url=http://%s:%s/", host, port)
    return runner

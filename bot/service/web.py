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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.service.pages import (
    TEXTS,
    PageData,
    article_html,
    choose_language,
    events_html,
    feed_stylesheet,
    page,
    preferred,
    readable_feed,
)
from bot.service.slow_clients import HEAD_TIMEOUT_SECONDS, GuardedSite

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",  # JSON Feed 1.1
}
FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml", "application/feed+json",
              "application/json")  # what feed readers ask for
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
    page_data: Callable[[], Awaitable[PageData]] | None = None  # latest articles, upcoming events
    source_names: Mapping[str, str] = field(default_factory=dict)
    language: str = "vi"  # pages' language when the browser asks for none of ours


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
        body, suffix = cache.get(cfg.public_dir / "feeds" / name), Path(name).suffix
        if suffix in (".atom", ".rss") and body is not None and prefers_html(request.headers.get("Accept", "")):
            lang = choose_language(request.query.get("lang"), request.headers.get("Accept-Language", ""), "")
            url = f"{cfg.base_url.rstrip('/')}/feeds/{name}"
            return _html(request, readable_feed(body.data, lang, url), cfg.max_age)
        vary = "Accept, Accept-Encoding" if suffix in (".atom", ".rss") else "Accept-Encoding"
        return _serve(request, body, CONTENT_TYPES[suffix], cfg.max_age, vary=vary)

    async def stylesheet(request: web.Request) -> web.StreamResponse:
        data = feed_stylesheet()
        body = _Body(data, gzip.compress(data, 6, mtime=0), hashlib.sha1(data).hexdigest()[:20], 0.0)
        return _serve(request, body, "text/xsl; charset=utf-8", 3600, last_modified=False)

    async def opml(request: web.Request) -> web.StreamResponse:
        cfg = current()
        name = request.path.lstrip("/")  # one of OPML_FILES: only those are routed here
        return _serve(request, cache.get(cfg.public_dir / name), CONTENT_TYPES[".opml"], cfg.max_age)

    async def index(request: web.Request) -> web.StreamResponse:
        cfg = current()
        data = await cfg.page_data() if cfg.page_data else PageData()
        return _html(request, render_index(cfg, data, _language(request, cfg)), 60)

    async def events(request: web.Request) -> web.StreamResponse:
        cfg = current()
        data = await cfg.page_data() if cfg.page_data else PageData()
        return _html(request, render_events(cfg, data, _language(request, cfg)), 60)

    async def healthz(request: web.Request) -> web.Response:
        status, payload = await health()
        return web.json_response(payload, status=status, headers={"Cache-Control": "no-store"},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))

    app.router.add_get("/", index)
    app.router.add_get("/events", events)
    app.router.add_get("/feeds/feed.xsl", stylesheet)
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


def _language(request: web.Request, cfg: WebConfig) -> str:
    return choose_language(request.query.get("lang"), request.headers.get("Accept-Language", ""), cfg.language)


def _html(request: web.Request, page: str, max_age: int) -> web.StreamResponse:
    data = page.encode("utf-8")
    body = _Body(data, gzip.compress(data, 6, mtime=0), hashlib.sha1(data).hexdigest()[:20], 0.0)
    return _serve(request, body, "text/html; charset=utf-8", max_age, last_modified=False,
                  vary="Accept, Accept-Encoding, Accept-Language")


def prefers_html(accept: str) -> bool:
    """A browser opening the address (``text/html`` ranked above every XML/feed type), not a reader."""
    weights = quality_weights(accept)
    html_q = weights.get("text/html", 0.0)
    feed_q = max((weights.get(kind, 0.0) for kind in FEED_TYPES), default=0.0)
    return html_q > 0 and html_q > feed_q


def _serve(request: web.Request, body: _Body | None, ctype: str, max_age: int, *,
           last_modified: bool = True, vary: str = "Accept-Encoding") -> web.StreamResponse:
    if body is None:
        raise web.HTTPNotFound(text="not published yet: run `feedbot scrape` or wait for the first run\n")
    gz = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    etag = f'"{body.etag}-gz"' if gz else f'"{body.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": vary,
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


def quality_weights(header: str) -> dict[str, float]:
    """An Accept-style header as {value: q}: ``"gzip;q=0, br"`` -> {"gzip": 0.0, "br": 1.0}."""
    weights: dict[str, float] = {}
    for item in header.lower().split(","):
        value, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        weights[value.strip()] = q
    return weights


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip: listed (or ``*``) without ``q=0``."""
    weights = quality_weights(accept_encoding)
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


def render_index(config: WebConfig, data: PageData = PageData(), lang: str = "vi") -> str:
    """The index page in ``lang``: the latest articles with their events and recommendations,
    the upcoming events, every feed (autodiscovery links, Telegram deep links when the bot is on)."""
    base, esc, t = config.base_url.rstrip("/"), html.escape, TEXTS[lang]
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
    articles = [article_html(s, lang, config.source_names.get(s.article.source_id, s.article.source_id))
                for s in preferred(data.latest, lang)]
    body = f"""<p>{t['tagline']}</p>
<h2 id="latest">{t['latest']}</h2>
{"".join(articles) or f'<p class="empty">{t["no_articles"]}</p>'}
<h2 id="upcoming">{t['upcoming']}</h2>
{events_html(data.upcoming[:5], lang)}
<p><a href="/events?lang={lang}">{t['all_events']}</a></p>
<h2 id="feeds">{t['feeds']}</h2>
<p class="hint">{t['subscribe']}{TELEGRAM_HINT[lang] if config.bot_username else ""}</p>
<ul class="feeds">
{chr(10).join(rows)}
</ul>
<p><a href="{esc(base)}/feeds.opml">OPML</a> · <a href="{esc(base)}/feeds-json.opml">OPML (JSON Feed)</a> ·
<a href="{esc(base)}/healthz">healthz</a></p>"""
    return page(t["title"], body, lang, head="\n".join(alternates) + "\n")


TELEGRAM_HINT = {"vi": " Hoặc mở một liên kết Telegram để đăng ký nhận thông báo.",
                 "en": " Or open a Telegram link to subscribe to alerts."}


def render_events(config: WebConfig, data: PageData, lang: str = "vi") -> str:
    """Every upcoming event, soonest first, with the calendar to subscribe to."""
    t, base = TEXTS[lang], config.base_url.rstrip("/")
    body = (f"{events_html(data.upcoming, lang)}\n"
            f'<p class="hint">{t["calendar"]}: <a href="{html.escape(base)}/feeds/events.ics">events.ics</a></p>')
    return page(t["upcoming"], body, lang, path="/events")


async def start_server(app: web.Application, host: str, port: int, *,
                       head_timeout: float = HEAD_TIMEOUT_SECONDS) -> web.AppRunner:
    """Start serving ``app``; the caller awaits ``runner.cleanup()`` to stop."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await GuardedSite(runner, host, port, head_timeout=head_timeout).start()  # slow-header clients are cut off
    log.info("feed server listening url=http://%s:%s/", host, port)
    return runner

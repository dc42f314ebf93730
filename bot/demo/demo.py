"""``feedbot demo``: the whole product, offline, against a bundled VNCPC-like site.

Serves ``bot/demo/site`` on 127.0.0.1 (any free port unless ``--site-port``), writes a sources
file pointing at it into ``<data-dir>/demo/`` (also the demo's data folder), and runs the real
service (scrape every minute, publish, serve the feeds; the bot too when ``TELEGRAM_BOT_TOKEN`` is
set). After ``--new-article-after`` seconds the demo site lists one more article (the one under
``extra/``, see ``site/README.txt``), so the user sees it reach the feeds within a minute.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import mimetypes
import logging
import re
import sys
from email.utils import formatdate
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.service.service import Service, serve
from bot.service.settings import Settings
from feeds.errors import FeedbotError

log = logging.getLogger(__name__)

DEMO_ROOT = Path(__file__).resolve().parent / "site"
LISTING = "/tin-tuc/"
MARKER = "<!-- demo:new-items -->"
DEMO_FETCH_DELAY = 0.2

SOURCE_TOML = """
[[sources]]
id = "{id}"
name = "{name}"
url = "{url}"
language = "{language}"
interval_minutes = 1

[sources.listing]
item = "article, .post, .type-post"
link = "h2 a, h3 a, .entry-title a"
title = ".entry-title"
date = "time, .entry-date, .date"
next_page = "a.next, .nav-previous a, a.next.page-numbers"

[sources.article]
title = "h1.entry-title, h1"
date = "time.entry-date, .entry-date, .date"
body = ".entry-content, .post-content, article"
remove = ["script", "style", "noscript", "iframe", "form", ".sharedaddy", ".share", ".jp-relatedposts"]
"""
DEMO_SOURCES = (
    ("demo-vi", "VNCPC – Tin tức (demo)", "/tin-tuc/", "vi"),
    ("demo-en", "VNCPC – News (demo)", "/en/news/", "en"),
)


def sources_toml(base: str) -> str:
    """The demo's sources file: both listings of the demo site, scraped every minute."""
    head = f"# Written by `feedbot demo` for the demo site on {base}. Edit config/sources.toml instead.\n"
    return head + "".join(
        SOURCE_TOML.format(id=i, name=name, url=base + path, language=lang) for i, name, path, lang in DEMO_SOURCES
    )


def extra_listing_item(root: Path = DEMO_ROOT) -> str:
    """The listing item of the extra article, as ``site/README.txt`` documents it."""
    readme = (root / "README.txt").read_text(encoding="utf-8")
    found = re.search(r"<article\b.*?</article>", readme, re.S)
    if found is None:
        raise FeedbotError(f"{root / 'README.txt'}: no <article>...</article> listing item to add")
    return found.group(0)


def with_extra_item(listing_html: str, item: str) -> str:
    """The listing page with ``item`` inserted after the marker comment (newest first)."""
    if MARKER not in listing_html:
        raise FeedbotError(f"the demo listing has no {MARKER!r} marker to insert the new article at")
    return listing_html.replace(MARKER, f"{MARKER}\n{item}", 1)


def content_type(path: str) -> str:
    """Pages are folders ("/tin-tuc/slug/" serves its index.html); other files by their extension."""
    guessed, _ = mimetypes.guess_type(path)
    if guessed is None or guessed == "text/html":
        return "text/html; charset=utf-8"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


class DemoSite:
    """A static server for ``root`` with ETag/Last-Modified and 304s; pages can be replaced live."""

    def __init__(self, root: Path = DEMO_ROOT) -> None:
        self.root = root.resolve()
        self.overrides: dict[str, tuple[bytes, float]] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def file_for(self, path: str) -> Path | None:
        """The file serving a URL path; None outside the root or when missing."""
        rel = path.lstrip("/")
        target = (self.root / rel / "index.html") if (not rel or rel.endswith("/")) else self.root / rel
        try:
            target = target.resolve()
        except OSError:
            return None
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body, mtime = self._body(request.path)
        if body is None:
            raise web.HTTPNotFound(text="not found\n")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={**headers, "Content-Type": content_type(request.path)})

    def _body(self, path: str) -> tuple[bytes | None, float]:
        if path in self.overrides:
            return self.overrides[path]
        file = self.file_for(path)
        if file is None:
            return None, 0.0
        return file.read_bytes(), file.stat().st_mtime

    def add_new_article(self) -> None:
        """List the extra article on the Vietnamese listing, newest first."""
        import time

        page = (self.root / LISTING.strip("/") / "index.html").read_text(encoding="utf-8")
        self.overrides[LISTING] = (with_extra_item(page, extra_listing_item(self.root)).encode("utf-8"), time.time())
        print(f"demo: a new article is now listed on {self.base_url}{LISTING}; "
              "it reaches the feeds at the next scrape (within a minute)", flush=True)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        try:
            await site.start()
        except OSError as exc:
            raise FeedbotError(f"demo site: cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
                               "choose another --site-port") from None
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def demo_context(ctx: Any, site_base: str, port: int | None, extra: dict[str, Any] | None = None) -> Any:
    """``ctx`` pointed at the demo: its own data folder, sources file and SQLite database
    (``extra``: more settings, e.g. the local Bot API's URL)."""
    data_dir = ctx.data_dir / "demo"
    data_dir.mkdir(parents=True, exist_ok=True)
    sources_path = data_dir / "sources.toml"
    sources_path.write_text(sources_toml(site_base), encoding="utf-8")
    values = dict(ctx.settings.values)
    port = port if port is not None else values["http.port"]
    values.update({
        "http.host": "127.0.0.1", "http.port": port, "public_base_url": f"http://127.0.0.1:{port}",
        "database_url": "", "data_dir": str(data_dir), "fetch.delay_seconds": DEMO_FETCH_DELAY,
        "fetch.allow_private": ("127.0.0.1",),  # the bundled site is on loopback; nothing else is
        **(extra or {}),
    })
    settings = Settings(values=values, origin=dict(ctx.settings.origin))
    return dataclasses.replace(ctx, settings=settings, sources_path=sources_path, data_dir=data_dir)


def print_urls(service: Service, after: float, chat_url: str | None = None) -> None:
    base = service.settings.public_base_url
    if chat_url:
        telegram = (f"local: open {chat_url} and type /start (a local Bot API server plays Telegram; "
                    "no token needed)")
    elif service.token:
        telegram = "on (TELEGRAM_BOT_TOKEN is set; the log names the bot once it is connected)"
    else:
        telegram = "off (set TELEGRAM_BOT_TOKEN, or try feedbot demo --telegram local)"
    lines = [
        "",
        "feedbot demo is running (Ctrl+C to stop). Open:",
        f"  index page      {base}/",
        f"  events page     {base}/events",
        f"  all news (Atom) {base}/feeds/all.atom   (a browser shows it as a page)",
        f"  JSON Feed       {base}/feeds/all.json",
        f"  events calendar {base}/feeds/events.ics",
        f"  OPML            {base}/feeds.opml",
        f"  health          {base}/healthz",
        f"  metrics         {base}/metrics",
        f"A new article appears on the demo site in {after:g} s and in the feeds at the next scrape.",
        f"Telegram: {telegram}",
        "",
    ]
    print("\n".join(lines), file=sys.stdout, flush=True)


async def _demo(ctx: Any, port: int | None, site_port: int, new_article_after: float, telegram: str,
                chat_port: int) -> int:
    site = DemoSite()
    await site.start(site_port)
    timer, local = None, None
    try:
        if telegram == "local":
            from bot.demo.local_telegram import start_local_telegram

            local = await start_local_telegram(chat_port)
        demo = demo_context(ctx, site.base_url, port, local.settings if local else None)
        log.info("demo site serving url=%s data_dir=%s", site.base_url, demo.data_dir)
        timer = asyncio.get_running_loop().call_later(max(0.0, new_article_after), site.add_new_article)
        chat_url = local.chat_url if local else None
        return await serve(demo, token=local.api.token if local else None,
                           started=lambda service: print_urls(service, new_article_after, chat_url))
    finally:
        if timer is not None:
            timer.cancel()
        if local is not None:
            await local.stop()
        await site.stop()


def run_demo(ctx: Any, *, port: int | None, site_port: int, new_article_after: float, telegram: str = "env",
             chat_port: int = 0) -> int:
    """``feedbot demo``; ``telegram`` "local" plays Telegram on 127.0.0.1, "env" uses TELEGRAM_BOT_TOKEN."""
    return asyncio.run(_demo(ctx, port, site_port, new_article_after, telegram, chat_port))

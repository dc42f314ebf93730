"""``feedbot``: the command line. Each command is a thin call into :mod:`feeds` or the service.

Exit status: 0 success, 1 a source or operation failed, 2 configuration error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from bot.cli.init_config import DEFAULT_CONFIG_DIR  # its settings.toml may be missing; a named file may not
from bot.cli.jsonout import jsonable
from bot.service.logs import configure_logging
from bot.service.settings import Settings, load_settings, telegram_token
from feeds.errors import ConfigError, FeedbotError
from feeds.models import RefreshResult, Source

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


@dataclasses.dataclass(frozen=True)
class Context:
    """What every command needs, resolved from the global options."""

    settings: Settings
    sources_path: Path
    data_dir: Path

    def sources(self) -> tuple[Source, ...]:
        from feeds.config import load_sources

        if not self.sources_path.exists():
            raise ConfigError("file not found; write a commented one with `feedbot init`, or name yours with "
                              "--config-dir DIR / --sources FILE", where=str(self.sources_path))
        return load_sources(self.sources_path)

    def open_store(self):  # -> feeds.store.Store
        from feeds.store import Store, database_url

        return Store.open(self.settings.database_url or database_url(self.data_dir))

    def fetcher(self, **options: Any):  # -> feeds.fetch.Fetcher
        from feeds.fetch import Fetcher

        return Fetcher(self.settings.fetch_settings, **options)

    def feed_files(self):  # -> feeds.publish.FeedFiles
        return self.settings.feed_files(self.data_dir / "public")


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    p = argparse.ArgumentParser(
        prog="feedbot",
        description="Turn VNCPC's news pages (and other configured sites) into Atom/RSS/iCal feeds and Telegram alerts.",
    )
    p.add_argument("--config-dir", type=Path, default=Path(env.get("FEEDBOT_CONFIG_DIR", DEFAULT_CONFIG_DIR)),
                   metavar="DIR", help="folder of settings.toml and sources.toml, as `feedbot init` writes them "
                   "(env FEEDBOT_CONFIG_DIR; default config)")
    p.add_argument("--settings", type=Path, default=_env_path("FEEDBOT_SETTINGS"), metavar="FILE",
                   help="settings file, instead of the one in the config folder (env FEEDBOT_SETTINGS)")
    p.add_argument("--sources", type=Path, default=_env_path("FEEDBOT_SOURCES"), metavar="FILE",
                   help="sources file, instead of the one in the config folder (env FEEDBOT_SOURCES)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="database and published feeds (env FEEDBOT_DATA_DIR; default data)")
    p.add_argument("--log-level", default=None, type=str.upper, choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR (default from settings: INFO)")
    p.add_argument("--log-json", action="store_true", help="log one JSON object per line")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="write a commented settings.toml and sources.toml to start from")
    s.add_argument("folder", type=Path, nargs="?", default=None, metavar="DIR",
                   help="where to write them (default: the config folder, ./config); never overwrites")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("scrape", help="scrape sources once, store what is new, publish the feeds")
    s.add_argument("--source", action="append", default=[], metavar="ID", help="only this source (repeatable)")
    s.add_argument("--no-publish", action="store_true", help="do not rewrite the feeds afterwards")
    s.set_defaults(func=cmd_scrape)

    s = sub.add_parser("publish", help="(re)write every feed from the store")
    s.set_defaults(func=cmd_publish)

    s = sub.add_parser("check-source", help="dry run: show what a source's selectors match; stores nothing")
    s.add_argument("source_id", metavar="ID", help="the source's id in the sources file (see `feedbot config`)")
    s.add_argument("--url", help="try this listing URL instead of the configured one")
    s.set_defaults(func=cmd_check_source)

    s = sub.add_parser("articles", help="list stored articles")
    s.add_argument("--source", metavar="ID", help="only this source's articles (default: every source)")
    s.add_argument("--limit", type=_positive_int, default=20, metavar="N",
                   help="at most N articles, newest first (default 20)")
    s.add_argument("--json", action="store_true", help="one JSON object per line with every stored field")
    s.set_defaults(func=cmd_articles)

    s = sub.add_parser("reextract", help="re-run event/recommendation extraction over every stored article, then "
                                          "rewrite the feeds")
    s.add_argument("--no-publish", action="store_true", help="do not rewrite the feeds afterwards")
    s.set_defaults(func=cmd_reextract)

    s = sub.add_parser("config", help="print the effective settings (secrets masked) and the sources")
    s.set_defaults(func=cmd_config)

    s = sub.add_parser("run", help="run the service: scheduler, Telegram bot, sender and feed server")
    s.add_argument("--once", action="store_true", help="one scrape/publish/deliver cycle, then exit")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("demo", help="offline demo: serve a bundled VNCPC-like site and run the service on it")
    s.add_argument("--port", type=int, default=None, help="feed server port (default from settings: 8080)")
    s.add_argument("--site-port", type=int, default=0, help="port of the bundled demo site (default: any free)")
    s.add_argument("--new-article-after", type=float, default=60.0, metavar="SECONDS",
                   help="when the demo site publishes one more article (default 60)")
    s.add_argument("--telegram", choices=("env", "local"), default="env",
                   help="env: the bot runs when TELEGRAM_BOT_TOKEN is set (default); local: a local Bot API "
                   "server and a web chat page play Telegram, no token needed")
    s.add_argument("--chat-port", type=int, default=0, metavar="P",
                   help="port of the chat page with --telegram local (default: any free)")
    s.set_defaults(func=cmd_demo)
    return p


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.settings is not None and not args.settings.exists():
            raise ConfigError("file not found; fix --settings / FEEDBOT_SETTINGS (or leave both unset for the "
                              "config folder's settings.toml)", where=str(args.settings))
        settings_path = args.settings or args.config_dir / "settings.toml"  # the folder's may be missing
        settings = load_settings(settings_path)
        token = telegram_token()
    except ConfigError as exc:
        print(f"feedbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(args.log_level or settings.log_level, as_json=args.log_json, secrets=[token or ""])
    data_dir = args.data_dir or Path(settings.data_dir)
    ctx = Context(settings=settings, sources_path=args.sources or args.config_dir / "sources.toml", data_dir=data_dir)
    try:
        return int(args.func(ctx, args) or 0)
    except ConfigError as exc:
        print(f"feedbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except FeedbotError as exc:
        print(f"feedbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `feedbot ... | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


# --------------------------------------------------------------------------- commands


def _select(sources: Sequence[Source], ids: Sequence[str], where: Path) -> list[Source]:
    if not ids:
        return list(sources)
    by_id = {s.id: s for s in sources}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ConfigError(f"no source with id {', '.join(missing)} (known: {', '.join(by_id)})", where=str(where))
    return [by_id[i] for i in ids]


def _progress(source_id: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r{source_id}: article {done}/{total}", end=end, file=sys.stderr, flush=True)
    elif total >= 10 and (done % 10 == 0 or done == total):
        print(f"{source_id}: article {done}/{total}", file=sys.stderr, flush=True)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    from bot.cli.init_config import next_steps, write_samples

    folder = args.folder if args.folder is not None else args.config_dir
    print(next_steps(write_samples(folder)))
    return EXIT_OK


def cmd_scrape(ctx: Context, args: argparse.Namespace) -> int:
    from feeds.cycle import scrape_and_publish

    configured = ctx.sources()
    sources = _select(configured, args.source, ctx.sources_path)
    for off in (s for s in sources if args.source and not s.enabled):
        print(f"{off.id}: not scraped: enabled = false in {ctx.sources_path}", file=sys.stderr)
    with ExitStack() as stack:
        store = ctx.open_store()
        stack.callback(store.close)
        fetcher = stack.enter_context(ctx.fetcher())
        run = scrape_and_publish(sources, store=store, fetcher=fetcher, progress=_progress,
                                 feeds=None if args.no_publish else ctx.feed_files(), listed=lambda: configured,
                                 include_paused=bool(args.source))
        if run.publish_error is not None:
            raise run.publish_error
    results = run.results
    print(f"{'source':<20} {'pages':>5} {'304':>4} {'new':>4} {'changed':>7} {'failed':>6} {'broken':>6} status")
    for r in results:
        c = r.counts()
        print(f"{r.source_id:<20} {c['pages']:>5} {c['not_modified']:>4} {c['new']:>4} {c['changed']:>7} "
              f"{c['failed']:>6} {'yes' if c['broken'] else 'no':>6} {run_status(r)}")
        if r.error or r.broken_reason:
            print(f"  {r.source_id}: {'broken: ' + r.broken_reason if r.broken_reason else r.error}")
        if r.backlog:
            n = len(r.new)
            print(f"  {r.source_id}: {r.backlog} article{'' if r.backlog == 1 else 's'} stored as the backlog "
                  f"(no alerts){'' if n == r.backlog else f'; {n - r.backlog} new for alerts'}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def run_status(result: RefreshResult) -> str:
    """The scrape table's status: "broken" (layout changed), "failed" (the source as a whole, e.g. a
    dead host), "304" (the listing had not changed), else "ok"."""
    if result.broken_reason is not None:
        return "broken"
    if result.error is not None:
        return "failed"
    if result.not_modified and not (result.article_fetches or result.new or result.changed):
        return "304"
    return "ok"


def cmd_publish(ctx: Context, args: argparse.Namespace) -> int:
    sources = ctx.sources()
    store = ctx.open_store()
    try:
        paths = ctx.feed_files().write(store, sources)
    finally:
        store.close()
    print(f"wrote {len(paths)} files under {ctx.data_dir / 'public'}")
    return EXIT_OK


def cmd_check_source(ctx: Context, args: argparse.Namespace) -> int:
    from bot.cli.check import check_source

    source = _select(ctx.sources(), [args.source_id], ctx.sources_path)[0]
    if args.url:
        source = dataclasses.replace(source, url=args.url)
    with ctx.fetcher() as fetcher:
        ok = check_source(source, fetcher, out=sys.stdout)
    return EXIT_OK if ok else EXIT_FAILED


def cmd_articles(ctx: Context, args: argparse.Namespace) -> int:
    if args.source:
        _select(ctx.sources(), [args.source], ctx.sources_path)  # an unknown id is a configuration error
    store = ctx.open_store()
    try:
        rows = store.articles(source_id=args.source, limit=args.limit)
    finally:
        store.close()
    if not rows:
        print("no articles stored yet: run `feedbot scrape` first", file=sys.stderr)
    for stored in rows:
        if args.json:
            print(json.dumps(jsonable(stored), ensure_ascii=False))
        else:
            a = stored.article
            facts = a.extraction
            marks = ("E" if facts.events else "-") + ("R" if facts.recommendations else "-")
            when = "first seen" if a.date_is_guess else f"{a.published:%H:%M}"  # a backlog page was not published today
            print(f"{a.published:%Y-%m-%d} {when:<10} {marks} {a.source_id:<12} {a.title}\n{'':>20}{a.url}")
    return EXIT_OK


def cmd_reextract(ctx: Context, args: argparse.Namespace) -> int:
    from feeds.pipeline import reextract_all

    configured = ctx.sources()
    store = ctx.open_store()
    try:
        changed = reextract_all(store, {s.id: s.tz for s in configured})
        if not args.no_publish:
            ctx.feed_files().write(store, configured)
    finally:
        store.close()
    print(f"re-extracted: {changed} article{'' if changed == 1 else 's'} changed")
    return EXIT_OK


def cmd_config(ctx: Context, args: argparse.Namespace) -> int:
    dump = ctx.settings.redacted()
    dump["data_dir"] = str(ctx.data_dir)
    dump["telegram"]["token"] = "set (hidden)" if telegram_token() else "not set: the bot is off"
    print(json.dumps({"settings": dump, "sources": [jsonable(s) for s in ctx.sources()]},
                     ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_run(ctx: Context, args: argparse.Namespace) -> int:
    from bot.service.service import run_service

    return run_service(ctx, once=args.once)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from bot.demo.demo import run_demo

    return run_demo(ctx, port=args.port, site_port=args.site_port, new_article_after=args.new_article_after,
                    telegram=args.telegram, chat_port=args.chat_port)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

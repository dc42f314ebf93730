"""Issue 13, item 1: a later listing page that fails every run must not silence the alerts.

A hostile (or simply broken) site on 127.0.0.1 whose page 2 always answers 404, or whose
robots.txt disallows page 2: the first run stores the backlog silently, and from then on every new
article on page 1 reaches the subscribers' outbox, and the CLI and the log say what happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.delivery.subscribers import Subscribers
from feeds.fetch import Fetcher
from feeds.models import FetchSettings
from feeds.pipeline import refresh_source
from feeds.config import load_sources
from feeds.store import Store, database_url
from tests.support.site import FixtureSite

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
ARTICLE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{t}</title></head><body>
<article class="post"><h1 class="entry-title">{t}</h1>
<time class="entry-date" datetime="2026-11-20T08:00:00+07:00">20/11/2026</time>
<div class="entry-content"><p>{t}: hội thảo sản xuất sạch hơn tại Hà Nội.</p></div></article></body></html>"""


def listing(slugs: list[str], next_page: str | None = "/tin-tuc/page/2/") -> str:
    items = "".join(f'<article class="post"><h2 class="entry-title"><a href="/tin-tuc/{s}/">Tin {s}</a></h2>'
                    "</article>" for s in slugs)
    more = f'<a class="next" href="{next_page}">Cũ hơn</a>' if next_page else ""
    return f"<html><body>{items}{more}</body></html>"


def add_articles(site: FixtureSite, slugs: list[str]) -> None:
    for slug in slugs:
        site.add(f"/tin-tuc/{slug}/", ARTICLE.format(t=f"Bài {slug}"))


def broken_page_two(site: FixtureSite, how: str) -> None:
    if how == "404":
        site.add("/tin-tuc/page/2/", b"not here", status=404)
    else:
        site.add("/robots.txt", b"User-agent: *\nDisallow: /tin-tuc/page/\n", content_type="text/plain")


@pytest.fixture
def store(tmp_path):
    with Store.open(database_url(tmp_path)) as s:
        yield s


@pytest.fixture
def fetcher():
    settings = FetchSettings(delay_seconds=0, timeout_seconds=5, retries=0, allow_private=("127.0.0.1",))
    with Fetcher(settings) as f:
        yield f


def shipped(site: FixtureSite):
    source = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}["vncpc-vi"]
    return dataclasses.replace(source, url=site.url("/tin-tuc/"), allowed_hosts=())


@pytest.mark.parametrize("how", ["404", "robots"])
def test_page_two_failing_every_run_still_alerts_new_page_one_articles(site, store, fetcher, how, caplog):
    subs = Subscribers(store, source_names={"vncpc-vi": "VNCPC"})
    subs.upsert_chat(42)
    subs.subscribe(42, "all")
    add_articles(site, ["a", "b"])
    site.add("/tin-tuc/", listing(["b", "a"]))
    broken_page_two(site, how)
    source = shipped(site)

    first = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert first.error and "listing page 2" in first.error
    assert first.seeded and first.backlog == 2  # the backlog: stored silently
    subs.fan_out()
    assert subs.outbox_rows() == []

    for run, slug in enumerate(["c", "d"], start=1):  # every later run still fails on page 2
        add_articles(site, [slug])
        slugs = ["d", "c", "b", "a"][2 - run:]
        site.add("/tin-tuc/", listing(slugs))
        with caplog.at_level(logging.INFO, logger="feeds.pipeline"):
            later = refresh_source(source, store=store, fetcher=fetcher, now=NOW + dt.timedelta(hours=run))
        assert later.error and "listing page 2" in later.error  # still reported
        assert [s.article.url for s in later.new] == [site.url(f"/tin-tuc/{slug}/")]
        assert later.backlog == 0 and not later.seeded
        subs.fan_out()
        alerted = {r["article_id"] for r in subs.outbox_rows(chat_id=42)}
        assert later.new[0].id in alerted, f"run {run}: the new article was not alerted"
    assert len(subs.outbox_rows(chat_id=42)) == 2
    assert "listing page failed" in caplog.text


def test_page_two_read_for_the_first_time_later_is_backlog(site, store, fetcher):
    # The first run could not read page 2; when it finally works its (old) articles are the
    # backlog, while a new article on page 1 in the same run alerts.
    add_articles(site, ["a", "b", "old1", "old2", "c"])
    site.add("/tin-tuc/", listing(["b", "a"]))
    broken_page_two(site, "404")
    source = shipped(site)
    refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    site.add("/tin-tuc/", listing(["c", "b", "a"]))
    site.add("/tin-tuc/page/2/", listing(["old2", "old1"], next_page=None))
    second = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert second.ok
    by_url = {s.article.url: s for s in second.new}
    assert set(by_url) == {site.url(f"/tin-tuc/{x}/") for x in ("c", "old1", "old2")}
    assert second.backlog == 2
    subs = Subscribers(store, source_names={"vncpc-vi": "VNCPC"})
    subs.upsert_chat(7)
    subs.subscribe(7, "all")
    subs.fan_out()
    assert {r["article_id"] for r in subs.outbox_rows(chat_id=7)} == {by_url[site.url("/tin-tuc/c/")].id}


def test_cli_scrape_says_what_was_backlog_and_what_failed(site, tmp_path, monkeypatch, capsys):
    add_articles(site, ["a", "b", "c"])
    site.add("/tin-tuc/", listing(["b", "a"]))
    broken_page_two(site, "404")
    sources = tmp_path / "sources.toml"
    text = (REPO / "config" / "sources.toml").read_text(encoding="utf-8")
    text = text.replace("https://vncpc.org/tin-tuc/", site.url("/tin-tuc/")).replace(
        "https://vncpc.org/en/news/", site.url("/en/"))
    sources.write_text(text, encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text('[fetch]\ndelay_seconds = 0\nretries = 0\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    for key, value in {"FEEDBOT_SETTINGS": settings, "FEEDBOT_SOURCES": sources, "FEEDBOT_DATA_DIR": tmp_path / "d"}.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["scrape", "--source", "vncpc-vi", "--no-publish"]) == 1
    out = capsys.readouterr().out
    assert "listing page 2 failed" in out and "2 articles stored as the backlog (no alerts)" in out
    site.add("/tin-tuc/", listing(["c", "b", "a"]))
    assert main(["scrape", "--source", "vncpc-vi", "--no-publish"]) == 1
    out = capsys.readouterr().out
    assert "listing page 2 failed" in out and "backlog" not in out
    row = next(line for line in out.splitlines() if line.startswith("vncpc-vi"))
    assert row.split()[3] == "1"  # one new article, for alerts

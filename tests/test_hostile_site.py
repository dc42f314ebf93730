"""Issue 13, item 5 end to end, and item 13's DNS failure, as an admin meets them.

A listing page on 127.0.0.1 links to an internal service on another port of the same host
(``/internal-admin?delete=1``) and to a ``user:password@`` URL: neither is ever requested, and
nothing of them reaches the store or the feeds. ``check-source`` against a host name that does
not resolve says so at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

from bot.cli import main
from feeds.fetch import Fetcher
from feeds.models import FetchSettings
from feeds.pipeline import refresh_source
from feeds.publish import publish_all
from feeds.config import load_sources
from feeds.store import Store, database_url
from tests.conftest import LOOPBACK
from tests.support.site import FixtureSite

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
ARTICLE = """<html><head><title>{t}</title></head><body><article class="post"><h1 class="entry-title">{t}</h1>
<div class="entry-content"><p>{t}: tập huấn sản xuất sạch hơn.</p></div></article></body></html>"""


def _item(href: str, title: str) -> str:
    return f'<article class="post"><h2 class="entry-title"><a href="{href}">{title}</a></h2></article>'


def test_listing_links_to_another_port_or_with_credentials_are_never_fetched(site, tmp_path):
    with FixtureSite() as internal:
        internal.add("/internal-admin?delete=1", ARTICLE.format(t="Bảng quản trị nội bộ"))
        internal.add("/internal-admin", ARTICLE.format(t="Bảng quản trị nội bộ"))
        site.add("/tin-tuc/a/", ARTICLE.format(t="Bài thật"))
        site.add("/tin-tuc/", "<html><body>" + "".join([
            _item(internal.url("/internal-admin?delete=1"), "Quản trị"),
            _item(f"http://127.0.0.1.:{internal.port}/internal-admin", "Dấu chấm"),
            _item(f"http://admin:pw@127.0.0.1:{site.port}/tin-tuc/a/", "Mật khẩu"),
            _item("/tin-tuc/a/", "Bài thật"),
        ]) + "</body></html>")
        source = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}["vncpc-vi"]
        source = dataclasses.replace(source, url=site.url("/tin-tuc/"), allowed_hosts=())
        settings = FetchSettings(delay_seconds=0, timeout_seconds=5, retries=0, allow_private=LOOPBACK)
        with Store.open(database_url(tmp_path)) as store, Fetcher(settings) as fetcher:
            result = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
            publish_all(store, [source], tmp_path / "public", base_url="https://feeds.example.org", max_entries=10)
        assert result.ok and [s.article.url for s in result.new] == [site.url("/tin-tuc/a/")]
        assert internal.hits() == 0
    assert all("@" not in h.headers.get("host", "") for h in site.requests())
    published = (tmp_path / "public" / "feeds" / "all.atom").read_text(encoding="utf-8")
    assert "quản trị" not in published.lower()


def test_check_source_names_a_host_that_does_not_resolve(site, tmp_path, monkeypatch, capsys):
    settings = tmp_path / "settings.toml"
    settings.write_text("[fetch]\ndelay_seconds = 0\nretries = 3\n", encoding="utf-8")
    monkeypatch.setenv("FEEDBOT_SETTINGS", str(settings))
    monkeypatch.setenv("FEEDBOT_SOURCES", str(REPO / "config" / "sources.toml"))
    started = time.monotonic()
    assert main(["check-source", "vncpc-vi", "--url", "http://feedbot-test.invalid/tin-tuc/"]) == 1
    out = capsys.readouterr().out
    assert "host name 'feedbot-test.invalid' does not resolve" in out
    assert time.monotonic() - started < 60  # generous: with retries and backoff it took 7 s and more

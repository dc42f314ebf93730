"""The feed server over real HTTP on 127.0.0.1: headers, 304s, gzip, traversal, healthz."""

from __future__ import annotations

import gzip
import os

import httpx
import pytest

from bot.service.web import FeedLink, WebConfig, create_app, render_index, start_server

ATOM = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>\n'


@pytest.fixture
async def server(tmp_path, unused_tcp_port):
    public = tmp_path / "public"
    (public / "feeds").mkdir(parents=True)
    (public / "feeds" / "all.atom").write_bytes(ATOM * 50)
    (public / "feeds" / "all.rss").write_bytes(b"<rss/>")
    (public / "feeds" / "events.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    (public / "feeds.opml").write_bytes(b"<opml/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    state = {"status": 200}

    async def health():
        return state["status"], {"sources": {"vncpc-vi": {"broken": state["status"] != 200}}}

    config = WebConfig(
        public_dir=public,
        base_url="http://feeds.example.org",
        feeds=[FeedLink("Tất cả · All", "all.atom", "all"), FeedLink("Tất cả RSS", "all.rss", "all"),
               FeedLink("Sự kiện <lịch>", "events.ics", "events")],
        max_age=600,
        bot_username="vncpc_bot",
    )
    runner = await start_server(create_app(config, health), "127.0.0.1", unused_tcp_port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}") as client:
        yield client, public, state
    await runner.cleanup()


async def test_feed_has_type_etag_last_modified_and_cache_control(server):
    client, _, _ = server
    r = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert r.headers["etag"].startswith('"') and not r.headers["etag"].startswith("W/")
    assert "last-modified" in r.headers
    assert r.headers["cache-control"] == "public, max-age=600"
    assert r.content == ATOM * 50
    r = await client.get("/feeds/all.rss", headers={"Accept-Encoding": "identity"})
    assert r.headers["content-type"] == "application/rss+xml; charset=utf-8"
    r = await client.get("/feeds/events.ics", headers={"Accept-Encoding": "identity"})
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"


async def test_conditional_requests_get_304(server):
    client, _, _ = server
    r = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "identity"})
    etag, lastmod = r.headers["etag"], r.headers["last-modified"]
    r2 = await client.get("/feeds/all.atom", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["etag"] == etag
    r3 = await client.get("/feeds/all.atom", headers={"If-Modified-Since": lastmod, "Accept-Encoding": "identity"})
    assert r3.status_code == 304
    r4 = await client.get("/feeds/all.atom", headers={"If-None-Match": '"other"', "Accept-Encoding": "identity"})
    assert r4.status_code == 200


async def test_changed_file_gets_new_etag(server):
    client, public, _ = server
    r = await client.get("/feeds/all.rss", headers={"Accept-Encoding": "identity"})
    tmp = public / "feeds" / "all.rss.tmp"
    tmp.write_bytes(b"<rss version='2.0'/>")
    os.replace(tmp, public / "feeds" / "all.rss")
    r2 = await client.get("/feeds/all.rss", headers={"If-None-Match": r.headers["etag"], "Accept-Encoding": "identity"})
    assert r2.status_code == 200 and r2.headers["etag"] != r.headers["etag"]


async def test_gzip_when_accepted(server):
    client, _, _ = server
    r = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["vary"] == "Accept, Accept-Encoding"  # a browser gets the readable page
    assert r.content == ATOM * 50  # httpx decodes it
    raw = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip"})
    assert int(raw.headers["content-length"]) < len(ATOM * 50)
    assert gzip.decompress(gzip.compress(ATOM)) == ATOM
    r2 = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304


async def test_gzip_refused_with_q0_is_not_sent_and_head_has_the_length(server):
    client, _, _ = server
    for refusal in ("gzip;q=0", "gzip; q=0.0, identity", "*;q=0"):
        r = await client.get("/feeds/all.atom", headers={"Accept-Encoding": refusal})
        assert "content-encoding" not in r.headers and r.content == ATOM * 50, refusal
    r = await client.get("/feeds/all.atom", headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    assert r.headers["content-encoding"] == "gzip"
    head = await client.head("/feeds/all.atom", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(ATOM * 50))


@pytest.mark.parametrize("path", [
    "/feeds/../secret.txt", "/feeds/%2e%2e/secret.txt", "/feeds/..%2fsecret.txt", "/feeds/%2e%2e%2fsecret.txt",
    "/feeds/secret.txt", "/feeds/.atom", "/feeds/ALL.atom", "/../secret.txt", "/feeds//etc/passwd",
])
async def test_no_path_outside_the_public_feeds(server, path):
    client, _, _ = server
    r = await client.get(path)
    assert r.status_code in (403, 404)
    assert b"do not serve" not in r.content


async def test_missing_feed_is_404_with_a_hint(server):
    client, _, _ = server
    r = await client.get("/feeds/unknown.atom")
    assert r.status_code == 404 and "feedbot scrape" in r.text


async def test_index_has_autodiscovery_and_deep_links(server):
    client, _, _ = server
    r = await client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<link rel="alternate" type="application/atom+xml" title="Tất cả · All" href="http://feeds.example.org/feeds/all.atom">' in page
    assert 'type="application/rss+xml"' in page
    assert "https://t.me/vncpc_bot?start=events" in page
    assert "Sự kiện &lt;lịch&gt;" in page  # titles escaped
    assert "feeds.opml" in page


def test_index_without_the_bot_does_not_promise_telegram_links(tmp_path):
    feeds = [FeedLink("Tất cả · All", "all.atom", "all")]
    off = render_index(WebConfig(public_dir=tmp_path, base_url="http://feeds.example.org", feeds=feeds))
    on = render_index(WebConfig(public_dir=tmp_path, base_url="http://feeds.example.org", feeds=feeds,
                                bot_username="vncpc_bot"))
    on_en = render_index(WebConfig(public_dir=tmp_path, base_url="http://feeds.example.org", feeds=feeds,
                                   bot_username="vncpc_bot"), lang="en")
    assert "t.me" not in off and "liên kết Telegram" not in off
    assert "Hoặc mở một liên kết Telegram để đăng ký nhận thông báo." in on
    assert "Or open a Telegram link to subscribe to alerts." in on_en


async def test_opml_and_healthz(server):
    client, _, state = server
    r = await client.get("/feeds.opml", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/x-opml")
    h = await client.get("/healthz")
    assert h.status_code == 200 and h.json()["sources"]["vncpc-vi"]["broken"] is False
    state["status"] = 503
    h = await client.get("/healthz")
    assert h.status_code == 503 and h.json()["sources"]["vncpc-vi"]["broken"] is True
    assert h.headers["cache-control"] == "no-store"

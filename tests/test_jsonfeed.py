"""JSON Feed 1.1 next to every Atom feed: the spec's rules, the same entries as the Atom twin, and
served, listed and discoverable like the other feeds.

feedparser (6.0.14, the newest release) does not read JSON Feed (its support is unreleased), so
the read-back compares each JSON item with the Atom entry feedparser reads for the same article.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
from lxml import etree

from feeds.publish.jsonfeed import VERSION, build_json_feed
from feeds.models import Event, EventKind, Language, Recommendation
from feeds.publish import FeedMeta, build_atom, publish_all
from feeds.publish.feed import feed_entries
from feeds.store import Store, database_url
from tests.support.factories import make_article, make_stored
from tests.test_publish import make_source

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
META = FeedMeta("https://feeds.example.org/feeds/all.atom", "Tất cả tin", "Tin mới từ mọi nguồn",
                "https://feeds.example.org/feeds/all.json", "https://feeds.example.org/")


def spec_problems(doc: dict) -> list[str]:
    """What JSON Feed 1.1 requires (https://jsonfeed.org/version/1.1): version, title, items; each
    item an id and content_html or content_text; dates in RFC 3339; URLs absolute."""
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {doc.get('version')!r}")
    if not isinstance(doc.get("title"), str) or not doc["title"]:
        problems.append("no title")
    if not isinstance(doc.get("items"), list):
        return [*problems, "items is not an array"]
    for key in ("home_page_url", "feed_url"):
        if key in doc and not urlsplit(doc[key]).scheme.startswith("http"):
            problems.append(f"{key} is not an absolute URL")
    for n, item in enumerate(doc["items"]):
        where = f"item {n}"
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}: no id")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"{where}: neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item and not RFC3339.match(item[key]):
                problems.append(f"{where}: {key} {item[key]!r} is not RFC 3339")
        if "tags" in item and not all(isinstance(t, str) for t in item["tags"]):
            problems.append(f"{where}: tags must be strings")
        for author in item.get("authors", []):
            if not set(author) & {"name", "url", "avatar"}:
                problems.append(f"{where}: an author without name, url or avatar")
    return problems


def articles():
    event = Event(name="hội thảo sản xuất sạch hơn", kind=EventKind.CONFERENCE, start=dt.date(2026, 5, 26),
                  end=dt.date(2026, 5, 27), location="Khách sạn Mường Thanh", province="Thanh Hóa")
    return [
        make_stored(1),
        make_stored(2, events=(event,), summary="Hội thảo về sản xuất sạch hơn."),
        make_stored(3, recommendations=(Recommendation(1, "Tiết kiệm nước", ("Tái sử dụng nước",)),)),
        make_stored(4, language=Language.EN, title="Cleaner production in textiles", author=None),
    ]


def test_the_json_feed_follows_the_spec_and_matches_its_atom_twin_entry_for_entry():
    stored = articles()
    doc = json.loads(build_json_feed(stored, META))
    assert spec_problems(doc) == []
    assert doc["version"] == VERSION and doc["feed_url"] == META.self_url and doc["language"] == "vi"
    atom_bytes = build_atom(stored, META)
    atom = feedparser.parse(atom_bytes)
    assert atom.bozo == 0 and len(atom.entries) == len(doc["items"]) == 4
    contents = etree.fromstring(atom_bytes).findall(f"{ATOM}entry/{ATOM}content")  # as written, unsanitised
    for item, entry, content in zip(doc["items"], atom.entries, contents, strict=True):
        assert item["id"] == entry.id and item["url"] == entry.link and item["title"] == entry.title
        published = dt.datetime.fromisoformat(item["date_published"])
        assert published.utcoffset() == dt.timedelta(hours=7)
        assert published.utctimetuple()[:6] == entry.published_parsed[:6]
        assert dt.datetime.fromisoformat(item["date_modified"]).utctimetuple()[:6] == entry.updated_parsed[:6]
        assert item["content_html"] == content.text
        assert item.get("summary", "") == entry.get("summary", "")
    by_id = {i["id"]: i for i in doc["items"]}
    report = by_id[stored[1].article.url]
    assert "Thanh Hóa" in report["content_html"] and "Sự kiện" in report["tags"]
    assert by_id[stored[3].article.url]["language"] == "en" and "authors" not in by_id[stored[3].article.url]
    assert by_id[stored[0].article.url]["authors"] == [{"name": "Phòng Truyền thông"}]
    assert by_id[stored[0].article.url]["image"] == stored[0].article.images[0]


def test_json_and_atom_are_rendered_from_the_same_entries():
    stored = articles()
    rendered = feed_entries(stored, META)
    assert build_json_feed(stored, META, rendered=rendered) == build_json_feed(stored, META)
    assert build_atom(stored, META, rendered=rendered) == build_atom(stored, META)


def test_an_empty_json_feed_is_valid_and_deterministic():
    empty = build_json_feed([], META)
    assert json.loads(empty)["items"] == [] and spec_problems(json.loads(empty)) == []
    assert build_json_feed([], META) == empty
    assert build_json_feed(articles(), META) == build_json_feed(list(reversed(articles())), META)


def test_every_atom_feed_has_a_json_twin_listed_in_its_own_opml(tmp_path: Path):
    sources = [make_source("vncpc-vi", "VNCPC – Tin tức", "https://vncpc.org/tin-tuc/", Language.VI)]
    with Store.open(database_url(tmp_path / "data")) as store:
        store.upsert_articles("vncpc-vi", [make_article(1), make_article(2)], now=dt.datetime.now(dt.UTC))
        paths = publish_all(store, sources, tmp_path / "public", base_url="https://feeds.example.org",
                            max_entries=10)
    atoms = sorted(p.stem for p in paths if p.suffix == ".atom")
    jsons = sorted(p.stem for p in paths if p.suffix == ".json")
    assert atoms == jsons == ["all", "events", "recommendations", "vncpc-vi"]
    for path in (p for p in paths if p.suffix == ".json"):
        doc = json.loads(path.read_bytes())
        assert spec_problems(doc) == [] and doc["feed_url"] == f"https://feeds.example.org/feeds/{path.name}"
    outlines = etree.parse(str(tmp_path / "public" / "feeds-json.opml")).getroot().iter("outline")
    assert sorted(o.get("xmlUrl").rsplit("/", 1)[1] for o in outlines) == [f"{s}.json" for s in jsons]
    atom_opml = (tmp_path / "public" / "feeds.opml").read_text(encoding="utf-8")
    assert ".json" not in atom_opml  # importing feeds.opml subscribes to each feed once


async def test_the_feed_server_serves_json_feeds_and_the_index_page_lets_readers_discover_them(
        tmp_path, unused_tcp_port):
    import httpx

    from bot.service.service import feed_links
    from bot.service.web import WebConfig, create_app, start_server

    public = tmp_path / "public"
    (public / "feeds").mkdir(parents=True)
    (public / "feeds" / "all.json").write_bytes(build_json_feed(articles(), META))
    (public / "feeds-json.opml").write_bytes(b"<opml version='2.0'/>")

    async def health():
        return 200, {}

    config = WebConfig(public, "https://feeds.example.org", feed_links([]))
    runner = await start_server(create_app(config, health), "127.0.0.1", unused_tcp_port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}") as client:
            r = await client.get("/feeds/all.json")
            assert r.headers["content-type"] == "application/feed+json; charset=utf-8" and "etag" in r.headers
            assert spec_problems(r.json()) == []
            again = await client.get("/feeds/all.json", headers={"If-None-Match": r.headers["etag"]})
            assert again.status_code == 304
            assert (await client.get("/feeds-json.opml")).status_code == 200
            index = (await client.get("/")).text
    finally:
        await runner.cleanup()
    assert ('<link rel="alternate" type="application/feed+json" title="Tất cả tin · All news" '
            'href="https://feeds.example.org/feeds/all.json">') in index
    assert 'href="https://feeds.example.org/feeds-json.opml"' in index


def test_an_article_without_a_date_of_its_own_has_no_date_published_in_either_format():
    guessed = make_stored(7, date_is_guess=True)
    doc = json.loads(build_json_feed([guessed], META))
    assert spec_problems(doc) == [] and "date_published" not in doc["items"][0] and "date_modified" in doc["items"][0]
    assert "<published>" not in build_atom([guessed], META).decode()

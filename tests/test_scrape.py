"""feeds.scrape: listing pages, article pages, fallbacks and explanations.

The demo site (bot/demo/site) is the fixture site; edge cases live in tests/fixtures/pages.
Article pages are checked against golden files in tests/golden/scrape/<slug>.json;
set FEEDBOT_REGEN_GOLDEN=1 to rewrite them (then review the diff by eye).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from protego import Protego

from feeds.errors import ScrapeError
from feeds.models import Article, ArticleSelectors, Language, ListingSelectors, Source
from feeds.scrape import canonical_url, explain_article, explain_listing, parse_article, parse_listing
from feeds.config import load_sources
from feeds.text import decode_html

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "bot" / "demo" / "site"
PAGES = REPO / "tests" / "fixtures" / "pages"
GOLDEN = REPO / "tests" / "golden" / "scrape"
SITE = "https://vncpc.test"
NOW = dt.datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SHIPPED = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}
VI = dataclasses.replace(SHIPPED["vncpc-vi"], url=f"{SITE}/tin-tuc/", allowed_hosts=())
EN = dataclasses.replace(SHIPPED["vncpc-en"], url=f"{SITE}/en/news/", allowed_hosts=())
ARTICLE_PAGES = sorted(p.relative_to(DEMO) for p in DEMO.glob("*/**/index.html") if "/page/" not in p.as_posix())
ARTICLE_PAGES = [p for p in ARTICLE_PAGES if p.parent.name not in ("tin-tuc", "news")]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def page_url(rel: Path) -> str:
    return f"{SITE}/{rel.parent.as_posix()}/"


def source_for(rel: Path) -> Source:
    return EN if rel.parts[0] == "en" else VI


def bare(item: str = "article", link: str = "a") -> ListingSelectors:
    return ListingSelectors(item=item, link=link)


# --------------------------------------------------------------------------- canonical_url


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("HTTPS://VNCPC.org:443/tin-tuc/bai/#comments", None, "https://vncpc.org/tin-tuc/bai/"),
        ("http://vncpc.org:80", None, "http://vncpc.org/"),
        ("http://vncpc.org:8080/a", None, "http://vncpc.org:8080/a"),
        ("/tin-tuc/bai/?utm_source=fb&utm_medium=social&p=12&fbclid=x&gclid=y", "https://vncpc.org/en/", "https://vncpc.org/tin-tuc/bai/?p=12"),
        ("../bai-2/", "https://vncpc.org/tin-tuc/bai-1/", "https://vncpc.org/tin-tuc/bai-2/"),
        ("https://vncpc.org/tin-tuc/hội-thảo/", None, "https://vncpc.org/tin-tuc/h%E1%BB%99i-th%E1%BA%A3o/"),
        ("https://vncpc.org/tin-tuc/h%E1%BB%99i/", None, "https://vncpc.org/tin-tuc/h%E1%BB%99i/"),
        ("https://user:pw@VNCPC.org./a?b=1#x", None, "https://vncpc.org/a?b=1"),
        ("http://[::1]:8000/x", None, "http://[::1]:8000/x"),
        ("  https://vncpc.org/a  ", None, "https://vncpc.org/a"),
        ("mailto:a@example.org#x", None, "mailto:a@example.org"),
    ],
)
def test_canonical_url(url, base, expected):
    assert canonical_url(url, base) == expected


def test_canonical_url_is_idempotent():
    once = canonical_url("HTTP://Example.ORG:80/đường dẫn/?utm_term=a&x=1#top")
    assert canonical_url(once) == once == "http://example.org/%C4%91%C6%B0%E1%BB%9Dng%20d%E1%BA%ABn/?x=1"


# --------------------------------------------------------------------------- listings


def test_demo_listing_page_one_links_titles_dates_and_next_page():
    listing = parse_listing(read(DEMO / "tin-tuc/index.html"), f"{SITE}/tin-tuc/", VI.listing)
    assert len(listing.items) == 5
    first = listing.items[0]
    assert first.url == f"{SITE}/tin-tuc/thong-bao-dien-dan-tang-truong-xanh-va-kinh-te-tuan-hoan-2024/"
    assert first.title == "Thông báo: Diễn đàn Tăng trưởng xanh và Kinh tế tuần hoàn năm 2024"
    assert first.date_text == "2024-10-01T09:00:00+07:00"  # the datetime attribute wins over the text
    assert listing.items[3].date_text == "08:20 | 14/07/2019"  # a <time> with text only
    assert listing.next_page == f"{SITE}/tin-tuc/page/2/"
    assert all(i.url.startswith(f"{SITE}/tin-tuc/") and "#" not in i.url for i in listing.items)


def test_demo_listing_last_page_has_no_next_page_and_english_listing_parses():
    page2 = parse_listing(read(DEMO / "tin-tuc/page/2/index.html"), f"{SITE}/tin-tuc/page/2/", VI.listing)
    assert [i.date_text for i in page2.items] == ["Cập nhật: 05-03-2014 | 10:12:45", "ngày 26 tháng 5 năm 2010", "06:2 | 02/12/2007"]
    assert page2.next_page is None
    english = parse_listing(read(DEMO / "en/news/index.html"), f"{SITE}/en/news/", EN.listing)
    assert [i.url.rsplit("/", 2)[1] for i in english.items] == [
        "workshop-on-cleaner-production-in-the-textile-and-dyeing-sector",
        "vncpc-publishes-its-annual-report-2020",
        "training-on-resource-efficient-and-cleaner-production-in-hanoi",
    ]


def test_listing_links_are_canonical_on_site_and_deduplicated():
    html = read(PAGES / "listing-links.html")
    selectors = VI.listing
    listing = parse_listing(html, "https://vncpc.test/tin-tuc/", selectors)
    assert [i.url for i in listing.items] == [
        "https://vncpc.test/tin-tuc/bai-1/",  # tracking parameters and fragment gone; the repeat dropped
        "https://www.vncpc.test/tin-tuc/bai-2/",  # www. is the same site
        "https://vncpc.test/tin-tuc/bai-3/?p=3",  # relative link resolved, fbclid gone
        "https://vncpc.test/tin-tuc/bai-4/",  # the item is itself the <a>
    ]
    assert listing.items[0].title == "Bài một" and listing.items[0].date_text == "2025-01-10T08:00:00+07:00"
    assert listing.items[2].title == "Bài ba (tương đối)"  # no .entry-title: the link text
    assert listing.next_page == "https://vncpc.test/tin-tuc/page/2/"
    allowed = parse_listing(html, "https://vncpc.test/tin-tuc/", selectors, allowed_hosts=["cdn.vncpc-partner.test"])
    assert "https://cdn.vncpc-partner.test/tin-tuc/bai-doi-tac/" in [i.url for i in allowed.items]
    assert not any("other.example.net" in i.url for i in allowed.items)


def test_listing_after_a_layout_change_has_no_items_and_explain_shows_why():
    html = read(PAGES / "listing-layout-changed.html")
    listing = parse_listing(html, f"{SITE}/tin-tuc/", VI.listing)
    assert listing.items == () and listing.next_page is None
    explained = {m.key: m for m in explain_listing(html, f"{SITE}/tin-tuc/", VI.listing)}
    assert explained["item"].count == 0 and explained["item"].selector == VI.listing.item
    fixed = ListingSelectors(item=".news-card", link="a.card-link", title=".card-title", date=".card-time", next_page=".pager-next")
    repaired = parse_listing(html, f"{SITE}/tin-tuc/", fixed)
    assert [i.title for i in repaired.items] == ["Bài viết mới theo giao diện mới", "Giao diện mới không còn thẻ article"]
    assert repaired.next_page == f"{SITE}/tin-tuc/?trang=2"


def test_explain_listing_on_the_demo_page():
    explained = {m.key: m for m in explain_listing(read(DEMO / "tin-tuc/index.html"), f"{SITE}/tin-tuc/", VI.listing)}
    assert (explained["item"].count, explained["link"].count, explained["title"].count, explained["date"].count) == (5, 5, 5, 5)
    assert explained["link"].samples[0] == f"{SITE}/tin-tuc/thong-bao-dien-dan-tang-truong-xanh-va-kinh-te-tuan-hoan-2024/"
    assert explained["next_page"].samples == (f"{SITE}/tin-tuc/page/2/",)
    assert all(m.fallback is None for m in explained.values())


def test_malformed_links_are_skipped_not_fatal():
    html = '<article><a href="http://[::1">bad</a></article><article><a href="/ok/">ok</a></article>'
    listing = parse_listing(html, f"{SITE}/tin-tuc/", bare())
    assert [i.url for i in listing.items] == [f"{SITE}/ok/"]
    article = parse_article('<h1>T</h1><div class="entry-content"><p><a href="//[x">a</a> b</p></div>', f"{SITE}/a/", VI, now=NOW)
    assert article.body_html == '<p><a rel="noopener noreferrer">a</a> b</p>'
    with pytest.raises(ValueError):
        canonical_url("http://[::1")


def test_next_page_pointing_at_itself_is_ignored():
    html = '<article><h2><a href="/a/">A</a></h2></article><a class="next" href="/tin-tuc/#top">next</a>'
    listing = parse_listing(html, f"{SITE}/tin-tuc/", ListingSelectors(item="article", next_page="a.next"))
    assert listing.next_page is None and [i.url for i in listing.items] == [f"{SITE}/a/"]


# --------------------------------------------------------------------------- golden article pages


def golden_form(article: Article) -> dict:
    """An Article as reviewable JSON: datetimes as ISO text, bodies as lists of lines."""
    data = dataclasses.asdict(article)
    data.pop("extraction")
    for key in ("published", "modified"):
        data[key] = data[key].isoformat() if data[key] else None
    data["language"] = article.language.value
    data["categories"], data["images"] = list(article.categories), list(article.images)
    data["body_text"] = article.body_text.split("\n")
    data["body_html"] = article.body_html.split("\n")
    return data


@pytest.mark.parametrize("rel", ARTICLE_PAGES, ids=lambda p: p.parent.name)
def test_demo_article_matches_golden(rel):
    article = parse_article(read(DEMO / rel), page_url(rel), source_for(rel), now=NOW)
    got = golden_form(article)
    path = GOLDEN / f"{rel.parent.name}.json"
    if os.environ.get("FEEDBOT_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with FEEDBOT_REGEN_GOLDEN=1 and review it"
    assert got == json.loads(path.read_text(encoding="utf-8"))


def test_there_is_a_golden_for_every_demo_article_and_no_stale_one():
    assert len(ARTICLE_PAGES) == 12  # 8 Vietnamese, 3 English, 1 extra
    assert {p.parent.name + ".json" for p in ARTICLE_PAGES} == {p.name for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize("rel", ARTICLE_PAGES, ids=lambda p: p.parent.name)
def test_demo_article_body_is_sanitised_and_absolute(rel):
    article = parse_article(read(DEMO / rel), page_url(rel), source_for(rel), now=NOW)
    lowered = article.body_html.lower()
    for banned in ("<script", "<style", "<iframe", "<form", "onclick", "onerror", "style=", "javascript:", "sharedaddy", "chia sẻ:", "share this"):
        assert banned not in lowered
    for url in re.findall(r'(?:href|src)="([^"]+)"', article.body_html):
        assert url.startswith(("https://vncpc.test/", "https://www.youtube.com/", "mailto:")), url
    assert article.images == tuple(dict.fromkeys(article.images))
    assert article.language is (Language.EN if rel.parts[0] == "en" else Language.VI)
    assert not article.date_is_guess and article.published.tzinfo is not None


# --------------------------------------------------------------------------- fallbacks


def test_json_ld_only_page_takes_title_date_author_and_section_from_json_ld():
    rel = Path("tin-tuc/vncpc-va-dai-hoc-bach-khoa-ha-noi-ky-ket-hop-tac-dao-tao/index.html")
    html = read(DEMO / rel)
    article = parse_article(html, page_url(rel), VI, now=NOW)
    assert article.title.startswith("VNCPC và Đại học Bách khoa Hà Nội ký kết")
    assert article.published == dt.datetime(2022, 3, 21, 10, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert article.modified == dt.datetime(2022, 3, 22, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (article.author, article.categories) == ("Phòng Truyền thông", ("Tin tức",))
    explained = {m.key: m for m in explain_article(html, page_url(rel), VI)}
    assert explained["title"].count == 0 and explained["title"].fallback == "JSON-LD headline"
    assert explained["date"].fallback == "JSON-LD datePublished"
    assert explained["author"].fallback == "JSON-LD author"
    assert explained["body"].fallback is None and explained["body"].samples[0].startswith("Sáng ngày 18/3/2022")


def test_json_ld_author_reference_list_sections_and_escaped_headline():
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "/#webpage", "datePublished": "2001-01-01"},
        {"@type": ["Article", "NewsArticle"], "headline": "Hội thảo &amp; triển lãm", "datePublished": "2024-05-06T07:08:09+07:00",
         "author": [{"@id": "/#/schema/person/1"}, {"name": "Trần Văn B"}], "articleSection": ["Tin tức", "Sự kiện"]},
        {"@type": "Person", "@id": "/#/schema/person/1", "name": "Lê Thị A"},
    ]}
    page = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script><script type="application/ld+json">{{broken</script><div class="entry-content"><p>B.</p></div>'
    article = parse_article(page, f"{SITE}/j/", VI, now=NOW)
    assert article.title == "Hội thảo & triển lãm"
    assert article.published == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert article.author == "Lê Thị A, Trần Văn B" and article.categories == ("Tin tức", "Sự kiện")


OG_ONLY = """<!doctype html><html><head><meta charset="utf-8">
<title>Ignored because og:title exists | VNCPC</title>
<meta property="og:site_name" content="VNCPC">
<meta property="og:title" content="Diễn đàn doanh nghiệp xanh khu vực phía Nam – VNCPC">
<meta property="og:image" content="/wp-content/uploads/og.jpg">
<meta property="article:published_time" content="2025-06-02T07:30:00+00:00">
<meta property="article:modified_time" content="2025-06-03T07:30:00+00:00">
<meta property="article:section" content="Sự kiện">
<meta name="author" content="Nguyễn Thị Lan">
<link rel="canonical" href="https://elsewhere.example.com/copied/">
</head><body>
<div id="sidebar"><p>Liên kết</p></div>
<div id="noi-dung"><p>Đoạn thứ nhất của bài viết, đủ dài để là khối văn bản lớn nhất.</p>
<p>Đoạn thứ hai<br>có xuống dòng.</p><p><img src="anh/1.jpg" alt=""></p></div>
</body></html>"""


def test_og_metadata_and_largest_text_block_fallbacks():
    url = f"{SITE}/tin-tuc/dien-dan/?utm_source=zalo#top"
    article = parse_article(OG_ONLY, url, VI, now=NOW)
    assert article.url == f"{SITE}/tin-tuc/dien-dan/"  # off-site canonical ignored, tracking removed
    assert article.title == "Diễn đàn doanh nghiệp xanh khu vực phía Nam"  # site name stripped
    assert article.published == dt.datetime(2025, 6, 2, 7, 30, tzinfo=dt.timezone.utc)
    assert article.modified == dt.datetime(2025, 6, 3, 7, 30, tzinfo=dt.timezone.utc)
    assert (article.author, article.categories) == ("Nguyễn Thị Lan", ("Sự kiện",))
    assert article.body_text == "Đoạn thứ nhất của bài viết, đủ dài để là khối văn bản lớn nhất.\n\nĐoạn thứ hai\ncó xuống dòng."
    assert article.images == (f"{SITE}/tin-tuc/dien-dan/anh/1.jpg", f"{SITE}/wp-content/uploads/og.jpg")
    explained = {m.key: m for m in explain_article(OG_ONLY, url, VI)}
    assert explained["title"].fallback == "og:title" and explained["body"].fallback == "largest text block"
    assert explained["date"].fallback == "article:published_time"


def test_title_falls_back_to_h1_then_title_tag_and_missing_date_is_a_guess():
    h1_page = "<html><head><title>T – VNCPC</title></head><body><h1>Tiêu đề H1</h1><article><p>Nội dung.</p></article></body></html>"
    article = parse_article(h1_page, f"{SITE}/a/", dataclasses.replace(VI, article=ArticleSelectors()), now=NOW)
    assert article.title == "Tiêu đề H1" and article.body_text == "Nội dung."
    assert article.date_is_guess and article.published == NOW
    title_page = '<html><head><title>Chỉ có thẻ title</title></head><body><div class="entry-content"><p>Nội dung.</p></div></body></html>'
    assert parse_article(title_page, f"{SITE}/b/", VI, now=NOW).title == "Chỉ có thẻ title"


def test_selector_alternatives_are_tried_left_to_right():
    html = '<div class="date">14/07/2019</div><h1>Sidebar heading</h1><h1 class="entry-title">Real title</h1><time datetime="2001-01-01">x</time><div class="entry-content"><p>Body.</p></div>'
    article = parse_article(html, f"{SITE}/c/", VI, now=NOW)
    assert article.title == "Real title"  # "h1.entry-title, h1": the first alternative wins wherever it is
    assert article.published.date() == dt.date(2019, 7, 14)  # ".date" before any fallback


def test_unparseable_configured_date_falls_back_to_time_datetime():
    html = '<h1>T</h1><span class="date">Ngày đăng: không rõ</span><time datetime="2020-02-03T04:05:00+07:00">hôm qua</time><div class="entry-content"><p>B.</p></div>'
    article = parse_article(html, f"{SITE}/d/", VI, now=NOW)
    assert article.published == dt.datetime(2020, 2, 3, 4, 5, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert not article.date_is_guess


def test_body_falls_back_to_article_without_its_header_and_footer():
    html = read(PAGES / "article-without-entry-content.html")
    article = parse_article(html, f"{SITE}/tin-tuc/khanh-thanh/", VI, now=NOW)
    assert article.title == "Khánh thành mô hình xử lý nước thải làng nghề tại Hà Nam"
    assert article.body_text.startswith("Ngày 27/8/2020, mô hình xử lý nước thải")
    assert "Ban biên tập" not in article.body_text and "Tin tức" not in article.body_text
    assert article.author == "Ban biên tập" and article.categories == ("Tin tức",)
    assert article.published == dt.datetime(2020, 8, 28, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    narrow = dataclasses.replace(VI, article=dataclasses.replace(VI.article, body=".entry-content"))
    assert parse_article(html, f"{SITE}/tin-tuc/khanh-thanh/", narrow, now=NOW).body_text == article.body_text
    assert {m.key: m.fallback for m in explain_article(html, f"{SITE}/x/", narrow)}["body"] == "<article>"


def test_page_without_title_raises_scrape_error_naming_source_and_url():
    url = f"{SITE}/tin-tuc/khong-tieu-de/"
    with pytest.raises(ScrapeError) as caught:
        parse_article(read(PAGES / "no-title.html"), url, VI, now=NOW)
    assert caught.value.source == "vncpc-vi" and caught.value.url == url
    assert "title" in str(caught.value) and "h1.entry-title, h1" in str(caught.value)


def test_explain_article_reports_a_broken_page_instead_of_raising():
    explained = {m.key: m for m in explain_article(read(PAGES / "no-title.html"), f"{SITE}/x/", VI)}
    assert (explained["title"].count, explained["title"].samples, explained["title"].fallback) == (0, (), None)
    assert explained["body"].count == 1 and explained["body"].samples[0].startswith("Trang này không có tiêu đề")
    empty = {m.key: m for m in explain_article("<html><head><title>T</title></head></html>", f"{SITE}/y/", VI)}
    assert (empty["body"].count, empty["body"].samples) == (0, ())
    assert empty["title"].samples == ("T",) and empty["title"].fallback == "<title>"


def test_page_without_body_or_with_only_removed_content_raises():
    with pytest.raises(ScrapeError, match="body"):
        parse_article("<html><head><title>Only a title</title></head></html>", f"{SITE}/e/", VI, now=NOW)
    shared_only = '<h1>T</h1><div class="entry-content"><div class="sharedaddy">Chia sẻ</div><script>x()</script></div>'
    with pytest.raises(ScrapeError, match="empty"):
        parse_article(shared_only, f"{SITE}/f/", VI, now=NOW)


# --------------------------------------------------------------------------- text rendering and sanitising


def test_body_text_lists_line_breaks_and_tables():
    html = """<h1>T</h1><div class="entry-content"><p>Mở đầu   với&nbsp;khoảng trắng
    thừa.</p><p>Kiến nghị:</p><ol start="3"><li><p>Mục ba</p></li><li>Mục bốn<ul><li>ý a</li><li>• đã có dấu</li></ul></li></ol>
    <table><tr><th>Tỉnh</th><th>Số</th></tr><tr><td>Nghệ An</td><td>120</td></tr></table><p>Dòng 1<br>Dòng 2<br/>Dòng 3</p></div>"""
    article = parse_article(html, f"{SITE}/g/", VI, now=NOW)
    assert article.body_text == (
        "Mở đầu với khoảng trắng thừa.\n\nKiến nghị:\n\n3. Mục ba\n4. Mục bốn\n• ý a\n• đã có dấu\n\n"
        "Tỉnh Số\nNghệ An 120\n\nDòng 1\nDòng 2\nDòng 3"
    )
    assert '<ol start="3">' in article.body_html and "<table>" in article.body_html


def test_dangerous_markup_is_removed_and_urls_made_absolute():
    html = """<h1>T</h1><div class="entry-content"><p onclick="steal()" style="color:red">Chữ <a href="javascript:alert(1)">xấu</a>
    <a href="../bai-khac/" onmouseover="x()">tốt</a> <img src="data:image/png;base64,AAAA"><img data-src="/lazy.jpg" src="/placeholder.gif"></p>
    <iframe src="https://evil.example/"></iframe><style>p{}</style><noscript>nojs</noscript><form><input name="q"></form>
    <svg><script>alert(2)</script></svg><!-- comment --></div>"""
    article = parse_article(html, f"{SITE}/tin-tuc/bai/", VI, now=NOW)
    assert " ".join(article.body_html.split()) == (
        f'<p>Chữ <a rel="noopener noreferrer">xấu</a> <a href="{SITE}/tin-tuc/bai-khac/" rel="noopener noreferrer">tốt</a> '
        f'<img><img src="{SITE}/lazy.jpg"></p>'
    )
    assert article.body_text == "Chữ xấu tốt"
    assert article.images == (f"{SITE}/lazy.jpg",)


def test_text_is_nfc_with_traditional_tone_placement():
    decomposed = "Ho\u0300a Bi\u0300nh"  # "Hòa Bình" as combining marks
    html = f"<h1>Khánh Hoà – {decomposed}</h1><div class='entry-content'><p>Thuỷ lợi {decomposed}</p></div>"
    article = parse_article(html, f"{SITE}/h/", VI, now=NOW)
    assert article.title == "Khánh Hòa – Hòa Bình"
    assert article.body_text == "Thủy lợi Hòa Bình"


# --------------------------------------------------------------------------- the selector index


INDEX_SELECTORS = [
    "article, .post, .type-post", "h2 a, h3 a, .entry-title a", ".entry-title", "time, .entry-date, .date",
    "a.next, .nav-previous a, a.next.page-numbers", "h1.entry-title, h1", ".entry-content, .post-content, article",
    ".author .fn, .byline a, .author", ".cat-links a, a[rel~='category']", "link[rel~=canonical][href]",
    "#main article p", "div .sd-content ul li a", "*", "a[href]", 'a[rel="bookmark"]', "ul > li", "p:nth-of-type(2)",
    "img[alt]", "section#recent-posts-2 li a", "meta[property=og\\:title]",
]


@pytest.mark.parametrize("rel", [Path("tin-tuc/index.html"), *ARTICLE_PAGES[:4], Path("en/news/index.html")], ids=str)
def test_selector_index_agrees_with_soupsieve(rel):
    """The fast path for simple selectors returns exactly what soupsieve returns, in document order."""
    from bs4 import BeautifulSoup

    from feeds.scrape.selectors import Index

    def ids(elements):  # identity, not Tag.__eq__ (which compares markup)
        return [id(el) for el in elements]

    soup = BeautifulSoup(read(DEMO / rel), "lxml")
    index = Index(soup)
    for selector in INDEX_SELECTORS:
        assert ids(index.select(selector)) == ids(soup.select(selector)), selector
        for scope in soup.select("article, aside")[:3]:
            assert ids(index.select(selector, scope)) == ids(scope.select(selector)), (selector, scope.get("id"))


# --------------------------------------------------------------------------- hard pages


@pytest.mark.parametrize("name", ["cp1258.html", "cp1258-undeclared.html"])
def test_windows_1258_page_decodes_and_parses(name):
    raw = (PAGES / name).read_bytes()
    assert b"\xcc" in raw or b"\xec" in raw or b"\xf2" in raw  # really written with combining tone marks
    article = parse_article(decode_html(raw, "text/html"), f"{SITE}/tin-tuc/luyen-kim/", VI, now=NOW)
    assert article.title == "Hội thảo sử dụng năng lượng hiệu quả ngành luyện kim tại Thái Nguyên"
    assert article.url == f"{SITE}/tin-tuc/hoi-thao-nang-luong-luyen-kim-thai-nguyen/"
    assert article.published == dt.datetime(2015, 4, 27, 16, 5, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert "Khách sạn Thái Nguyên, TP Thái Nguyên" in article.body_text
    assert "Hơn 70 đại biểu" in article.body_text


def test_malformed_html_still_yields_the_article():
    article = parse_article(read(PAGES / "malformed.html"), f"{SITE}/tin-tuc/tap-huan/", VI, now=NOW)
    assert article.title.startswith("Tập huấn an toàn hóa chất cho doanh nghiệp tại Bình Dương")
    assert article.published == dt.datetime(2021, 6, 15, 9, 3, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    text = article.body_text
    assert text.startswith("Ngày 12/6/2021, tại TP Thủ Dầu Một")
    assert "trong nhà xưởng." in text and "theo mẫu." in text and "Đoạn cuối chưa đóng thẻ nghiêng" in text
    assert "• Mục thứ nhất\n• Mục thứ hai" in text
    assert "do not keep" not in text and "onclick" not in article.body_html
    assert f'href="{SITE}/tin-tuc/ke-hoach-ung-pho/"' in article.body_html


def test_huge_page_parses_completely():
    paragraphs = "".join(f"<p>Đoạn số {i}: hội thảo về sản xuất sạch hơn tại Nghệ An.</p>\n" for i in range(20_000))
    html = f"<html><body><h1 class='entry-title'>Trang rất lớn</h1><div class='entry-content'>{paragraphs}</div></body></html>"
    assert len(html.encode()) > 1_000_000
    article = parse_article(html, f"{SITE}/lon/", VI, now=NOW)
    assert article.body_text.count("\n\n") == 19_999
    assert article.body_text.endswith("Đoạn số 19999: hội thảo về sản xuất sạch hơn tại Nghệ An.")


# --------------------------------------------------------------------------- the demo site over HTTP


def crawl(site, start: str, source: Source) -> list[tuple[str, Article]]:
    """Follow the listing's next links and parse every article, over real HTTP."""
    found, url = [], site.url(start)
    with httpx.Client(timeout=5) as client:
        while url:
            listing = parse_listing(decode_html(client.get(url).content), url, source.listing)
            for item in listing.items:
                response = client.get(item.url)
                assert response.status_code == 200, item.url
                found.append((item.url, parse_article(decode_html(response.content), item.url, source, now=NOW)))
            url = listing.next_page
    return found


def test_demo_site_served_on_any_port_links_and_canonicals_agree(site):
    site.add_dir(DEMO)
    vi = crawl(site, "/tin-tuc/", dataclasses.replace(VI, url=site.url("/tin-tuc/")))
    en = crawl(site, "/en/news/", dataclasses.replace(EN, url=site.url("/en/news/")))
    assert (len(vi), len(en)) == (8, 3)
    for listed_url, article in vi + en:
        assert article.url == listed_url  # rel=canonical (relative) agrees with the listing link
        assert article.url.startswith(site.base)
    robots = Protego.parse(site.routes["/robots.txt"].body.decode())
    assert robots.can_fetch(site.url("/tin-tuc/"), "vncpc-feedbot") and not robots.can_fetch(site.url("/wp-admin/"), "x")


def test_readme_snippet_adds_the_extra_article_to_the_listing(site):
    readme = read(DEMO / "README.txt")
    snippet = readme[readme.index("<article"):].strip()
    listing_html = read(DEMO / "tin-tuc/index.html")
    assert listing_html.count("<!-- demo:new-items -->") == 1
    site.add_dir(DEMO)
    site.add("/tin-tuc/", listing_html.replace("<!-- demo:new-items -->", "<!-- demo:new-items -->\n" + snippet))
    source = dataclasses.replace(VI, url=site.url("/tin-tuc/"))
    found = crawl(site, "/tin-tuc/", source)
    assert len(found) == 9
    url, article = found[0]
    assert url == site.url("/extra/hoi-thao-tiet-kiem-nang-luong-trong-cong-nghiep-thanh-hoa/") == article.url
    assert article.title == "Hội thảo tiết kiệm năng lượng trong sản xuất công nghiệp tại Thanh Hóa"


# --------------------------------------------------------------------------- robustness

_PIECES = st.sampled_from([
    "<article>", "</article>", "<div class='entry-content'>", "</div>", "<p>", "</p>", "<h1>", "</h1>",
    "<a href='/x/'>", "<a href='javascript:x'>", "<a href='http://[::1'>", "</a>", "<time datetime='2020-13-45'>",
    "<span class='date'>06:2 | 02/12/2007</span>", "<ul><li>", "<br>", "<script>", "</script>", "<!--", "-->",
    "<meta property='og:title' content='T'>", "<script type='application/ld+json'>{\"@graph\": [1, {}]}</script>",
    "Hội thảo", "&amp;", "&#0;", "\x00", "<", ">", "'", '"', " ", "\n",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=8), max_size=40).map("".join))
def test_any_markup_gives_a_listing_and_an_article_or_a_scrape_error(markup):
    listing = parse_listing(markup, f"{SITE}/tin-tuc/", VI.listing)
    assert all(item.url.startswith(SITE) for item in listing.items)
    try:
        article = parse_article(markup, f"{SITE}/tin-tuc/a/", VI, now=NOW)
    except ScrapeError as exc:
        assert exc.source == "vncpc-vi"
    else:
        assert article.title and article.body_text and "<script" not in article.body_html
    assert {m.key for m in explain_article(markup, f"{SITE}/tin-tuc/a/", VI)} >= {"title", "date", "body"}


def test_deeply_nested_malformed_body_is_scraped():
    # Hundreds of unclosed <span>/<div> (pasted from a word processor) nest the tree deeper than
    # Python's recursion limit: the body must still come out, not a RecursionError.
    depth = 3000
    html = ("<html><head><title>Bài viết</title></head><body><article><h1>Hội thảo sản xuất sạch hơn</h1>"
            "<div class='entry-content'>" + "<div><span>" * depth
            + "<p>Hội thảo diễn ra tại Huế.</p><ul><li>Giảm 10% điện năng</li></ul>"
            + "</span></div>" * depth + "</div></article></body></html>")
    article = parse_article(html, f"{SITE}/tin-tuc/hoi-thao-long/", VI, now=NOW)
    assert article.body_text == "Hội thảo diễn ra tại Huế.\n\n• Giảm 10% điện năng"
    assert "Hội thảo diễn ra tại Huế." in article.body_html


@pytest.mark.parametrize("depth", [900, 50_000])
def test_absurdly_nested_json_ld_is_ignored(depth):
    # json.loads raises RecursionError (not ValueError) on very deep nesting; the page's other
    # metadata must still be read.
    ld = "[" * depth + '{"@type": "NewsArticle", "headline": "x"}' + "]" * depth
    html = (f'<html><head><script type="application/ld+json">{ld}</script></head><body><article>'
            "<h1>Tập huấn kiểm toán năng lượng</h1><div class='entry-content'><p>Nội dung.</p></div>"
            "</article></body></html>")
    article = parse_article(html, f"{SITE}/tin-tuc/ld-long/", VI, now=NOW)
    assert article.title == "Tập huấn kiểm toán năng lượng" and article.body_text == "Nội dung."


@pytest.mark.parametrize(
    "head", ['<base href="http://[::1">', '<meta property="og:image" content="http://[::1/anh.jpg">']
)
def test_malformed_base_or_og_image_url_is_ignored(head):
    # urljoin raises ValueError on an unclosed IPv6 bracket: a careless page must not crash the run.
    html = (f"<html><head>{head}</head><body><article><h1>Hội nghị tổng kết năm</h1>"
            "<div class='entry-content'><p>Nội dung <a href='/tin-tuc/khac/'>bài khác</a>.</p></div>"
            "</article></body></html>")
    url = f"{SITE}/tin-tuc/hoi-nghi/"
    article = parse_article(html, url, VI, now=NOW)
    assert article.title == "Hội nghị tổng kết năm" and article.images == ()
    assert f'href="{SITE}/tin-tuc/khac/"' in article.body_html
    listing = parse_listing(html, f"{SITE}/tin-tuc/", bare("article", "a"))
    assert [i.url for i in listing.items] == [f"{SITE}/tin-tuc/khac/"]


@pytest.mark.parametrize("canonical", ["/", "/tin-tuc/", "https://www.vncpc.test/"])
def test_canonical_naming_the_home_or_listing_page_is_ignored(canonical):
    # A theme that prints one canonical for every page would fold all articles into one.
    html = (f'<html><head><link rel="canonical" href="{canonical}"></head><body><article>'
            "<h1>Hội thảo A</h1><div class='entry-content'><p>Nội dung A.</p></div></article></body></html>")
    url = f"{SITE}/tin-tuc/hoi-thao-a/"
    assert parse_article(html, url, VI, now=NOW).url == url


def test_every_image_the_demo_pages_reference_is_served(site):
    site.add_dir(DEMO)
    pattern = re.compile(r'(?:src|href|content)="(/wp-content/uploads/[^"]+\.(?:jpe?g|png))"')
    paths = sorted({m for page in DEMO.rglob("*.html") for m in pattern.findall(read(page))})
    assert len(paths) >= 6  # <img src>, og:image and full-size links of the demo articles
    for path in paths:
        response = httpx.get(site.url(path))
        assert response.status_code == 200, path
        assert response.content.startswith(b"\xff\xd8\xff"), path  # a real JPEG, not an HTML error page
        assert len(response.content) <= 4096, path  # placeholders stay small

"""Issue 13, items 8 and 9: article bodies a hostile or careless site serves.

- ``<embed>`` (and the other void elements lxml does not know) swallowed the rest of the body.
- Bodies nested 20,000 deep took the sanitiser seconds (square of the depth), at every publish.
- Huge articles made huge feed files: an entry is now cut with a "read more" link and a feed keeps
  the newest entries that fit.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from bot.cli import main
from feeds.models import Source
from feeds.scrape.sanitize import MAX_DEPTH, inner_html
from feeds.scrape import parse_article
from feeds.config import load_sources
from tests.support.site import FixtureSite

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
VI: Source = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}["vncpc-vi"]
NESTING_VOIDS = ["embed", "source", "track", "wbr", "keygen", "bgsound", "command", "menuitem", "image"]
OTHER_VOIDS = ["img", "input", "param", "br", "hr", "area", "col", "meta", "link"]


def _page(body: str) -> str:
    return f'<html><body><h1 class="entry-title">Hội thảo</h1><div class="entry-content">{body}</div></body></html>'


@pytest.mark.parametrize("void", NESTING_VOIDS + OTHER_VOIDS)
def test_a_void_element_does_not_swallow_the_rest_of_the_body(void):
    html = _page(f"<p>A</p><{void} src=x.pdf><p>B</p><p>C</p>")
    article = parse_article(html, "https://vncpc.org/tin-tuc/a/", VI, now=NOW)
    assert article.body_text.split("\n\n")[-2:] == ["B", "C"], void
    assert "<p>B</p><p>C</p>" in article.body_html.replace("\n", "")


def test_recommendations_after_an_embedded_pdf_are_kept():
    html = _page('<p>Hội thảo đã thống nhất các kiến nghị sau:</p><embed src="/bao-cao.pdf" type="application/pdf">'
                 "<ol><li>Tăng cường kiểm toán năng lượng cho doanh nghiệp dệt may.</li>"
                 "<li>Hỗ trợ vốn vay ưu đãi cho các dự án sản xuất sạch hơn.</li></ol>")
    article = parse_article(html, "https://vncpc.org/tin-tuc/a/", VI, now=NOW)
    assert "Hỗ trợ vốn vay ưu đãi" in article.body_text
    assert article.body_html.count("<li>") == 2


def test_deep_nesting_is_flattened_before_the_sanitiser_and_keeps_the_text():
    depth = 20_000
    html = _page("<div>" * depth + "<p>Nội dung sâu</p>" + "</div>" * depth + "<p>Sau cùng</p>")
    article = parse_article(html, "https://vncpc.org/tin-tuc/a/", VI, now=NOW)
    assert article.body_text == "Nội dung sâu\n\nSau cùng"
    assert article.body_html.count("<div>") <= MAX_DEPTH
    soup = BeautifulSoup("<div>" * 500 + "<b>x</b>" + "</div>" * 500, "lxml")
    flat = inner_html(soup.body, max_depth=10)
    assert flat == "<div>" * 10 + "x" + "</div>" * 10  # the deeper elements are gone, their text is not


def _big_article(n: int, paragraphs: int) -> str:
    text = "".join(f"<p>Đoạn {k} của bài {n}: sản xuất sạch hơn, tiết kiệm năng lượng và nước.</p>"
                   for k in range(paragraphs))
    return (f'<html><head><title>Bài {n}</title></head><body><article class="post"><h1 class="entry-title">Bài {n}'
            f'</h1><time class="entry-date" datetime="2026-11-{n + 1:02d}T08:00:00+07:00">x</time>'
            f'<div class="entry-content">{text}</div></article></body></html>')


def test_huge_articles_make_bounded_feeds(site: FixtureSite, tmp_path, monkeypatch, capsys):
    # 12 articles of ~400 KB each (under fetch.max_bytes) made feeds of ~5 MB; with the limits the
    # entries are cut with a link and the feed keeps the newest entries that fit.
    count, paragraphs = 12, 5_000
    for n in range(count):
        site.add(f"/tin-tuc/bai-{n}/", _big_article(n, paragraphs))
    site.add("/tin-tuc/", "<html><body>" + "".join(
        f'<article class="post"><h2 class="entry-title"><a href="/tin-tuc/bai-{n}/">Bài {n}</a></h2></article>'
        for n in range(count)) + "</body></html>")
    sources = tmp_path / "sources.toml"
    text = (REPO / "config" / "sources.toml").read_text(encoding="utf-8")
    sources.write_text(text.replace("https://vncpc.org/tin-tuc/", site.url("/tin-tuc/")), encoding="utf-8")
    settings = tmp_path / "settings.toml"
    settings.write_text("[fetch]\ndelay_seconds = 0\nretries = 0\n"
                        "[feeds]\nmax_entry_bytes = 50000\nmax_feed_bytes = 300000\n", encoding="utf-8")
    for key, value in {"FEEDBOT_SETTINGS": settings, "FEEDBOT_SOURCES": sources, "FEEDBOT_DATA_DIR": tmp_path / "d"}.items():
        monkeypatch.setenv(key, str(value))
    main(["scrape", "--source", "vncpc-vi"])
    assert "vncpc-vi" in capsys.readouterr().out
    feed = tmp_path / "d" / "public" / "feeds" / "vncpc-vi.atom"
    assert feed.stat().st_size <= 300_000
    parsed = feedparser.parse(feed.read_bytes())
    assert parsed.bozo == 0 and 1 <= len(parsed.entries) < count
    assert parsed.entries[0].title == f"Bài {count - 1}"  # the newest kept
    content = parsed.entries[0].content[0].value
    assert len(content.encode()) < 60_000 and "đọc tiếp" in content
    assert re.search(rf'href="{re.escape(site.url(f"/tin-tuc/bai-{count - 1}/"))}"', content)
    assert main(["articles", "--json", "--limit", "1"]) == 0  # the store keeps the whole text
    assert f"Đoạn {paragraphs - 1} của bài" in capsys.readouterr().out

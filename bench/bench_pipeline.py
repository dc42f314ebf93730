"""Benchmark: scrape + parse + extract + store over loopback HTTP vs BeautifulSoup parsing alone.

    .venv/bin/python bench/bench_pipeline.py [--articles 200]

Serves a generated VNCPC-like site (listing pages + article pages, ~6 KB each) on 127.0.0.1 with
no politeness delay, runs the real pipeline into a fresh SQLite file, and in the same run times
`BeautifulSoup(page, "lxml")` over the very same pages. Prints pages/s for both, the ratio, and
the requests a second run makes when nothing changed (target: 1 per source, answered 304).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds.fetch import Fetcher  # noqa: E402
from feeds.models import ArticleSelectors, FetchSettings, ListingSelectors, Source  # noqa: E402
from feeds.pipeline import refresh_source  # noqa: E402
from feeds.store import Store, database_url  # noqa: E402
from tests.support.site import FixtureSite  # noqa: E402

PARA = (
    "Trong 2 ngày {d} và {d2} tháng {m} vừa qua, Hội thảo về sản xuất sạch hơn lần thứ {i} đã được tổ chức "
    "tại Khách sạn Mường Thanh, TP Vinh, Nghệ An. Sở Công Thương phối hợp với Trung tâm Sản xuất sạch Việt Nam "
    "đã tổ chức hội thảo nhằm chia sẻ kinh nghiệm áp dụng các giải pháp tiết kiệm năng lượng. Hơn 120 đại biểu "
    "đến từ các doanh nghiệp, sở ngành và trường đại học đã tham dự."
)


def wordpress_chrome() -> tuple[str, str]:
    """Header/menu and sidebar/footer like a real WordPress theme (~50 KB): what real pages carry."""
    menu = "".join(
        f'<li class="menu-item menu-item-type-taxonomy menu-item-{k}"><a href="/chuyen-muc/muc-{k}/">'
        f"Chuyên mục sản xuất sạch hơn số {k}</a></li>"
        for k in range(140)
    )
    recent = "".join(
        f'<li><a href="/tin-tuc/bai-cu-{k}/">Tin cũ về tiết kiệm năng lượng và hiệu quả tài nguyên {k}</a>'
        f'<span class="post-date">0{1 + k % 9}/05/2019</span></li>'
        for k in range(60)
    )
    header = (f'<header id="masthead" class="site-header"><div class="site-branding">VNCPC</div>'
              f'<nav class="main-navigation"><ul id="primary-menu" class="menu">{menu}</ul></nav></header>')
    footer = (f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
              f"<ul>{recent}</ul></section></aside>"
              f'<footer id="colophon"><p>Trung tâm Sản xuất sạch Việt Nam</p>{menu}</footer>')
    return header, footer


CHROME = ("", "")


def article_page(i: int) -> str:
    d = 1 + i % 27
    body = "".join(f"<p>{PARA.format(d=d, d2=d + 1, m=1 + i % 12, i=i)}</p>" for _ in range(5))
    recs = "".join(f"<p>{n}. Các doanh nghiệp cần đầu tư thiết bị hiệu suất cao, mục {n}.</p>" for n in (1, 2, 3))
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Bài {i}</title>'
        f'<link rel="canonical" href="/tin-tuc/bai-{i}/"><script>var x = {i};</script></head><body>'
        f'{CHROME[0]}<article class="post type-post">'
        f'<h1 class="entry-title">Hội thảo sản xuất sạch hơn lần thứ {i}</h1>'
        f'<div class="date">08:20 | {d:02d}/{1 + i % 12:02d}/2019</div><div class="entry-content">{body}'
        f"<p>Hội thảo đã thống nhất một số kiến nghị:</p>{recs}<div class='share'>Chia sẻ</div></div>"
        f"</article>{CHROME[1]}</body></html>"
    )


def listing_page(ids: list[int], next_url: str | None) -> str:
    items = "".join(
        f'<article class="post"><h2 class="entry-title"><a href="/tin-tuc/bai-{i}/">Bài {i}</a></h2>'
        f'<span class="date">{1 + i % 27:02d}/05/2019</span></article>'
        for i in ids
    )
    nxt = f'<a class="next" href="{next_url}">Sau</a>' if next_url else ""
    return (f'<!doctype html><html><head><meta charset="utf-8"></head><body>{CHROME[0]}{items}{nxt}'
            f"{CHROME[1]}</body></html>")


def build_site(site: FixtureSite, n: int, per_page: int) -> list[bytes]:
    pages: list[bytes] = []
    ids = list(range(n, 0, -1))
    chunks = [ids[k : k + per_page] for k in range(0, n, per_page)]
    for p, chunk in enumerate(chunks):
        path = "/tin-tuc/" if p == 0 else f"/tin-tuc/page/{p + 1}/"
        nxt = f"/tin-tuc/page/{p + 2}/" if p + 1 < len(chunks) else None
        body = listing_page(chunk, nxt).encode()
        site.add(path, body)
        pages.append(body)
    for i in ids:
        body = article_page(i).encode()
        site.add(f"/tin-tuc/bai-{i}/", body)
        pages.append(body)
    site.add("/robots.txt", b"User-agent: *\nDisallow: /wp-admin/\n", content_type="text/plain")
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--per-page", type=int, default=20)
    ap.add_argument("--bare", action="store_true", help="6 KB pages without a theme's menus and sidebar")
    args = ap.parse_args()
    global CHROME
    CHROME = ("", "") if args.bare else wordpress_chrome()
    with FixtureSite() as site, tempfile.TemporaryDirectory() as tmp:
        pages = build_site(site, args.articles, args.per_page)
        source = Source(
            id="bench", name="Bench", url=site.url("/tin-tuc/"),
            max_pages=args.articles // args.per_page + 1,
            listing=ListingSelectors(item="article.post", link="h2 a", date=".date", next_page="a.next"),
            article=ArticleSelectors(title="h1.entry-title", date=".date", body=".entry-content",
                                     remove=(".share",)),
        )
        store = Store.open(database_url(Path(tmp)))
        settings = FetchSettings(delay_seconds=0, timeout_seconds=10)
        with Fetcher(settings) as fetcher:
            t0 = time.perf_counter()
            result = refresh_source(source, store=store, fetcher=fetcher)
            pipeline_s = time.perf_counter() - t0
            assert result.ok and len(result.new) == args.articles, result
            parse_runs = []
            for _ in range(3):
                t1 = time.perf_counter()
                for body in pages:
                    BeautifulSoup(body, "lxml")
                parse_runs.append(time.perf_counter() - t1)
            parse_s = statistics.median(parse_runs)
            site.reset_log()
            again = refresh_source(dataclasses.replace(source), store=store, fetcher=fetcher,
                                   now=dt.datetime.now(source.tz))
            hits = [h for h in site.requests() if h.path != "/robots.txt"]
        store.close()
    n = len(pages)
    size = sum(map(len, pages)) / n / 1024
    print(f"pages (listing + articles):          {n}, {size:.0f} KB on average "
          f"({'bare' if args.bare else 'with a WordPress theme'})")
    print(f"pipeline fetch+parse+extract+store:  {pipeline_s:.2f} s = {n / pipeline_s:.0f} pages/s")
    print(f"BeautifulSoup(lxml) parse alone:     {parse_s:.2f} s = {n / parse_s:.0f} pages/s")
    print(f"pipeline / parse ratio:              {pipeline_s / parse_s:.2f}x "
          f"(pipeline adds {100 * (pipeline_s / parse_s - 1):.0f}% over the parse)")
    print(f"re-run with nothing changed:         {len(hits)} request(s), statuses {[h.status for h in hits]}, "
          f"article fetches {again.article_fetches}")


if __name__ == "__main__":
    main()

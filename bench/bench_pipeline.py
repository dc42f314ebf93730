"""Benchmark: scrape + parse + extract + store over loopback HTTP vs BeautifulSoup parsing alone.

    .venv/bin/python bench/bench_pipeline.py [--articles 200]

Serves a generated VNCPC-like site (listing pages + article pages with a WordPress theme's menus
and sidebar, ~50 KB each; ``--bare`` for 3 KB pages) on 127.0.0.1 from another process, with no
politeness delay, runs the real pipeline into a fresh SQLite file, and in the same run times
`BeautifulSoup(page, "lxml")` over the very same pages. Prints pages/s for both, the ratio, and
the requests a second run makes when nothing changed (target: 1 per source, answered 304).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds import scrape, text  # noqa: E402
from feeds.fetch import Fetcher  # noqa: E402
from feeds.models import ArticleSelectors, FetchSettings, ListingSelectors, RefreshResult, Source  # noqa: E402
from feeds.pipeline import refresh_source, with_extraction  # noqa: E402
from feeds.store import Store, database_url  # noqa: E402

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


def build_site(root: Path, n: int, per_page: int) -> list[bytes]:
    """Write the site's pages under ``root`` (``index.html`` per folder); return their bodies."""
    pages: list[bytes] = []
    ids = list(range(n, 0, -1))
    chunks = [ids[k : k + per_page] for k in range(0, n, per_page)]

    def put(path: str, body: bytes) -> None:
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        pages.append(body)

    for p, chunk in enumerate(chunks):
        nxt = f"/tin-tuc/page/{p + 2}/" if p + 1 < len(chunks) else None
        put("/tin-tuc/" if p == 0 else f"/tin-tuc/page/{p + 1}/", listing_page(chunk, nxt).encode())
    for i in ids:
        put(f"/tin-tuc/bai-{i}/", article_page(i).encode())
    (root / "robots.txt").write_bytes(b"User-agent: *\nDisallow: /wp-admin/\n")
    return pages


SERVER = """
import sys, time
from collections.abc import Iterator
from pathlib import Path
from tests.support.site import FixtureSite
site = FixtureSite()
site.add_dir(Path(sys.argv[1]))
site.start()
print(site.port, flush=True)
time.sleep(3600)
"""


@contextlib.contextmanager
def site_process(root: Path) -> Iterator[str]:
    """The fixture site in its own process, as a real site is: it must not share our GIL."""
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(root)], cwd=repo, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--per-page", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3, help="runs of each (medians are printed)")
    ap.add_argument("--bare", action="store_true", help="6 KB pages without a theme's menus and sidebar")
    args = ap.parse_args()
    global CHROME
    CHROME = ("", "") if args.bare else wordpress_chrome()
    with tempfile.TemporaryDirectory() as tmp:
        pages = build_site(Path(tmp) / "site", args.articles, args.per_page)
        with site_process(Path(tmp) / "site") as base:
            measured = measure(args, base, pages, Path(tmp))
    report(args, pages, *measured)


def scrape_in_memory(pages: list[bytes], source: Source) -> float:
    """Seconds to decode, scrape and extract every page with no HTTP and no database."""
    now = dt.datetime.now(source.tz)
    t0 = time.perf_counter()
    for body in pages:
        html = text.decode_html(body, "text/html; charset=utf-8")
        if b'class="entry-content"' in body:
            with_extraction(scrape.parse_article(html, source.url, source, now=now))
        else:
            scrape.parse_listing(html, source.url, source.listing)
    return time.perf_counter() - t0


def measure(args: argparse.Namespace, base: str, pages: list[bytes], tmp: Path) -> tuple[float, float, float, RefreshResult]:
    """Median seconds of the whole pipeline, of parsing alone and of scraping in memory, and a re-run's result."""
    source = Source(
        id="bench", name="Bench", url=base + "/tin-tuc/",
        max_pages=args.articles // args.per_page + 1,
        listing=ListingSelectors(item="article.post", link="h2 a", date=".date", next_page="a.next"),
        article=ArticleSelectors(title="h1.entry-title", date=".date", body=".entry-content",
                                 remove=(".share",)),
    )
    settings = FetchSettings(delay_seconds=0, timeout_seconds=10, allow_private=("127.0.0.1",))
    pipeline_runs, parse_runs, memory_runs = [], [], []
    for run in range(args.runs):  # alternate the two, each pipeline run on a fresh database
        store = Store.open(database_url(tmp / f"run{run}"))
        with Fetcher(settings) as fetcher:
            t0 = time.perf_counter()
            result = refresh_source(source, store=store, fetcher=fetcher)
            pipeline_runs.append(time.perf_counter() - t0)
            assert result.ok and len(result.new) == args.articles, result
            t1 = time.perf_counter()
            for body in pages:
                BeautifulSoup(body, "lxml")
            parse_runs.append(time.perf_counter() - t1)
            memory_runs.append(scrape_in_memory(pages, source))
            again = refresh_source(dataclasses.replace(source), store=store, fetcher=fetcher,
                                   now=dt.datetime.now(source.tz))
        store.close()
    medians = [statistics.median(r) for r in (pipeline_runs, parse_runs, memory_runs)]
    return medians[0], medians[1], medians[2], again


def report(args: argparse.Namespace, pages: list[bytes], pipeline_s: float, parse_s: float, memory_s: float,
           again: RefreshResult) -> None:
    n = len(pages)
    size = sum(map(len, pages)) / n / 1024
    print(f"pages (listing + articles):          {n}, {size:.0f} KB on average "
          f"({'bare' if args.bare else 'with a WordPress theme'})")
    print(f"pipeline fetch+parse+extract+store:  {pipeline_s:.2f} s = {n / pipeline_s:.0f} pages/s")
    print(f"BeautifulSoup(lxml) parse alone:     {parse_s:.2f} s = {n / parse_s:.0f} pages/s")
    print(f"pipeline / parse ratio:              {pipeline_s / parse_s:.2f}x "
          f"(pipeline adds {100 * (pipeline_s / parse_s - 1):.0f}% over the parse)")
    print(f"in memory (decode+scrape+extract):   {memory_s:.2f} s = {memory_s / parse_s:.2f}x the parse "
          f"(the rest of the pipeline's time is HTTP and the database)")
    print(f"re-run with nothing changed:         {again.requests} request(s), {again.not_modified} answered 304, "
          f"article fetches {again.article_fetches}")


if __name__ == "__main__":
    main()

"""Benchmark: scraping a listing page as it grows, with the shipped WordPress selectors.

    .venv/bin/python bench/bench_listing.py [--repeat 3]

Builds WordPress listing pages of 500, 1,000, 2,000, 4,000 and 8,000 items (``<article
class="post type-post">`` with an ``h2.entry-title`` link, a ``<time class="entry-date">``, an
excerpt and the usual theme chrome), then times (least CPU time of --repeat runs), in the same
run, `feeds.scrape.parse_listing` with the selectors of config/sources.toml (source vncpc-vi) and
a bare `BeautifulSoup(html, "lxml")` parse of the same page. Prints the times, the ratio per
doubling (linear: about 2) and the ratio to the bare parse (target at 8,000 items: at most 1.5).
Last, a hostile page of 80,000 links just under fetch.max_bytes (5 MB), scraped once: its time
and its ratio to the bare parse.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feeds.config import load_sources  # noqa: E402
from feeds.models import FetchSettings  # noqa: E402
from feeds.scrape import parse_listing  # noqa: E402
from tests.support.listing_pages import listing  # noqa: E402

BASE = "https://vncpc.org/tin-tuc/"
SIZES = (500, 1000, 2000, 4000, 8000)


def hostile(max_bytes: int) -> str:
    """80,000 listing items, each one bare link: as many as fit under the size cap."""
    items = "".join(f"<article><h3><a href=/p/{i}>{i}</a></h3></article>" for i in range(80_000))
    page = f"<html><body>{items}</body></html>"
    assert len(page.encode()) <= max_bytes, len(page.encode())
    return page


def cpu_time(fn, repeat: int) -> float:
    """The least CPU time of ``repeat`` runs: CPU time, not wall time, so that other processes on a
    shared machine disturb the figures less; the least, as load only ever adds."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = {s.id: s for s in load_sources(ROOT / "config" / "sources.toml")}["vncpc-vi"]
    print(f"listing scrape with the shipped selectors (vncpc-vi), least CPU seconds of {args.repeat} runs")
    print(f"{'items':>6} {'KB':>6} {'scrape s':>9} {'x/doubling':>10} {'bare parse s':>12} {'vs bare':>8}")
    previous = None
    for n in SIZES:
        html = listing(n)
        scrape = cpu_time(lambda: parse_listing(html, BASE, source.listing), args.repeat)
        bare = cpu_time(lambda: BeautifulSoup(html, "lxml"), args.repeat)
        found = len(parse_listing(html, BASE, source.listing).items)
        assert found == n, (found, n)
        growth = f"{scrape / previous:.2f}" if previous else "-"
        print(f"{n:>6} {len(html.encode()) // 1024:>6} {scrape:>9.3f} {growth:>10} {bare:>12.3f} {scrape / bare:>8.2f}")
        previous = scrape
    page = hostile(FetchSettings().max_bytes)
    started = time.process_time()
    items = len(parse_listing(page, BASE, source.listing).items)
    scrape = time.process_time() - started
    bare = cpu_time(lambda: BeautifulSoup(page, "lxml"), 1)
    print(f"hostile page: {items:,} links in {len(page.encode()) / 1e6:.1f} MB scraped in {scrape:.2f} s "
          f"(bare parse {bare:.2f} s, {scrape / bare:.2f}x)")


if __name__ == "__main__":
    main()

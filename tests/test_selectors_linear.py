"""Issue 13, item 3: the listing scrape became linear; its results must not change.

The goldens in tests/golden/listing/ were written by the previous (quadratic) index: the same
pages must give the same items, titles, dates and next page. The index's answers are also checked
against soupsieve's for scoped and unscoped selectors. Speed is measured in bench/bench_listing.py,
never here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from feeds.models import ListingSelectors
from feeds.scrape import parse_listing
from feeds.scrape.selectors import Index
from feeds.config import load_sources
from tests.support.listing_pages import BASE, listing, mixed

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "listing" / "pages.json"


def _cases() -> dict[str, tuple[str, ListingSelectors]]:
    shipped = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}["vncpc-vi"].listing
    return {
        "shipped": (listing(120), shipped),
        "nested-chain": (mixed(120), ListingSelectors(
            item="section.news li.row", link="div span.t a, a", title=".wrap span.t", date="em[data-x=v1], em.d",
            next_page="div.wrap > a.more, a.more")),
        "star-and-attr": (mixed(120), ListingSelectors(
            item="ul.list *.box", link="a[href]", title="span", date="[data-x~=v0]", next_page="a.next, a.more")),
        "shipped-on-mixed": (mixed(120), shipped),
    }


def test_listings_match_the_goldens_written_by_the_old_index():
    got = {}
    for name, (html, selectors) in _cases().items():
        found = parse_listing(html, BASE, selectors)
        got[name] = {"items": [[i.url, i.title, i.date_text] for i in found.items], "next_page": found.next_page}
    if os.environ.get("FEEDBOT_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1), encoding="utf-8")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


SELECTORS = [
    "a", "article", ".post", "h2 a", ".entry-title a", "article a", "main article h2 a", "li.row a.lnk",
    "section.news li.row span a", "*", "ul.list *.box", "[data-x]", "em[data-x=v1]", "[data-x~=v0]",
    "a[href]", "time.entry-date", ".wrap span.t", "div span.t a", "body main", "html body", "nav a",
    "header h2", "span", "div div", "li li", "a[rel=bookmark]",
]


@pytest.mark.parametrize("selector", SELECTORS)
def test_index_answers_as_soupsieve_does(selector):
    soup = BeautifulSoup(mixed(25), "lxml")
    index = Index(soup)
    assert index.select(selector) == soup.select(selector)
    scopes = index.select("li.row")[:5] + index.select("article")[:5] + index.select("main") + index.select("ul")
    for scope in scopes:
        expected = scope.select(selector)
        assert index.select(selector, scope) == expected, (selector, scope.name)
        assert index.first(selector, scope) is (expected[0] if expected else None)

"""``feedbot check-source``: a dry run that shows what every selector of a source matches.

It fetches the listing and the first article with the real fetcher, prints each selector's
matches (and which fallback was used), then the article exactly as it would be stored.
Nothing is written anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from bs4 import BeautifulSoup

from bot.cli.jsonout import jsonable
from feeds import dating, scrape, text
from feeds.errors import FetchError, ScrapeError
from feeds.fetch import Fetcher
from feeds.models import DateSource, ListingItem, Source
from feeds.pipeline import with_extraction


def check_source(source: Source, fetcher: Fetcher, *, out: TextIO) -> bool:
    """Print the dry run; True when the listing and the first article both scrape cleanly."""
    out.write(f"source {source.id}: {source.url}\n")
    try:
        page = fetcher.fetch(source.url, allowed_hosts=source.allowed_hosts)
    except FetchError as exc:
        out.write(f"  listing: FAILED: {exc}\n")
        return False
    html = text.decode_html(page.content, page.content_type)
    out.write(f"\nlisting {page.final_url} (HTTP {page.status}, {len(page.content)} bytes)\n")
    hosts = source.allowed_hosts
    _print_matches(out, scrape.explain_listing(html, page.final_url, source.listing, allowed_hosts=hosts))
    listing = scrape.parse_listing(html, page.final_url, source.listing, allowed_hosts=hosts)
    count = len(listing.items)
    out.write(f"  -> {count} article{'' if count == 1 else 's'}, next page: {listing.next_page or '-'}\n")
    for item in listing.items[:10]:
        out.write(f"     {item.date_text or '':<22} {item.title or ''}\n{'':>29}{item.url}\n")
    if not listing.items:
        out.write(f"  BROKEN: listing selector '{source.listing.item}' matched nothing\n")
        out.write(f"  fix: set [sources.listing] item for source '{source.id}' to an element around each news item")
        candidates = link_containers(html)
        out.write(f"; elements on this page that hold links: {', '.join(candidates)}\n" if candidates else "\n")
        return False
    return _check_article(source, fetcher, listing.items[0], out)


def _check_article(source: Source, fetcher: Fetcher, item: ListingItem, out: TextIO) -> bool:
    url = item.url
    try:
        page = fetcher.fetch(url, allowed_hosts=source.allowed_hosts, site=source.url)
    except FetchError as exc:
        out.write(f"\nfirst article: FAILED: {exc}\n")
        return False
    html = text.decode_html(page.content, page.content_type)
    out.write(f"\nfirst article {page.final_url} (HTTP {page.status})\n")
    _print_matches(out, scrape.explain_article(html, page.final_url, source))
    now = dt.datetime.now(source.tz)
    try:
        article = scrape.parse_article(html, page.final_url, source, now=now)
    except ScrapeError as exc:
        out.write(f"  BROKEN: {exc}\n")
        return False
    undated = article.date_is_guess
    article = dating.dated(article, listed=item.date_text, tz=source.tz, now=now)  # as the pipeline does
    if undated:
        where = {DateSource.LISTING: "the listing's date", DateSource.URL: "the date in its URL"}.get(article.published_from)
        out.write(f"  note: no publication date found on the page; the article would be dated by "
                  f"{where or 'when it is first seen (a guess)'}. Set [sources.article] date for source "
                  f"'{source.id}' to the element holding the date\n")
    article = with_extraction(article)
    shown = jsonable(article)  # the same shape as `feedbot articles --json`
    body = shown.pop("body_text")
    shown.pop("body_html")
    out.write("\nwould store:\n" + json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
    out.write(f"body text ({len(body)} characters):\n  " + body[:600].replace("\n", "\n  ") + "\n")
    return True


def link_containers(html: str, limit: int = 6) -> list[str]:
    """The most repeated ``tag.class`` elements that hold a link: candidates for ``listing.item``."""
    counts: Counter[str] = Counter()
    for element in BeautifulSoup(html, "lxml").find_all(class_=True):
        if element.name != "a" and element.find("a", href=True) is not None:
            counts.update({f"{element.name}.{cls}" for cls in element["class"]})
    return [f"{sel} ({n}x)" for sel, n in counts.most_common(limit) if n >= 2]


def _print_matches(out: TextIO, matches: Sequence[scrape.SelectorMatch]) -> None:
    for m in matches:
        via = f" (fallback: {m.fallback})" if m.fallback else ""
        out.write(f"  {m.key:<10} {m.selector or '-':<40} {m.count:>3} match(es){via}\n")
        for sample in m.samples[:3]:
            out.write(f"  {'':<10} | {sample[:100]}\n")

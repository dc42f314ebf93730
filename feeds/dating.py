"""When an article was published, and how far that is known.

In order: the article page's own stamp; else the date the listing printed next to its link; else
the date its URL is filed under ("/2018/05/slug": 1 May 2018, "/2019/08/23/": that day); and only
then when the scraper first saw the page, which is a guess (``Article.date_is_guess``): a backlog
page seen for the first time today was not published today. A page stamp that says today while
the listing or the URL files the article more than a month earlier is the site printing the
current date (a header banner), not the article's: the older date wins. Pure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from feeds.dates import date_in_url, parse_datetime
from feeds.models import Article, DateSource

STALE_DAYS = 31  # a stamp of today with a listing/URL date older than this is the site's banner


def dated(article: Article, *, listed: str | None, tz: dt.tzinfo, now: dt.datetime) -> Article:
    """``article`` (as scraped: its page's stamp, or ``now`` as a guess) with the best date known.

    ``listed`` is the date text the listing page showed next to the link, if any.
    """
    listing = parse_datetime(listed, tz) if listed else None
    better = (listing, DateSource.LISTING) if listing else (url_day(article.url, tz), DateSource.URL)
    if better[0] is None:
        return article
    if article.date_is_guess:
        return _redated(article, *better)
    banner = article.published.astimezone(tz).date() == now.astimezone(tz).date()
    if banner and (now.astimezone(tz).date() - better[0].date()).days > STALE_DAYS:
        return _redated(article, *better)
    return article


def redated_from_url(article: Article, tz: dt.tzinfo) -> Article:
    """A stored article dated by a guess, dated by its URL when that files it under a day or month."""
    if not article.date_is_guess:
        return article
    day = url_day(article.url, tz)
    return article if day is None else _redated(article, day, DateSource.URL)


def url_day(url: str, tz: dt.tzinfo) -> dt.datetime | None:
    """Midnight of the day a URL is filed under (the 1st when it names only a month), or None."""
    found = date_in_url(url)
    if found is None or found[1] is None:
        return None  # a year alone ("/2018/page/3") dates no day
    year, month, day = found
    try:
        return dt.datetime(year, month, day or 1, tzinfo=tz)
    except ValueError:  # "/2019/02/30/"
        return None


def _redated(article: Article, published: dt.datetime, source: DateSource) -> Article:
    return dataclasses.replace(article, published=published, date_is_guess=False, published_from=source)

"""When an article was published: its stamp, the listing's date, its URL, or a guess (feeds.dating)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from feeds.dating import dated, redated_from_url, url_day
from feeds.models import DateSource
from tests.support.factories import make_article

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN)


def _undated(url: str):
    return dataclasses.replace(make_article(1, url=url), published=NOW, date_is_guess=True)


def test_a_guess_says_so_both_ways():
    article = _undated("https://vncpc.org/tin-tuc/a/")
    assert article.published_from is DateSource.FIRST_SEEN
    assert dataclasses.replace(make_article(1), published_from=DateSource.FIRST_SEEN).date_is_guess


def test_the_listing_date_then_the_url_then_first_seen():
    listed = dated(_undated("https://vncpc.org/2018/05/a/"), listed="15/03/2019", tz=VN, now=NOW)
    assert (listed.published, listed.published_from, listed.date_is_guess) == (
        dt.datetime(2019, 3, 15, tzinfo=VN), DateSource.LISTING, False)
    by_url = dated(_undated("https://vncpc.org/2018/05/a/"), listed=None, tz=VN, now=NOW)
    assert (by_url.published, by_url.published_from) == (dt.datetime(2018, 5, 1, tzinfo=VN), DateSource.URL)
    guess = dated(_undated("https://vncpc.org/2018/page/3"), listed="không có ngày", tz=VN, now=NOW)
    assert (guess.published, guess.published_from) == (NOW, DateSource.FIRST_SEEN)


def test_a_page_stamp_wins_unless_it_is_todays_banner_over_an_old_page():
    stamped = dataclasses.replace(make_article(1, url="https://vncpc.org/2018/05/a/"), published=dt.datetime(2018, 5, 3, tzinfo=VN))
    assert dated(stamped, listed="01/01/2017", tz=VN, now=NOW) == stamped
    banner = dataclasses.replace(stamped, published=NOW.replace(hour=7))
    fixed = dated(banner, listed=None, tz=VN, now=NOW)
    assert (fixed.published, fixed.published_from) == (dt.datetime(2018, 5, 1, tzinfo=VN), DateSource.URL)
    recent = dataclasses.replace(banner, url="https://vncpc.org/2026/11/a/")  # filed under this month: today may be right
    assert dated(recent, listed=None, tz=VN, now=NOW) == recent


def test_url_days_and_redating_stored_guesses():
    assert url_day("https://x.vn/2019/08/23/376/", VN) == dt.datetime(2019, 8, 23, tzinfo=VN)
    assert url_day("https://x.vn/2018/page/3", VN) is None
    assert url_day("https://x.vn/2019/02/30/a", VN) is None
    stored = _undated("https://vncpc.org/2018/05/a/")
    assert redated_from_url(stored, VN).published_from is DateSource.URL
    page = make_article(1, url="https://vncpc.org/2018/05/a/")
    assert redated_from_url(page, VN) == page

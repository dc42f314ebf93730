"""The pages a person opens, in a real headless Chromium at a desktop and a phone width.

The feed server is the real one (bot/service/web.py) over a real SQLite store and the feeds
``publish_all`` wrote from it, with articles that have events (some still to come) and
recommendations, in Vietnamese and English. Checks are on what a person sees: elements displayed
inside the viewport, the visitor's language, no sideways scrolling on a phone. Screenshots go to a
temporary folder; ``FEEDBOT_REGEN_SCREENSHOTS=1`` writes them to docs/screenshots/ (README).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from pathlib import Path

import feedparser
import httpx
import pytest

from bot.service.pages import page_data
from bot.service.service import feed_links
from bot.service.web import WebConfig, create_app, start_server
from feeds.models import Event, EventKind, Language, ListingSelectors, Recommendation, Source
from feeds.publish import publish_all
from feeds.store import Store, database_url
from tests.support.browser import DESKTOP, PHONE, png_size
from tests.support.factories import make_article
from tests.test_e2e import free_port, service  # noqa: F401  (service: a fixture)

REPO = Path(__file__).resolve().parents[1]
LATEST_ON_DEMO = 8  # the demo site's Vietnamese articles (the index shows the visitor's language first)
WIDTHS = pytest.mark.parametrize("width", [DESKTOP[0], PHONE[0]], ids=["desktop", "phone"])
SOURCES = [
    Source(id="vncpc-vi", name="VNCPC – Tin tức", url="https://vncpc.org/tin-tuc/", listing=ListingSelectors(item=".post")),
    Source(id="vncpc-en", name="VNCPC – News", url="https://vncpc.org/en/news/", listing=ListingSelectors(item=".post"),
           language=Language.EN),
]


def stored_articles(today: dt.date) -> dict[str, list]:
    soon = Event(name="hội thảo sản xuất sạch hơn ngành dệt may", kind=EventKind.CONFERENCE,
                 start=today + dt.timedelta(days=12), end=today + dt.timedelta(days=13),
                 location="Khách sạn Mường Thanh", province="Thanh Hóa", organizers=("VNCPC",))
    later = Event(name="khóa tập huấn kiểm toán năng lượng", kind=EventKind.TRAINING,
                  start=today + dt.timedelta(days=40), province="Đà Nẵng")
    past = Event(name="diễn đàn tăng trưởng xanh", kind=EventKind.FORUM, start=today - dt.timedelta(days=30))
    workshop = Event(name="workshop on resource efficiency in textiles", kind=EventKind.WORKSHOP,
                     start=today + dt.timedelta(days=20), location="Rex Hotel", province="Hồ Chí Minh")
    recs = (Recommendation(1, "Tái sử dụng nước làm mát trong dây chuyền nhuộm", ("Lắp đồng hồ đo nước",)),
            Recommendation(2, "Thay động cơ cũ bằng động cơ hiệu suất cao"),
            Recommendation(3, "Thu hồi nhiệt thải từ lò hơi"), Recommendation(4, "Đào tạo công nhân vận hành"))
    vi = [
        make_article(1, events=(soon,), summary="VNCPC tổ chức hội thảo về sản xuất sạch hơn cho doanh nghiệp dệt may."),
        make_article(2, recommendations=recs, summary="Kết quả đánh giá sản xuất sạch hơn tại 15 nhà máy."),
        make_article(3, events=(later,), summary="Khóa tập huấn dành cho cán bộ năng lượng các doanh nghiệp."),
        make_article(4, events=(past,)),
    ]
    en = [make_article(10, source_id="vncpc-en", language=Language.EN, url="https://vncpc.org/en/news/textiles/",
                       title="Resource efficiency workshop for textile factories", events=(workshop,),
                       summary="A workshop for textile factories in Ho Chi Minh City.", author=None)]
    return {"vncpc-vi": vi, "vncpc-en": en}


@pytest.fixture(scope="module")
def site_server(tmp_path_factory):
    """The real feed server in a thread of its own (the browser is synchronous): its base URL."""
    tmp = tmp_path_factory.mktemp("pages")
    today = dt.date.today()
    store = Store.open(database_url(tmp / "data"))
    for source_id, batch in stored_articles(today).items():
        store.upsert_articles(source_id, batch, now=dt.datetime.now(dt.UTC))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    publish_all(store, SOURCES, tmp / "public", base_url=base, max_entries=50)

    async def data():
        return await asyncio.to_thread(page_data, store, today)

    async def health():
        return 200, {"status": "ok"}

    config = WebConfig(tmp / "public", base, feed_links(SOURCES), bot_username="vncpc_feed_bot", page_data=data,
                       source_names={s.id: s.name for s in SOURCES})
    loop = asyncio.new_event_loop()
    runner = loop.run_until_complete(start_server(create_app(config, health), "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.run_until_complete(runner.cleanup())
        loop.close()
        store.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("FEEDBOT_REGEN_SCREENSHOTS"):
        return REPO / "docs" / "screenshots"
    return tmp_path_factory.mktemp("screenshots")


def looks_right(browser, width: int) -> None:
    """What every page must give a person at this width."""
    assert browser.viewport_width() == width
    assert not browser.scrolls_sideways(), "the page scrolls sideways"
    assert browser.visible("h1") and browser.visible("#lang-switch")


@WIDTHS
def test_the_index_shows_the_latest_articles_their_facts_and_the_upcoming_events(browser, site_server, shots, width):
    browser.open(f"{site_server}/", width, language="vi-VN,vi;q=0.9,en;q=0.5")
    looks_right(browser, width)
    assert browser.text("h2#latest") == "Tin mới nhất" and browser.text("h1") == "Bản tin VNCPC"
    articles = browser.find_all("#latest ~ .article")
    assert len(articles) == 4 and all(a.is_displayed() for a in articles)
    assert browser.visible(".article h3 a") and browser.visible(".article .fact")
    facts = browser.text("body")
    assert "Sự kiện: Hội thảo sản xuất sạch hơn ngành dệt may" in facts and "Thanh Hóa" in facts
    assert "Kiến nghị:" in facts and "Tái sử dụng nước làm mát" in facts and "và 1 kiến nghị khác" in facts
    upcoming = [li.text for li in browser.find_all("ul.events li")]
    assert len(upcoming) == 3 and "Hội thảo sản xuất sạch hơn ngành dệt may" in upcoming[0]
    assert not any("Diễn đàn tăng trưởng xanh" in row for row in upcoming)  # over: not upcoming
    assert browser.visible("ul.events li") and browser.visible('ul.feeds a[href$="/feeds/all.atom"]')
    shot = browser.screenshot(shots / f"index-{width}.png")
    assert png_size(shot)[0] == width


def test_the_index_speaks_the_visitors_language_and_the_switch_changes_it(browser, site_server):
    browser.open(f"{site_server}/", DESKTOP[0], language="en-GB,en;q=0.9")
    assert browser.text("h2#latest") == "Latest articles" and browser.js("return document.documentElement.lang") == "en"
    titles = [a.text for a in browser.find_all(".article h3 a")]
    assert titles == ["Resource efficiency workshop for textile factories"]  # English articles first, when any
    assert "Upcoming events" in browser.text("body") and "Event: Hội thảo" not in browser.text("body")
    browser.find_all("#lang-switch")[0].click()
    browser.driver.implicitly_wait(0)
    assert browser.text("h2#latest") == "Tin mới nhất" and "lang=vi" in browser.driver.current_url


@WIDTHS
def test_a_feed_opened_in_a_browser_is_a_readable_page_that_says_how_to_subscribe(browser, site_server, shots,
                                                                                   width):
    browser.open(f"{site_server}/feeds/all.atom", width, language="en")
    looks_right_without_nav = (browser.viewport_width() == width and not browser.scrolls_sideways())
    assert looks_right_without_nav, "the feed page scrolls sideways"
    assert browser.visible("#subscribe-hint") and "Subscribe in your feed reader" in browser.text("#subscribe-hint")
    assert browser.text("#feed-address") == f"{site_server}/feeds/all.atom"
    entries = browser.find_all(".entry h2 a")
    assert len(entries) == 5 and entries[0].is_displayed() and entries[0].get_attribute("href").startswith("https://")
    browser.screenshot(shots / f"feed-{width}.png")


def test_feed_readers_still_get_the_feed_with_its_stylesheet_link(site_server):
    reader = httpx.get(f"{site_server}/feeds/all.atom", headers={"Accept": "application/atom+xml, */*;q=0.1"})
    assert reader.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>' in reader.content
    assert feedparser.parse(reader.content).bozo == 0 and len(feedparser.parse(reader.content).entries) == 5
    plain = httpx.get(f"{site_server}/feeds/vncpc-vi.rss")  # no Accept at all: the feed
    assert plain.headers["content-type"].startswith("application/rss+xml") and feedparser.parse(plain.content).bozo == 0
    xsl = httpx.get(f"{site_server}/feeds/feed.xsl")
    assert xsl.status_code == 200 and xsl.headers["content-type"] == "text/xsl; charset=utf-8"


@WIDTHS
def test_the_events_page_lists_what_is_coming_soonest_first(browser, site_server, shots, width):
    browser.open(f"{site_server}/events", width, language="vi")
    looks_right(browser, width)
    rows = [li.text for li in browser.find_all("ul.events li")]
    assert len(rows) == 3 and "Hội thảo sản xuất sạch hơn" in rows[0] and "Khóa tập huấn" in rows[2]
    assert browser.visible("ul.events li a") and browser.visible('a[href$="/feeds/events.ics"]')
    browser.screenshot(shots / f"events-{width}.png")


def test_a_running_service_shows_a_new_article_on_its_index_page_after_the_scrape(service, site):  # noqa: F811
    from tests.test_e2e import listing_with_extra, wait_for

    service.start()
    service.wait_seeded()
    page = service.get("/", **{"Accept-Language": "vi"}).text
    assert page.count('class="article"') == LATEST_ON_DEMO and "Tin mới nhất" in page
    site.add("/tin-tuc/", listing_with_extra())
    title = "Hội thảo tiết kiệm năng lượng trong sản xuất công nghiệp tại Thanh Hóa"
    wait_for(lambda: title in service.get("/").text, 20, "the new article on the index page", service.proc)
    events = service.get("/events?lang=en")
    assert events.status_code == 200 and "<h1>Upcoming events</h1>" in events.text

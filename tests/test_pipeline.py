"""The pipeline end to end over real HTTP (127.0.0.1) and a real SQLite file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from feeds.fetch import Fetcher
from feeds.models import FetchSettings, ListingSelectors
from feeds.pipeline import refresh_source, refresh_sources
from feeds.config import load_sources
from feeds.store import Store, database_url
from tests.conftest import LOOPBACK

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "bot" / "demo" / "site"
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

ARTICLE_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{title}</title></head><body><article class="post type-post">
<h1 class="entry-title">{title}</h1><time class="entry-date" datetime="2026-11-20T08:00:00+07:00">20/11/2026</time>
<div class="entry-content"><p>{body}</p></div></article></body></html>"""


@pytest.fixture
def store(tmp_path):
    s = Store.open(database_url(tmp_path))
    yield s
    s.close()


@pytest.fixture
def fetcher():
    with Fetcher(FetchSettings(delay_seconds=0, timeout_seconds=2, retries=1, backoff_seconds=0.01, allow_private=LOOPBACK)) as f:
        yield f


@pytest.fixture
def demo_site(site):
    site.add_dir(DEMO)
    return site


def shipped(site, source_id="vncpc-vi", path="/tin-tuc/"):
    source = {s.id: s for s in load_sources(REPO / "config" / "sources.toml")}[source_id]
    return dataclasses.replace(source, url=site.url(path))


def article_paths(site):
    return [h.path for h in site.requests() if h.path.count("/") >= 3 and "/page/" not in h.path]


def test_first_run_stores_every_article_and_seeds(demo_site, store, fetcher):
    result = refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    assert result.ok, result
    assert result.seeded
    assert len(result.new) >= 8
    assert result.pages_fetched == 2  # both listing pages followed
    stored = store.articles(source_id="vncpc-vi", limit=None)
    assert {s.article.url for s in stored} == {s.article.url for s in result.new}
    assert all(s.article.title and s.article.body_text for s in stored)
    assert all(s.article.published.utcoffset() is not None for s in stored)
    health = store.source_health("vncpc-vi")
    assert health.last_success is not None and health.consecutive_failures == 0


def test_second_run_is_one_conditional_request_and_no_article_fetch(demo_site, store, fetcher):
    refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    demo_site.reset_log()
    again = refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    hits = [h for h in demo_site.requests() if h.path != "/robots.txt"]
    assert [(h.path, h.status) for h in hits] == [("/tin-tuc/", 304)]
    assert "if-none-match" in hits[0].headers or "if-modified-since" in hits[0].headers
    assert again.ok and again.not_modified == 1 and not again.new and again.article_fetches == 0
    assert not again.seeded


def _add_to_listing(site, path, item_html):
    route = site.routes["/tin-tuc/"]
    body = route.body.decode("utf-8")
    marker = '<article id="post-'
    i = body.index(marker)
    site.add("/tin-tuc/", body[:i] + item_html + body[i:])
    site.add(path, ARTICLE_HTML.format(title="Tập huấn sản xuất sạch hơn cho doanh nghiệp dệt may",
                                       body="Sáng ngày 17/11, lớp tập huấn đã được tổ chức tại Hà Nội."))


def test_new_article_appears_on_next_run_and_is_not_seeded(demo_site, store, fetcher):
    refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    _add_to_listing(demo_site, "/tin-tuc/tap-huan-det-may/",
                    '<article class="post type-post"><h2 class="entry-title">'
                    '<a href="/tin-tuc/tap-huan-det-may/">Tập huấn dệt may</a></h2></article>')
    demo_site.reset_log()
    result = refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    assert result.ok
    assert [s.article.url for s in result.new] == [demo_site.url("/tin-tuc/tap-huan-det-may/")]
    assert not result.seeded
    assert demo_site.hits("/tin-tuc/tap-huan-det-may/") == 1
    assert len(store.articles(source_id="vncpc-vi", limit=None)) == len(
        {s.article.url for s in store.articles(source_id="vncpc-vi", limit=None)})


def test_edited_article_updates_without_duplicating(demo_site, store, fetcher):
    _add_to_listing(demo_site, "/tin-tuc/tap-huan-det-may/",
                    '<article class="post type-post"><h2 class="entry-title">'
                    '<a href="/tin-tuc/tap-huan-det-may/">Tập huấn dệt may</a></h2></article>')
    refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=NOW)
    count = len(store.articles(source_id="vncpc-vi", limit=None))
    demo_site.add("/tin-tuc/tap-huan-det-may/", ARTICLE_HTML.format(
        title="Tập huấn sản xuất sạch hơn cho doanh nghiệp dệt may",
        body="Sáng ngày 17/11, lớp tập huấn đã được tổ chức tại Hà Nội với hơn 40 học viên (cập nhật)."))
    listing = demo_site.routes["/tin-tuc/"].body.decode("utf-8")
    demo_site.add("/tin-tuc/", listing.replace("Tập huấn dệt may", "Tập huấn dệt may (cập nhật)"))
    later = NOW + dt.timedelta(hours=1)
    result = refresh_source(shipped(demo_site), store=store, fetcher=fetcher, now=later)
    assert result.ok and not result.new
    assert [s.article.url for s in result.changed] == [demo_site.url("/tin-tuc/tap-huan-det-may/")]
    assert len(store.articles(source_id="vncpc-vi", limit=None)) == count
    edited = [s for s in store.articles(source_id="vncpc-vi", limit=None)
              if s.article.url.endswith("/tap-huan-det-may/")][0]
    assert "cập nhật" in edited.article.body_text and edited.updated == later


def test_broken_selector_marks_source_broken_and_keeps_articles(demo_site, store, fetcher):
    source = shipped(demo_site)
    refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    before = len(store.articles(source_id=source.id, limit=None))
    demo_site.add("/tin-tuc/", "<html><body><div class='new-layout'><p>Trang mới</p></div></body></html>")
    result = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert not result.ok and result.broken_reason and "matched nothing" in result.broken_reason
    assert len(store.articles(source_id=source.id, limit=None)) == before
    health = store.source_health(source.id)
    assert health.broken and health.consecutive_failures == 1 and health.broken_since is not None


def test_one_failing_source_does_not_stop_the_others(demo_site, store, fetcher):
    demo_site.add("/dead/", b"", status=500)
    dead = dataclasses.replace(shipped(demo_site), id="dead", url=demo_site.url("/dead/"))
    wrong = dataclasses.replace(shipped(demo_site), id="wrong",
                                listing=ListingSelectors(item=".nothing-here", link="a"))
    good = shipped(demo_site, "vncpc-en", "/en/news/")
    results = refresh_sources([dead, wrong, good], store=store, fetcher=fetcher, now=NOW)
    by_id = {r.source_id: r for r in results}
    assert by_id["dead"].error and "500" in by_id["dead"].error
    assert by_id["wrong"].broken_reason
    assert by_id["vncpc-en"].ok and by_id["vncpc-en"].new
    assert store.source_health("dead").last_error


def test_failed_article_is_retried_next_run(demo_site, store, fetcher):
    source = shipped(demo_site)
    refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    _add_to_listing(demo_site, "/tin-tuc/tap-huan-det-may/",
                    '<article class="post type-post"><h2 class="entry-title">'
                    '<a href="/tin-tuc/tap-huan-det-may/">Tập huấn dệt may</a></h2></article>')
    good = demo_site.routes["/tin-tuc/tap-huan-det-may/"]
    demo_site.add("/tin-tuc/tap-huan-det-may/", b"", status=503)
    first = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert first.failed == 1 and not first.new
    demo_site.routes["/tin-tuc/tap-huan-det-may/"] = good
    second = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert [s.article.url for s in second.new] == [demo_site.url("/tin-tuc/tap-huan-det-may/")]


def test_paused_source_is_skipped(demo_site, store, fetcher):
    store.set_paused("vncpc-vi", True)
    assert refresh_sources([shipped(demo_site)], store=store, fetcher=fetcher, now=NOW) == []
    assert demo_site.hits() == 0


def test_failed_later_listing_page_is_read_again_next_run(demo_site, store, fetcher):
    # Page 2 fails this run: its articles are not stored yet, so the first page must not be
    # remembered as "seen", or the next run's 304 would hide them until page 1 changes.
    source = shipped(demo_site)
    page2 = demo_site.routes["/tin-tuc/page/2/"]
    demo_site.add("/tin-tuc/page/2/", b"", status=500)
    first = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    seen_first = {s.article.url for s in first.new}
    assert first.error and "listing page 2" in first.error and seen_first
    demo_site.routes["/tin-tuc/page/2/"] = page2
    second = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert second.ok and second.seeded  # still the first success: the backlog does not alert
    assert second.not_modified == 0 and demo_site.hits("/tin-tuc/page/2/") == 3  # 2 attempts, then 1
    stored = {s.article.url for s in store.articles(source_id=source.id, limit=None)}
    assert stored > seen_first and {s.article.url for s in second.new} == stored - seen_first


@pytest.mark.parametrize("kind", ["off-host redirect", "404", "too big"])
def test_permanently_failing_link_does_not_defeat_the_conditional_get(demo_site, store, fetcher, kind):
    # A listed post that redirects to another site (or is gone) fails the same way every time:
    # it is reported, but the listing is still remembered, so the next run is one 304 request.
    _add_to_listing(demo_site, "/tin-tuc/bai-ngoai/",
                    '<article class="post type-post"><h2 class="entry-title">'
                    '<a href="/tin-tuc/bai-ngoai/">Bài đăng trên trang khác</a></h2></article>')
    if kind == "404":
        demo_site.add("/tin-tuc/bai-ngoai/", b"", status=404)
    elif kind == "too big":  # over fetch.max_bytes until the admin raises it
        demo_site.add("/tin-tuc/bai-ngoai/", b"<p>" + b"x" * (FetchSettings().max_bytes + 1))
    else:
        demo_site.redirect("/tin-tuc/bai-ngoai/", "http://example.invalid/bai-ngoai/", status=301)
    source = shipped(demo_site)
    first = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert first.ok and first.failed == 1 and first.new
    demo_site.reset_log()
    again = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    hits = [(h.path, h.status) for h in demo_site.requests() if h.path != "/robots.txt"]
    assert hits == [("/tin-tuc/", 304)] and again.ok and again.article_fetches == 0


def _listing_html(paths, next_page=None):
    items = "".join(f'<article class="post"><h2 class="entry-title"><a href="{p}">Tin {i}</a></h2></article>'
                    for i, p in enumerate(paths))
    more = f'<a class="next" href="{next_page}">Cũ hơn</a>' if next_page else ""
    return f"<html><body>{items}{more}</body></html>"


def _canonical_article(site, slug, title):
    html = ARTICLE_HTML.format(title=title, body=f"Bài {title} về sản xuất sạch hơn tại Đà Nẵng.")
    head = f'<link rel="canonical" href="{site.url(f"/tin-tuc/{slug}/")}">'
    site.add(f"/tin-tuc/{slug}", html.replace("<title>", head + "<title>", 1))


def test_listing_link_differing_from_rel_canonical_counts_as_known(site, store, fetcher):
    # The listing links "/tin-tuc/a" but the article names "/tin-tuc/a/" as canonical: once
    # stored, the listing's form must be known too, or every listing change re-fetches every
    # listed article in full (and pagination never stops at a page of known articles).
    for slug, title in (("a", "Hội thảo A"), ("b", "Hội thảo B"), ("c", "Hội thảo C"), ("d", "Hội thảo D")):
        _canonical_article(site, slug, title)
    site.add("/tin-tuc/", _listing_html(["/tin-tuc/a", "/tin-tuc/b"], "/tin-tuc/page/2/"))
    site.add("/tin-tuc/page/2/", _listing_html(["/tin-tuc/c"]))
    source = dataclasses.replace(shipped(site), url=site.url("/tin-tuc/"))
    first = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert sorted(s.article.url for s in first.new) == [site.url(f"/tin-tuc/{x}/") for x in "abc"]
    site.add("/tin-tuc/", _listing_html(["/tin-tuc/d", "/tin-tuc/a", "/tin-tuc/b"], "/tin-tuc/page/2/"))
    site.reset_log()
    second = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert [s.article.url for s in second.new] == [site.url("/tin-tuc/d/")] and not second.changed
    hits = {h.path: h.status for h in site.requests() if h.path != "/robots.txt"}
    assert hits == {"/tin-tuc/": 200, "/tin-tuc/d": 200, "/tin-tuc/a": 304, "/tin-tuc/b": 304,
                    "/tin-tuc/page/2/": 200}  # page 1 held a new post; "/tin-tuc/c" is known


def test_site_without_validators_is_not_re_fetched_when_its_listing_is_unchanged(demo_site, store, fetcher):
    # Plain WordPress pages carry no ETag/Last-Modified: a conditional request is impossible, so
    # an unchanged first page (same links, titles, dates) must not re-check every listed article.
    for route in demo_site.routes.values():
        route.headers.update({"ETag": "", "Last-Modified": ""})
    source = shipped(demo_site)
    refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    demo_site.reset_log()
    again = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    hits = [(h.path, h.status) for h in demo_site.requests() if h.path != "/robots.txt"]
    assert hits == [("/tin-tuc/", 200)] and again.ok and again.article_fetches == 0
    assert again.not_modified == 1 and not again.new
    listing = demo_site.routes["/tin-tuc/"]
    listing.body = listing.body.replace("Hội thảo áp dụng".encode(), "Hội thảo (cập nhật) áp dụng".encode(), 1)
    demo_site.reset_log()
    edited = refresh_source(source, store=store, fetcher=fetcher, now=NOW)
    assert edited.not_modified == 0 and edited.article_fetches > 0  # a changed listing: re-checked


# --------------------------------------------------------------------------- one scrape -> publish path


def test_scrape_and_publish_refreshes_then_publishes_every_listed_source(demo_site, store, fetcher, tmp_path):
    from feeds.cycle import scrape_and_publish
    from feeds.publish import FeedFiles

    vi, en = shipped(demo_site), shipped(demo_site, "vncpc-en", "/en/news/")
    feeds = FeedFiles(tmp_path / "public", base_url="http://127.0.0.1:8080", max_entries=50)
    changes = []
    run = scrape_and_publish([vi], store=store, fetcher=fetcher, feeds=feeds, listed=lambda: [vi, en],
                             on_health=lambda source, before, after: changes.append((source.id, after.last_run)))
    assert [r.source_id for r in run.results] == [vi.id] and run.results[0].new
    assert changes and changes[0][0] == vi.id and changes[0][1] is not None  # health after the run
    names = sorted(p.name for p in run.published)
    assert "vncpc-en.atom" in names and "vncpc-vi.atom" in names and "feeds.opml" in names
    assert run.publish_error is None

    again = scrape_and_publish([vi], store=store, fetcher=fetcher, feeds=feeds, listed=lambda: [vi, en],
                               publish_unchanged=False)
    assert not again.results[0].new and again.published is None  # nothing new: the feeds are left alone
    stopped = scrape_and_publish([vi, en], store=store, fetcher=fetcher, feeds=None, listed=lambda: [vi, en],
                                 should_stop=lambda: True)
    assert stopped.results == () and stopped.published is None


def test_scrape_and_publish_returns_a_publish_failure_after_storing(demo_site, store, fetcher, tmp_path):
    from feeds.cycle import scrape_and_publish
    from feeds.errors import PublishError
    from feeds.publish import FeedFiles

    blocker = tmp_path / "public"
    blocker.write_text("a file where the public folder should be")
    source = shipped(demo_site)
    run = scrape_and_publish([source], store=store, fetcher=fetcher, listed=lambda: [source],
                             feeds=FeedFiles(blocker, base_url="http://127.0.0.1:8080", max_entries=50))
    assert isinstance(run.publish_error, PublishError) and run.published is None
    assert run.results[0].new and store.articles(source_id=source.id)  # stored all the same
    assert run.stale  # the next cycle publishes again, changed or not


def test_feeds_stay_stale_after_a_failed_publish_until_one_succeeds(demo_site, store, fetcher, tmp_path):
    # Issue 13, item 7, on the one scrape -> publish path: a failed publish is retried by the next
    # cycle although nothing changed, and once a publish succeeds unchanged feeds are left alone.
    from feeds.cycle import publish_feeds, scrape_sources
    from feeds.publish import FeedFiles

    source = shipped(demo_site)
    public = tmp_path / "public"
    feeds = FeedFiles(public, base_url="http://127.0.0.1:8080", max_entries=50)
    results = scrape_sources([source], store=store, fetcher=fetcher)
    public.write_text("a full disk")
    failed = publish_feeds(results, store=store, feeds=feeds, listed=lambda: [source], publish_unchanged=False)
    assert failed.publish_error is not None and failed.stale
    public.unlink()
    quiet = scrape_sources([source], store=store, fetcher=fetcher)
    assert not any(r.new or r.changed for r in quiet)
    retried = publish_feeds(quiet, store=store, feeds=feeds, listed=lambda: [source], publish_unchanged=failed.stale)
    assert retried.published and not retried.stale and (public / "feeds" / "all.atom").is_file()
    left = publish_feeds(quiet, store=store, feeds=feeds, listed=lambda: [source], publish_unchanged=retried.stale)
    assert left.published is None and not left.stale


# --------------------------------------------------------------------------- dating a backlog

UNDATED_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head><body>
<article class="post type-post"><h1 class="entry-title">{title}</h1>{stamp}<div class="entry-content"><p>{body}</p></div>
</article></body></html>"""


def test_a_backlog_without_stamps_is_dated_by_listing_url_or_as_a_guess(site, store, fetcher):
    """A first run over old pages: none of them was "published today"."""
    pages = {
        "/2018/05/ra-mat-du-an/": ("Ra mắt dự án tái chế nhựa", "", "Ngày 23/5, VNCPC tổ chức lễ ra mắt dự án tái chế nhựa tại Hà Nội."),
        "/tin-tuc/ban-tron/": ("Hội nghị bàn tròn", "", "Trong hai ngày 27 và 28 tháng 9, Hội nghị bàn tròn diễn ra tại TP Đà Nẵng."),
        "/tin-tuc/tap-huan/": ("Tập huấn kiểm toán", "", "Ngày 12/3, Sở Công Thương tổ chức lớp tập huấn tại Huế."),
        # a site printing today's date in its header: older than a month by its URL, so that wins
        "/2018/06/hoi-thao/": ("Hội thảo nước thải", '<span class="date">28/11/2026</span>',
                               "Ngày 5/6, Viện Môi trường tổ chức hội thảo về nước thải tại Cần Thơ."),
    }
    for path, (title, stamp, body) in pages.items():
        site.add(path, UNDATED_HTML.format(title=title, stamp=stamp, body=body))
    dates = {"/tin-tuc/tap-huan/": "15/03/2019"}
    items = "".join(f'<article class="post"><h2 class="entry-title"><a href="{p}">{t}</a></h2>'
                    f'<span class="date">{dates.get(p, "")}</span></article>' for p, (t, _s, _b) in pages.items())
    site.add("/tin-tuc/", f"<html><body>{items}</body></html>")
    result = refresh_source(shipped(site), store=store, fetcher=fetcher, now=NOW)
    assert result.ok and result.seeded and len(result.new) == 4
    by_path = {urlsplit(s.article.url).path: s.article for s in store.articles(limit=None)}
    launch, table, course, banner = (by_path[p] for p in pages)
    assert (launch.published_from.value, launch.published.date()) == ("url", dt.date(2018, 5, 1))
    assert [(e.start, e.year_guessed) for e in launch.extraction.events] == [(dt.date(2018, 5, 23), False)]
    assert (table.published_from.value, table.date_is_guess, table.published) == ("first_seen", True, NOW)
    assert [(e.start.month, e.start.day, e.year_guessed) for e in table.extraction.events] == [(9, 27, True)]
    assert (course.published_from.value, course.published.date()) == ("listing", dt.date(2019, 3, 15))
    assert [e.start for e in course.extraction.events] == [dt.date(2019, 3, 12)]
    assert (banner.published_from.value, banner.published.date()) == ("url", dt.date(2018, 6, 1))
    assert [e.start for e in banner.extraction.events] == [dt.date(2018, 6, 5)]

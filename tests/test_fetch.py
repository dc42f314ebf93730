"""feeds.fetch over real HTTP on 127.0.0.1 (the ``site`` fixture).

Sleeping and the monotonic clock are injected: backoff and pacing waits are recorded instead of
slept, so the tests are fast and assert the waits themselves, never wall-clock speed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import threading
from dataclasses import replace
from email.utils import format_datetime

import httpx
import pytest

from feeds.errors import FetchError, RobotsDisallowed
from feeds.fetch import Fetcher, parse_retry_after
from feeds.models import FetchSettings, Validators
from tests.conftest import LOOPBACK

UA = "vncpc-feedbot-test/0.1 (+https://example.invalid/feedbot)"
FAST = FetchSettings(
    user_agent=UA,
    delay_seconds=0.0,
    timeout_seconds=10.0,  # generous: under load the fixture site may be slow to answer (issue 13)
    connect_timeout_seconds=10.0,
    retries=2,
    backoff_seconds=0.5,
    max_retry_after_seconds=30.0,
    max_bytes=100_000,
    allow_private=LOOPBACK,
)
PAGE = "<html><body><h1>Hội thảo sản xuất sạch hơn</h1></body></html>".encode()


class FakeTime:
    """A monotonic clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = lambda: None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.on_sleep()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def fetcher(fake_time):
    with Fetcher(FAST, sleep=fake_time.sleep, clock=fake_time.clock) as f:
        yield f


def make(fake_time: FakeTime, **changes: object) -> Fetcher:
    return Fetcher(replace(FAST, **changes), sleep=fake_time.sleep, clock=fake_time.clock)


def page_hits(site) -> list:
    return [h for h in site.requests() if h.path != "/robots.txt"]


# ------------------------------------------------------------------- plain and conditional GET


def test_200_returns_bytes_and_headers_and_sends_user_agent(site, fetcher):
    site.add("/tin-tuc/", PAGE)
    page = fetcher.fetch(site.url("/tin-tuc/"))
    assert page.content == PAGE and page.status == 200 and not page.not_modified
    assert page.url == page.final_url == site.url("/tin-tuc/")
    assert page.content_type == "text/html; charset=utf-8"
    assert page.etag and page.etag.startswith('"') and page.last_modified
    assert [h.headers["user-agent"] for h in site.requests()] == [UA, UA]  # robots.txt + page
    assert fetcher.requests_made == 1


def test_robots_is_fetched_once_per_origin(site, fetcher):
    site.add("/a", PAGE)
    site.add("/b", PAGE)
    for path in ("/a", "/b", "/a"):
        fetcher.fetch(site.url(path))
    assert site.hits("/robots.txt") == 1
    assert fetcher.requests_made == 3


def test_conditional_get_with_etag_gives_not_modified(site, fetcher):
    site.add("/tin-tuc/", PAGE)
    first = fetcher.fetch(site.url("/tin-tuc/"))
    again = fetcher.fetch(site.url("/tin-tuc/"), validators=Validators(etag=first.etag))
    assert again.not_modified and again.status == 304 and again.content == b""
    assert again.etag == first.etag
    assert site.requests()[-1].headers["if-none-match"] == first.etag


def test_conditional_get_with_last_modified_only(site, fetcher):
    site.add("/tin-tuc/", PAGE)
    first = fetcher.fetch(site.url("/tin-tuc/"))
    validators = Validators(last_modified=first.last_modified)
    again = fetcher.fetch(site.url("/tin-tuc/"), validators=validators)
    assert again.not_modified and again.last_modified == first.last_modified
    assert "if-none-match" not in site.requests()[-1].headers


def test_changed_page_is_returned_in_full_despite_validators(site, fetcher):
    site.add("/tin-tuc/", PAGE)
    first = fetcher.fetch(site.url("/tin-tuc/"))
    site.add("/tin-tuc/", PAGE + "<p>tin mới</p>".encode())
    validators = Validators(first.etag, first.last_modified)
    again = fetcher.fetch(site.url("/tin-tuc/"), validators=validators)
    assert not again.not_modified and again.content.endswith("tin mới</p>".encode())
    assert again.etag != first.etag


def test_one_debug_line_per_request_with_stable_keys(site, fetcher, caplog):
    site.add("/a", PAGE)
    with caplog.at_level(logging.DEBUG, logger="feeds.fetch"):
        fetcher.fetch(site.url("/a"))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fetch url=")]
    assert len(lines) == 2  # robots.txt and the page
    assert f"url={site.url('/a')} status=200 ms=" in lines[1]


# --------------------------------------------------------------------------- retries


def test_500_then_200_is_retried_after_backoff(site, fake_time, fetcher):
    site.add("/flaky", b"", status=500)
    fake_time.on_sleep = lambda: site.add("/flaky", PAGE)  # the site recovers while we wait
    page = fetcher.fetch(site.url("/flaky"))
    assert page.content == PAGE
    assert [h.status for h in page_hits(site)] == [500, 200]
    assert fetcher.requests_made == 2
    assert len(fake_time.sleeps) == 1 and 0.5 <= fake_time.sleeps[0] <= 0.5 * 1.1


def test_persistent_500_fails_after_retries_with_growing_backoff(site, fake_time, fetcher):
    site.add("/down", b"", status=503)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(site.url("/down"))
    assert info.value.status == 503 and "3 attempt(s)" in str(info.value)
    assert site.hits("/down") == 3
    first, second = fake_time.sleeps
    assert 0.5 <= first <= 0.55 and 1.0 <= second <= 1.1


def test_429_honours_retry_after_seconds(site, fake_time, fetcher):
    site.add("/busy", b"", status=429, headers={"Retry-After": "7"})
    fake_time.on_sleep = lambda: site.add("/busy", PAGE)
    assert fetcher.fetch(site.url("/busy")).content == PAGE
    assert fake_time.sleeps == [7.0]


def test_retry_after_is_capped(site, fake_time, fetcher):
    site.add("/busy", b"", status=429, headers={"Retry-After": "86400"})
    fake_time.on_sleep = lambda: site.add("/busy", PAGE)
    fetcher.fetch(site.url("/busy"))
    assert fake_time.sleeps == [FAST.max_retry_after_seconds]


def test_persistent_429_says_to_slow_down(site, fake_time, fetcher):
    site.add("/busy", b"", status=429, headers={"Retry-After": "1"})
    with pytest.raises(FetchError, match="fetch.delay_seconds") as info:
        fetcher.fetch(site.url("/busy"))
    assert info.value.status == 429 and fake_time.sleeps == [1.0, 1.0]


def test_parse_retry_after_forms():
    now = dt.datetime(2025, 4, 3, 9, 15, tzinfo=dt.UTC)
    assert parse_retry_after("120", now=now) == 120.0
    in_45_seconds = format_datetime(now + dt.timedelta(seconds=45), usegmt=True)
    assert parse_retry_after(in_45_seconds, now=now) == 45.0
    assert parse_retry_after("Thu, 01 Jan 2015 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None
    assert parse_retry_after("-5", now=now) is None


def test_other_4xx_are_not_retried(site, fake_time, fetcher):
    for status in (404, 403, 410, 400):
        path = f"/gone-{status}"
        site.add(path, b"", status=status)
        with pytest.raises(FetchError) as info:
            fetcher.fetch(site.url(path))
        assert info.value.status == status and f"HTTP {status}" in str(info.value)
        assert site.hits(path) == 1
    assert fake_time.sleeps == []


def test_timeout_is_retried_then_reported(site, fake_time):
    site.add("/slow", PAGE, delay=3.0)  # ten times the read timeout: it times out however loaded the machine
    with make(fake_time, retries=1, timeout_seconds=0.3) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(site.url("/slow"))
    assert "timed out" in str(info.value) and "fetch.timeout_seconds" in str(info.value)
    assert fetcher.requests_made == 2 and len(fake_time.sleeps) == 1  # the site logs hits late


def test_dropped_connection_is_retried_then_reported(site, fake_time, fetcher):
    site.add("/drop", PAGE, drop=True)
    with pytest.raises(FetchError, match="connection failed") as info:
        fetcher.fetch(site.url("/drop"))
    assert info.value.status is None
    assert site.hits("/drop") == 3 and fetcher.requests_made == 3


def test_dropped_connection_then_recovery(site, fake_time, fetcher):
    site.add("/drop", PAGE, drop=True)
    fake_time.on_sleep = lambda: site.add("/drop", PAGE)
    assert fetcher.fetch(site.url("/drop")).content == PAGE


def test_unreachable_host_fails_cleanly(fake_time):
    with make(fake_time, retries=0) as fetcher, pytest.raises(FetchError, match="connection"):
        fetcher.fetch("http://127.0.0.1:9/")  # the discard port: nothing listens


# --------------------------------------------------------------------------- redirects


def test_same_host_redirect_is_followed(site, fetcher):
    site.redirect("/old", "/tin-tuc/", status=301)
    site.add("/tin-tuc/", PAGE)
    page = fetcher.fetch(site.url("/old"))
    assert page.url == site.url("/old") and page.final_url == site.url("/tin-tuc/")
    assert page.content == PAGE and fetcher.requests_made == 2


def test_off_host_redirect_is_refused(site, fetcher):
    other = f"http://localhost:{site.port}/tin-tuc/"
    site.redirect("/away", other)
    site.add("/tin-tuc/", PAGE)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(site.url("/away"))
    message = str(info.value)
    assert f"'127.0.0.1:{site.port}'" in message and f"'localhost:{site.port}'" in message and "allowed_hosts" in message
    assert site.hits("/tin-tuc/") == 0


def test_off_host_redirect_allowed_by_allowed_hosts(site, fetcher):
    other = f"http://localhost:{site.port}/tin-tuc/"
    site.redirect("/away", other)
    site.add("/tin-tuc/", PAGE)
    page = fetcher.fetch(site.url("/away"), allowed_hosts=["LOCALHOST"])
    assert page.final_url == other and page.content == PAGE
    assert site.hits("/robots.txt") == 2  # each origin's robots.txt is consulted


def test_redirect_loop_stops_after_five(site, fetcher):
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher.fetch(site.url("/loop"))
    assert site.hits("/loop") == 6


def test_redirect_to_other_scheme_is_refused(site, fetcher):
    site.redirect("/ftp", "ftp://127.0.0.1/file")
    with pytest.raises(FetchError, match="only http"):
        fetcher.fetch(site.url("/ftp"))


def test_malformed_redirect_location_is_not_retried_as_a_network_error(site, fetcher):
    site.redirect("/hong", "http://[::1/bai-viet/")
    with pytest.raises(FetchError, match="redirects to a malformed URL") as caught:
        fetcher.fetch(site.url("/hong"))
    assert caught.value.url == site.url("/hong") and "check the host name" not in str(caught.value)
    assert site.hits("/hong") == 1


def test_non_http_urls_are_refused_without_a_request(site, fetcher):
    for url in (f"ftp://127.0.0.1:{site.port}/x", "file:///etc/passwd", "javascript:alert(1)",
                "tin-tuc/", "http:///no-host"):
        with pytest.raises(FetchError, match="only http"):
            fetcher.fetch(url)
    assert site.hits() == 0 and fetcher.requests_made == 0


# --------------------------------------------------------------------------- robots.txt


def test_robots_disallowed_path_is_not_fetched(site, fetcher):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.add("/private/page", PAGE)
    site.add("/tin-tuc/", PAGE)
    with pytest.raises(RobotsDisallowed, match="robots.txt"):
        fetcher.fetch(site.url("/private/page"))
    assert fetcher.fetch(site.url("/tin-tuc/")).content == PAGE
    assert site.hits("/private/page") == 0 and site.hits("/robots.txt") == 1
    assert fetcher.requests_made == 1


def test_robots_with_a_byte_order_mark_is_obeyed(site, fetcher):
    # A robots.txt saved by a Windows editor starts with a BOM; the first group must still count.
    site.add("/robots.txt", "\ufeffUser-agent: *\nDisallow: /private/\n".encode("utf-8"), content_type="text/plain")
    site.add("/private/page", PAGE)
    with pytest.raises(RobotsDisallowed):
        fetcher.fetch(site.url("/private/page"))
    assert site.hits("/private/page") == 0


def test_robots_group_for_our_user_agent(site, fetcher):
    robots = "User-agent: vncpc-feedbot-test\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    site.add("/robots.txt", robots, content_type="text/plain")
    site.add("/tin-tuc/", PAGE)
    with pytest.raises(RobotsDisallowed):
        fetcher.fetch(site.url("/tin-tuc/"))


def test_redirect_into_disallowed_path_is_refused(site, fetcher):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.redirect("/go", "/private/page")
    site.add("/private/page", PAGE)
    with pytest.raises(RobotsDisallowed):
        fetcher.fetch(site.url("/go"))
    assert site.hits("/private/page") == 0


def test_robots_server_error_allows_and_logs(site, fetcher, caplog):
    site.add("/robots.txt", b"", status=503)
    site.add("/tin-tuc/", PAGE)
    with caplog.at_level(logging.WARNING, logger="feeds.fetch"):
        assert fetcher.fetch(site.url("/tin-tuc/")).content == PAGE
    assert any("robots unavailable" in r.getMessage() for r in caplog.records)


def test_robots_ignored_when_disabled(site, fake_time):
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    site.add("/tin-tuc/", PAGE)
    with make(fake_time, obey_robots=False) as fetcher:
        assert fetcher.fetch(site.url("/tin-tuc/")).content == PAGE
    assert site.hits("/robots.txt") == 0


# --------------------------------------------------------------------------- size cap


def test_body_over_the_cap_is_refused_with_a_hint(site, fake_time):
    site.add("/huge", b"x" * 5_000)
    with make(fake_time, max_bytes=1_000) as fetcher, pytest.raises(FetchError) as info:
        fetcher.fetch(site.url("/huge"))
    assert "1,000-byte limit" in str(info.value) and "fetch.max_bytes" in str(info.value)
    assert site.hits("/huge") == 1  # not retried


def test_cap_applies_to_the_decoded_stream(site, fake_time):
    bomb = gzip.compress(b"a" * 50_000)
    site.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with make(fake_time, max_bytes=10_000) as fetcher, pytest.raises(FetchError, match="limit"):
        fetcher.fetch(site.url("/bomb"))
    assert len(bomb) < 10_000  # the declared Content-Length alone would have passed


def test_body_at_the_cap_is_accepted(site, fake_time):
    site.add("/exact", b"y" * 1_000)
    with make(fake_time, max_bytes=1_000) as fetcher:
        assert len(fetcher.fetch(site.url("/exact")).content) == 1_000


# --------------------------------------------------------------------------- pacing


def test_requests_to_one_host_are_spaced_by_the_delay(site, fake_time):
    site.add("/a", PAGE)
    site.add("/b", PAGE)
    with make(fake_time, delay_seconds=2.0) as fetcher:
        fetcher.fetch(site.url("/a"))
        fetcher.fetch(site.url("/b"))
    # robots.txt goes first, then each page waits the full delay after the previous request
    assert fake_time.sleeps == [2.0, 2.0]
    assert [h.path for h in site.requests()] == ["/robots.txt", "/a", "/b"]


def test_other_hosts_do_not_wait(site, fake_time):
    site.add("/a", PAGE)
    with make(fake_time, delay_seconds=2.0) as fetcher:
        fetcher.fetch(site.url("/a"))
        fake_time.sleeps.clear()
        fetcher.fetch(f"http://localhost:{site.port}/a")
    assert fake_time.sleeps == [2.0]  # only between localhost's robots.txt and its page


def test_crawl_delay_larger_than_the_setting_is_honoured(site, fake_time):
    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 5\n", content_type="text/plain")
    site.add("/a", PAGE)
    with make(fake_time, delay_seconds=1.0) as fetcher:
        fetcher.fetch(site.url("/a"))
        fetcher.fetch(site.url("/a"))
    assert fake_time.sleeps == [5.0, 5.0]


def test_one_request_at_a_time_per_host(site):
    class Counting(httpx.HTTPTransport):
        def __init__(self) -> None:
            super().__init__()
            self.active = self.peak = 0
            self.lock = threading.Lock()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            try:
                return super().handle_request(request)
            finally:
                with self.lock:
                    self.active -= 1

    for i in range(4):
        site.add(f"/p{i}", PAGE, delay=0.1)
    transport = Counting()
    barrier = threading.Barrier(4)
    with Fetcher(replace(FAST, timeout_seconds=5.0), transport=transport) as fetcher:
        def work(i: int) -> None:
            barrier.wait()
            fetcher.fetch(site.url(f"/p{i}"))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert fetcher.requests_made == 4
    assert transport.peak == 1
    assert sum(site.hits(f"/p{i}") for i in range(4)) == 4

"""Issue 13, items 2, 4, 5 and 13: the fetcher against hostile servers on 127.0.0.1.

Stacked compression bombs (memory bounded by fetch.max_bytes, peak RSS measured in a child
process), a total deadline per request (a body or headers dripped a byte at a time), only the
source's own scheme/host/port ever fetched, no user:password@, private addresses refused unless
allowed, a DNS answer checked once and connected to, unresolvable hosts not retried.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from feeds.fetch import decoding
from feeds.errors import FetchError, UnsafeTarget
from feeds.fetch import Fetcher
from feeds.models import FetchSettings
from tests.conftest import LOOPBACK
from tests.support.hostile import HostileServer
from tests.support.site import FixtureSite

REPO = Path(__file__).resolve().parents[1]
SETTINGS = FetchSettings(delay_seconds=0, timeout_seconds=5, retries=2, backoff_seconds=0.01,
                         allow_private=LOOPBACK)
PAGE = "<html><body><h1>Hội thảo sản xuất sạch hơn</h1></body></html>".encode()
GIB = 1 << 30

try:
    import brotli
except ImportError:  # pragma: no cover
    brotli = None


def _gzip_zeros(size: int) -> bytes:
    """One gzip member of ``size`` zero bytes, made without holding them."""
    c = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(size >> 20)) + c.flush()


@pytest.fixture(scope="module")
def gzip_gib() -> bytes:
    return _gzip_zeros(GIB)  # ~1 MB that expands to 1 GiB


def _encode(data: bytes, name: str) -> bytes:
    if name == "gzip":
        return gzip.compress(data, 9)
    if name == "deflate":
        return zlib.compress(data, 9)
    assert brotli is not None
    return brotli.compress(data)


def _stack(inner: bytes, names: list[str]) -> bytes:
    for name in names:
        inner = _encode(inner, name)
    return inner


def _bomb(gzip_gib: bytes, header: str) -> bytes:
    """A body that expands to 1 GiB through every layer of ``header`` (the first layer is the
    1 GiB gzip member, or brotli's own for "br" first)."""
    names = [n.strip() for n in header.split(",")]
    if names[0] == "br":
        c = brotli.Compressor(quality=5)
        block = bytes(1 << 20)
        first = b"".join(c.process(block) for _ in range(GIB >> 20)) + c.finish()
    elif names[0] == "deflate":
        first = _deflate_gib()
    else:
        first = gzip_gib
    return _stack(first, names[1:])


def _deflate_gib() -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(GIB >> 20)) + c.flush()


needs_brotli = pytest.mark.skipif(brotli is None, reason="the brotli package is not installed")


# --------------------------------------------------------------------------- stacked compression


@pytest.mark.parametrize("header", [
    "gzip", "gzip, gzip", "deflate, gzip", "gzip, deflate, gzip",
    pytest.param("br", marks=needs_brotli), pytest.param("gzip, br", marks=needs_brotli),
])
def test_layers_decode_to_the_page(site, header):
    names = [n.strip() for n in header.split(",")]
    site.add("/p", _stack(PAGE, names), headers={"Content-Encoding": header})
    with Fetcher(SETTINGS) as fetcher:
        assert fetcher.fetch(site.url("/p")).content == PAGE


def test_raw_deflate_and_multi_member_gzip_decode(site):
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    site.add("/raw", raw.compress(PAGE) + raw.flush(), headers={"Content-Encoding": "deflate"})
    site.add("/members", gzip.compress(PAGE[:20]) + gzip.compress(PAGE[20:]), headers={"Content-Encoding": "gzip"})
    with Fetcher(SETTINGS) as fetcher:
        assert fetcher.fetch(site.url("/raw")).content == PAGE
        assert fetcher.fetch(site.url("/members")).content == PAGE


def test_unknown_encoding_is_a_clear_error(site):
    site.add("/z", b"\x28\xb5\x2f\xfd...", headers={"Content-Encoding": "zstd"})
    with Fetcher(SETTINGS) as fetcher, pytest.raises(FetchError, match="'zstd' is not supported"):
        fetcher.fetch(site.url("/z"))


@pytest.mark.parametrize("header", ["gzip", "gzip, gzip", "gzip, gzip, gzip", "deflate, gzip",
                                    pytest.param("br", marks=needs_brotli),
                                    pytest.param("br, gzip", marks=needs_brotli)])
def test_every_layer_stops_at_the_cap_with_bounded_memory(gzip_gib, header):
    body = _bomb(gzip_gib, header)
    cap = 5_000_000
    tracemalloc.start()
    try:
        with pytest.raises(decoding.TooLarge):
            for _ in decoding.decode_stream([body[i:i + 65536] for i in range(0, len(body), 65536)], header, cap):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < cap + 20 * decoding.PIECE + 2 * len(body), f"peak {peak:,} bytes"


CHILD = textwrap.dedent("""
    import json, re, resource, sys
    from feeds.errors import FetchError
    from feeds.fetch import Fetcher
    from feeds.models import FetchSettings
    settings = FetchSettings(delay_seconds=0, timeout_seconds=30, retries=0, allow_private=("127.0.0.1",))
    outcome = "fetched"
    with Fetcher(settings) as fetcher:
        try:
            fetcher.fetch(sys.argv[1])
        except FetchError as exc:
            outcome = str(exc)
    # VmHWM: this process's own peak. ru_maxrss is not: Linux carries the parent's peak over
    # fork and exec, so it would report the test runner's memory instead.
    try:
        peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"maxrss_kb": peak, "outcome": outcome}))
""")


@pytest.mark.parametrize("header", ["gzip, gzip", "gzip, gzip, gzip", "deflate, gzip",
                                    pytest.param("br, gzip", marks=needs_brotli)])
def test_stacked_bomb_keeps_the_scraper_small(site, gzip_gib, header):
    # The attack: a few kilobytes with "Content-Encoding: gzip, gzip" grew the scraper to
    # 4.25 GB. The fetch runs in a child process so its peak RSS is its own (VmHWM, not ru_maxrss).
    body = _bomb(gzip_gib, header)
    site.add("/bomb", body, content_type="text/html", headers={"Content-Encoding": header})
    done = subprocess.run([sys.executable, "-c", CHILD, site.url("/bomb")], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "larger than the 5,000,000-byte limit" in report["outcome"]
    assert report["maxrss_kb"] <= 300 * 1024, f"peak RSS {report['maxrss_kb'] / 1024:.0f} MB with {header}"


# --------------------------------------------------------------------------- deadline


def test_body_dripped_a_byte_a_second_is_cut_off_at_the_deadline():
    # Each byte arrives well within the read timeout, so only a total deadline can stop it.
    settings = replace(SETTINGS, timeout_seconds=10, deadline_seconds=2)
    with HostileServer() as evil, Fetcher(settings) as fetcher:
        evil.drip_body("/slow", b"<html>" + b"x" * 120 + b"</html>", interval=1.0)
        started = time.monotonic()
        with pytest.raises(FetchError, match="fetch.deadline_seconds = 2 s"):
            fetcher.fetch(evil.url("/slow"))
        assert time.monotonic() - started < 60  # generous: the drip alone lasts 128 s
        assert evil.hits.count("/slow") == 1  # not retried


def test_headers_dripped_slowly_are_cut_off_at_the_deadline():
    settings = replace(SETTINGS, timeout_seconds=10, deadline_seconds=2)
    with HostileServer() as evil, Fetcher(settings) as fetcher:
        evil.drip_head("/slow-head", interval=0.5)
        with pytest.raises(FetchError, match="deadline_seconds"):
            fetcher.fetch(evil.url("/slow-head"))
        assert evil.hits.count("/slow-head") == 1


# --------------------------------------------------------------------------- only the source's site


def test_redirect_to_another_port_of_the_same_host_is_refused(site):
    with FixtureSite() as internal, Fetcher(SETTINGS) as fetcher:
        internal.add("/internal-admin", b"<p>secret admin page</p>")
        site.redirect("/go", internal.url("/internal-admin?delete=1"))
        with pytest.raises(UnsafeTarget, match="not this source's site"):
            fetcher.fetch(site.url("/go"))
        assert internal.hits() == 0


def test_a_url_of_another_port_is_refused_before_any_request(site):
    with FixtureSite() as internal, Fetcher(SETTINGS) as fetcher:
        internal.add("/internal-admin", b"<p>secret</p>")
        with pytest.raises(UnsafeTarget):
            fetcher.fetch(internal.url("/internal-admin"), site=site.url("/tin-tuc/"))
        assert internal.hits() == 0


@pytest.mark.parametrize("location", ["http://user:pw@127.0.0.1:{port}/p", "http://user@127.0.0.1:{port}/p"])
def test_redirect_with_userinfo_is_never_followed(site, location):
    site.redirect("/go", location.format(port=site.port))
    site.add("/p", PAGE)
    with Fetcher(SETTINGS) as fetcher, pytest.raises(UnsafeTarget, match="user name or password"):
        fetcher.fetch(site.url("/go"))
    assert site.hits("/p") == 0


def test_userinfo_url_is_never_fetched(site):
    site.add("/p", PAGE)
    with Fetcher(SETTINGS) as fetcher, pytest.raises(UnsafeTarget):
        fetcher.fetch(f"http://admin:pw@127.0.0.1:{site.port}/p")
    assert site.hits("/p") == 0


def test_trailing_dot_host_is_the_same_host(site):
    site.add("/p", PAGE)
    with FixtureSite() as internal, Fetcher(SETTINGS) as fetcher:
        page = fetcher.fetch(f"http://127.0.0.1.:{site.port}/p", site=site.url("/"))
        assert page.content == PAGE
        with pytest.raises(UnsafeTarget):  # the same trick on another port is still another port
            fetcher.fetch(f"http://127.0.0.1.:{internal.port}/p", site=site.url("/"))
        assert internal.hits() == 0
    assert site.hits("/robots.txt") == 1  # "127.0.0.1." and "127.0.0.1" are one origin


# --------------------------------------------------------------------------- private addresses


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_loopback_is_refused_unless_allowed(site, host):
    site.add("/p", PAGE)
    strict = replace(SETTINGS, allow_private=())
    with Fetcher(strict) as fetcher, pytest.raises(UnsafeTarget, match="private, loopback or link-local"):
        fetcher.fetch(f"http://{host}:{site.port}/p")
    assert site.hits() == 0


def test_allowing_one_address_allows_only_that_one(site):
    site.add("/p", PAGE)
    with Fetcher(replace(SETTINGS, allow_private=("10.0.0.0/8",))) as fetcher, pytest.raises(UnsafeTarget):
        fetcher.fetch(site.url("/p"))
    with Fetcher(SETTINGS) as fetcher:
        assert fetcher.fetch(site.url("/p")).content == PAGE


def test_a_name_is_resolved_once_and_the_checked_address_is_connected_to(site, monkeypatch):
    # DNS rebinding: the first answer passes the check, a second one would point elsewhere.
    # The fetcher must connect to the address it checked, never resolve the name again.
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "127.0.0.9", "127.0.0.9"])
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    site.add("/p", PAGE)
    with Fetcher(replace(SETTINGS, obey_robots=False)) as fetcher:
        page = fetcher.fetch(f"http://rebind.test:{site.port}/p")
    assert page.content == PAGE and asked == ["rebind.test"]
    assert site.requests()[-1].headers["host"] == f"rebind.test:{site.port}"


# --------------------------------------------------------------------------- DNS failures


def test_a_host_that_does_not_resolve_fails_at_once():
    slept: list[float] = []
    with Fetcher(SETTINGS, sleep=slept.append) as fetcher:
        with pytest.raises(FetchError, match="host name 'feedbot-test.invalid' does not resolve"):
            fetcher.fetch("http://feedbot-test.invalid/tin-tuc/")
    assert slept == []  # no retry, no backoff

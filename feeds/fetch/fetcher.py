"""Polite HTTP fetching with httpx: bytes and headers in, nothing parsed.

``Fetcher.fetch(url)`` sends our User-Agent, obeys robots.txt (fetched once per origin with
protego; a missing robots.txt allows everything, an unreachable or failing one is treated as
temporary: allowed and logged), paces requests per origin (one at a time, ``delay_seconds``
from the end of one to the start of the next, or the robots ``Crawl-delay`` when larger),
retries timeouts, connection errors, 429 and 5xx with exponential backoff (honouring
``Retry-After``), sends conditional requests from ``Validators``, and follows at most five
redirects. Hostile sites are held at bay:

- only the source's own site is fetched (``feeds.scrape.urls.Site``: its host and
  ``allowed_hosts``, its port, never ``user:password@``), the start URL and every redirect alike;
- a host resolving to a private, loopback or link-local address is refused unless listed in
  ``allow_private``, checked on the address actually connected to (``feeds.fetch.netguard``);
- one request (connect to last byte) never takes longer than ``deadline_seconds``, however
  slowly the site drips its answer; such a request is not retried;
- the body is decoded here, layer by layer (``feeds.fetch.decoding``), and every layer is capped
  at ``max_bytes`` as it streams, so stacked compression cannot blow up memory;
- a host name that does not resolve fails at once (no retries).

Each request logs one debug line: ``fetch url=... status=... ms=...``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from feeds.errors import FetchError, RobotsDisallowed, UnsafeTarget
from feeds.fetch import decoding, netguard
from feeds.models import FetchSettings, Page, Validators
from feeds.scrape.urls import Site

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512_000
ROBOTS_TTL_SECONDS = 24 * 3600.0
ROBOTS_RETRY_SECONDS = 600.0  # a failing robots.txt is asked again after this long
JITTER = 0.1  # backoff waits are stretched by up to 10 %


@dataclass(frozen=True, slots=True)
class _Response:
    url: str  # the URL that answered
    status: int
    headers: httpx.Headers
    content: bytes = b""


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why one attempt failed, and how long to wait before the next."""

    reason: str
    hint: str
    wait: float
    status: int | None = None


@dataclass(slots=True)
class _Origin:
    """Pacing and robots.txt state of one scheme://host:port."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    last_end: float | None = None
    robots: Protego | None = None  # None: everything allowed
    robots_expires: float = float("-inf")
    crawl_delay: float = 0.0


class Fetcher:
    """A synchronous, thread-safe, polite HTTP client; use it as a context manager.

    ``sleep`` and ``clock`` (monotonic seconds) are injectable so backoff and pacing can be
    observed in tests without waiting. ``requests_made`` counts HTTP requests, retries and
    redirect hops included, robots.txt excluded. ``on_request(url, status, seconds)`` is told of
    every request (robots.txt too; status "error" when no answer came), e.g. for metrics.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_request: Callable[[str, int | str, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self._on_request = on_request  # (url, status or "error", seconds) after every request
        self.requests_made = 0
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.Client(
            transport=transport or _guarded_transport(settings),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": decoding.ACCEPT_ENCODING},
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
        )
        self._origins: dict[str, _Origin] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # ----------------------------------------------------------------------- public

    def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        allowed_hosts: Collection[str] = (),
        site: str | None = None,
    ) -> Page:
        """GET ``url``; a 304 to the conditional request returns ``Page(not_modified=True)``.

        ``url`` and every redirect must belong to the site of ``site`` (the source's URL; ``url``
        itself by default) or ``allowed_hosts``."""
        _require_http(url, url)
        own = Site(site or url, allowed_hosts)
        if not own.allows(url):
            raise UnsafeTarget(_off_site(url, site or url), url=url)
        headers = _conditional_headers(validators)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_robots(current)
            response = self._get_with_retries(current, headers)
            if response.status not in REDIRECT_STATUSES:
                return _page(url, response, validators)
            current = _redirect_target(url, response, own)
        raise FetchError(
            f"more than {MAX_REDIRECTS} redirects (the last one to {current}); "
            "put the final URL in config/sources.toml",
            url=url,
        )

    # ----------------------------------------------------------------------- retries

    def _get_with_retries(self, url: str, headers: dict[str, str]) -> _Response:
        attempts = max(1, self.settings.retries + 1)
        for attempt in range(1, attempts + 1):
            response, failure = self._attempt(url, headers, attempt)
            if failure is None:
                assert response is not None
                return response
            if attempt < attempts:
                log.info("fetch retry url=%s attempt=%d wait=%.2f reason=%s",
                         url, attempt, failure.wait, failure.reason)
                self._sleep(failure.wait)
        message = f"{failure.reason}, {attempts} attempt(s); {failure.hint}"
        raise FetchError(message, url=url, status=failure.status)

    def _attempt(
        self, url: str, headers: dict[str, str], attempt: int
    ) -> tuple[_Response | None, _Failure | None]:
        """One try: the response, or why it failed and how long to wait (4xx raise)."""
        try:
            response = self._paced_get(url, headers)
        except httpx.TimeoutException as exc:
            limit = self.settings.timeout_seconds
            hint = f"the site is slow or down (fetch.timeout_seconds = {limit})"
            return None, _Failure(f"timed out ({type(exc).__name__})", hint, self._backoff(attempt))
        except httpx.TransportError as exc:
            reason = f"connection failed ({exc or type(exc).__name__})"
            hint = "check the host name and the network"
            return None, _Failure(reason, hint, self._backoff(attempt))
        status = response.status
        if status == 429 or status >= 500:
            wait = parse_retry_after(response.headers.get("retry-after"), now=_utcnow())
            if wait is None:
                wait = self._backoff(attempt)
            wait = min(wait, self.settings.max_retry_after_seconds)
            return None, _Failure(f"HTTP {status}", _retry_hint(status), wait, status)
        if status >= 300 and status != 304 and status not in REDIRECT_STATUSES:
            hint = _client_error_hint(status)
            raise FetchError(f"HTTP {status} {_reason(status)}; {hint}", url=url, status=status)
        return response, None

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_seconds * 2 ** (attempt - 1)
        return min(base * (1 + random.uniform(0, JITTER)), self.settings.max_retry_after_seconds)

    # ----------------------------------------------------------------------- pacing

    def _origin(self, url: str) -> _Origin:
        key = _origin_key(url)
        with self._lock:
            return self._origins.setdefault(key, _Origin())

    def _paced_get(self, url: str, headers: dict[str, str], *, robots: bool = False) -> _Response:
        origin = self._origin(url)
        with origin.lock:
            if origin.last_end is not None:
                delay = max(self.settings.delay_seconds, origin.crawl_delay)
                wait = origin.last_end + delay - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                return self._send(url, headers, robots=robots)
            finally:
                origin.last_end = self._clock()

    def _send(self, url: str, headers: dict[str, str], *, robots: bool) -> _Response:
        if not robots:
            with self._lock:
                self.requests_made += 1
        started, status = time.perf_counter(), "error"
        cap = ROBOTS_MAX_BYTES if robots else self.settings.max_bytes
        try:
            with netguard.deadline(self.settings.deadline_seconds):
                response = self._exchange(url, headers, cap)
            status = str(response.status)
            return response
        except (httpx.InvalidURL, httpx.DecodingError) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", url=url) from exc
        except netguard.AddressRefused as exc:
            raise UnsafeTarget(str(exc), url=url) from None
        except netguard.HostUnresolved as exc:
            raise FetchError(f"{exc}; check the host name in the URL (not retried)", url=url) from None
        except httpx.RemoteProtocolError as exc:
            if "location header" not in str(exc).lower():
                raise  # a dropped or garbled connection: retried
            message = f"the page redirects to a malformed URL ({exc}); the site's redirect is broken"
            raise FetchError(message, url=url) from exc
        finally:
            seconds = time.perf_counter() - started
            log.debug("fetch url=%s status=%s ms=%.0f robots=%s", url, status, seconds * 1000, robots)
            if self._on_request is not None:
                self._on_request(url, status, seconds)

    def _exchange(self, url: str, headers: dict[str, str], cap: int) -> _Response:
        """One request within the thread's deadline; the body read raw and decoded with bounds."""
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                body = _read_capped(response, cap, url) if 200 <= status < 300 else b""
                return _Response(str(response.url), status, response.headers, body)
        except httpx.TimeoutException:
            if netguard.deadline_passed():
                limit = self.settings.deadline_seconds
                raise FetchError(f"the site took longer than fetch.deadline_seconds = {limit:g} s to answer "
                                 "(a very slow or hostile site; not retried, the next run tries again)",
                                 url=url) from None
            raise

    # ----------------------------------------------------------------------- robots.txt

    def _check_robots(self, url: str) -> None:
        if not self.settings.obey_robots:
            return
        rules = self._robots(url)
        if rules is not None and not rules.can_fetch(url, self.settings.user_agent):
            raise RobotsDisallowed(
                f"robots.txt of {_origin_key(url)} disallows this URL for our User-Agent; "
                "choose a listing URL the site allows, or remove the source",
                url=url,
            )

    def _robots(self, url: str) -> Protego | None:
        origin = self._origin(url)
        with origin.robots_lock:
            if self._clock() >= origin.robots_expires:
                rules, ttl = self._load_robots(_origin_key(url) + "/robots.txt")
                delay = rules.crawl_delay(self.settings.user_agent) if rules is not None else None
                origin.crawl_delay = min(float(delay or 0.0), self.settings.max_retry_after_seconds)
                origin.robots, origin.robots_expires = rules, self._clock() + ttl
            return origin.robots

    def _load_robots(self, robots_url: str) -> tuple[Protego | None, float]:
        """The parsed rules (None: allow all) and how long to keep them."""
        try:
            response = self._robots_response(robots_url)
        except (httpx.TransportError, FetchError) as exc:
            log.warning("robots unavailable url=%s error=%s: allowing for now", robots_url, exc)
            return None, ROBOTS_RETRY_SECONDS
        if 200 <= response.status < 300:
            text = response.content.decode("utf-8-sig", "replace")  # -sig: a BOM would hide the first group
            return Protego.parse(text), ROBOTS_TTL_SECONDS
        if 400 <= response.status < 500:
            return None, ROBOTS_TTL_SECONDS  # no robots.txt: everything is allowed
        log.warning("robots unavailable url=%s status=%s: allowing for now",
                    robots_url, response.status)
        return None, ROBOTS_RETRY_SECONDS

    def _robots_response(self, robots_url: str) -> _Response:
        """robots.txt, following redirects within the same site only (an off-site one: not found)."""
        own, current = Site(robots_url), robots_url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._paced_get(current, {}, robots=True)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            target = urljoin(response.url, location.strip())
            if not own.allows(target):
                return _Response(target, 404, httpx.Headers())
            current = target
        return _Response(current, 404, httpx.Headers())


# --------------------------------------------------------------------------- helpers (pure)


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hostname(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _origin_key(url: str) -> str:
    """scheme://host[:port], the host lower-cased without a trailing dot ("127.0.0.1." is 127.0.0.1)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    host = f"[{host}]" if ":" in host else host
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme.lower()}://{host}{port}"


def _require_http(url: str, start_url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(f"not a valid URL ({exc})", url=start_url) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        what = "only http:// and https:// URLs with a host can be fetched"
        where = "" if url == start_url else f" (a redirect led to {url})"
        raise FetchError(what + where, url=start_url)


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if validators is not None and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators is not None and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _redirect_target(start_url: str, response: _Response, own: Site) -> str:
    location = response.headers.get("location")
    if not location:
        raise FetchError(f"HTTP {response.status} redirect without a Location header",
                         url=start_url, status=response.status)
    try:
        target = urljoin(response.url, location.strip())
    except ValueError as exc:
        raise FetchError(f"the page redirects to a malformed URL ({exc})", url=start_url,
                         status=response.status) from None
    _require_http(target, start_url)
    if "@" in urlsplit(target).netloc:
        raise UnsafeTarget(f"redirected to a URL with a user name or password ({_hostname(target)}); "
                           "never followed", url=start_url, status=response.status)
    if not own.allows(target):
        host = _hostname(target)
        raise UnsafeTarget(
            f"redirected from '{_host_port(start_url)}' to '{_host_port(target)}' ({target}), which is "
            f"not this source's site; if it is the same site on another host, add it to the source's "
            f'allowed_hosts in config/sources.toml: allowed_hosts = ["{host}"]',
            url=start_url,
            status=response.status,
        )
    return target


def _off_site(url: str, site: str) -> str:
    return (f"'{_host_port(url)}' is not the site of this source ('{_host_port(site)}', its allowed_hosts, "
            "over http(s) without user:password@); not fetched")


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1].lower()


def _guarded_transport(settings: FetchSettings) -> httpx.BaseTransport:
    """httpx's transport with :class:`feeds.fetch.netguard.GuardedBackend` as its network backend."""
    import httpcore

    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(  # httpx has no public hook for the network backend
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=netguard.GuardedBackend(netguard.parse_networks(settings.allow_private)),
    )
    return transport


def _read_capped(response: httpx.Response, cap: int, url: str) -> bytes:
    """The decoded body; every Content-Encoding layer is capped at ``cap`` bytes as it streams."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_big(url, cap, response.status_code)
    chunks = []
    try:
        for chunk in decoding.decode_stream(response.iter_raw(), response.headers.get("content-encoding"), cap):
            chunks.append(chunk)
    except decoding.TooLarge:
        raise _too_big(url, cap, response.status_code) from None
    except decoding.DecodeError as exc:
        raise FetchError(f"the body cannot be decoded: {exc}", url=url, status=response.status_code) from None
    return b"".join(chunks)


def _too_big(url: str, cap: int, status: int) -> FetchError:
    return FetchError(
        f"the response is larger than the {cap:,}-byte limit (fetch.max_bytes); raise "
        "fetch.max_bytes in config/settings.toml (or FEEDBOT_FETCH_MAX_BYTES) if the page "
        "really is that large",
        url=url,
        status=status,
    )


def _page(url: str, response: _Response, validators: Validators | None) -> Page:
    old = validators if validators is not None and response.status == 304 else Validators()
    etag = response.headers.get("etag") or old.etag
    modified = response.headers.get("last-modified") or old.last_modified
    return Page(
        url=url,
        final_url=response.url,
        status=response.status,
        content=response.content,
        content_type=None if response.status == 304 else response.headers.get("content-type"),
        etag=etag,
        last_modified=modified,
        not_modified=response.status == 304,
    )


def _reason(status: int) -> str:
    try:
        return httpx.codes(status).phrase
    except ValueError:
        return ""


def _client_error_hint(status: int) -> str:
    if status in (404, 410):
        return "the page is gone; check the URL (or the source's url in config/sources.toml)"
    if status in (401, 403):
        return "the site refuses us; check the URL, or ask the site to allow our User-Agent"
    return "not retried; check the URL"


def _retry_hint(status: int) -> str:
    if status == 429:
        return "the site asks us to slow down; raise fetch.delay_seconds"
    return "the site has a server error; the next run tries again"

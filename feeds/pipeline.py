"""The orchestrator: one source run, readable top to bottom.

    load health -> fetch listing (conditional) -> scrape links -> fetch unseen articles
    -> scrape + extract -> store -> record health

The CLI and the scheduler both call :func:`refresh_source`. A source that fails returns a
:class:`RefreshResult` with ``error`` or ``broken_reason`` set; it never raises for a site
problem, so one failing source never stops the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from feeds import dating, extract, scrape, text
from feeds.errors import FetchError, RobotsDisallowed, ScrapeError, StoreError, UnsafeTarget
from feeds.fetch import Fetcher
from feeds.models import (
    DEFAULT_TIMEZONE,
    Article,
    Listing,
    ListingItem,
    Page,
    RefreshResult,
    Source,
    StoredArticle,
    UpsertResult,
    Validators,
)
from feeds.store import Store, Transaction

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (source id, articles done, articles to fetch)


@dataclass
class _Run:
    """Mutable tallies of one run; frozen into a RefreshResult at the end."""

    source: Source
    pages: int = 0
    not_modified: int = 0
    failed: int = 0
    failed_for_good: int = 0  # failures a retry cannot mend (gone, refused, redirected off-site)
    article_fetches: int = 0
    scrape_errors: list[str] = field(default_factory=list)
    scraped: int = 0  # articles scraped (each stored at once: a killed run keeps what it did)
    new: list[StoredArticle] = field(default_factory=list)
    changed: list[StoredArticle] = field(default_factory=list)
    first_page: tuple[str, Validators] | None = None  # remembered once the run succeeded
    first_page_digest: str | None = None  # its items' digest, when the site sends no validators
    first_page_urls: set[str] = field(default_factory=set)  # known ones are re-checked for edits
    walk_all: bool = False  # follow every listing page (the last run failed): what it missed is read now
    listing_error: str | None = None  # a later listing page failed: the run is not a success
    validators: dict[str, Validators] = field(default_factory=dict)  # the first listing page's, saved at the end
    seed: bool = False  # the source has nothing stored yet: everything found is the backlog (no alerts)
    deep_is_backlog: bool = False  # no complete run yet: what later listing pages hold is the backlog
    deep_urls: set[str] = field(default_factory=set)  # items found on listing pages after the first
    backlog: set[str] = field(default_factory=set)  # article URLs stored without alerts


def refresh_source(
    source: Source,
    *,
    store: Store,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> RefreshResult:
    """Scrape one source once and store what is new or changed."""
    now = now or dt.datetime.now(source.tz)
    health = store.source_health(source.id)
    # Backlog (stored, nobody alerted): everything until a first run has ended (a first run killed
    # half-way is still the first), and, until one run has read every listing page, what the later
    # pages hold. A new article on the first page alerts as soon as one run that stored the first
    # page has ended, whatever happens to page 2 (issue 13).
    seed = health.last_success is None and (health.article_count == 0 or health.last_run is None)
    run = _Run(source, walk_all=health.consecutive_failures > 0, seed=seed,
               deep_is_backlog=health.last_success is None)
    requests_before = fetcher.requests_made
    try:
        items = _read_listings(run, store, fetcher)
        if items is None:  # first page not modified: nothing to do
            return _finish(run, store, fetcher, requests_before, now)
        if not items:
            reason = f"listing selector '{source.listing.item}' matched nothing on {source.url}"
            return _finish(run, store, fetcher, requests_before, now, broken=reason)
        _read_articles(run, _to_fetch(items, run.first_page_urls, store), store, fetcher, now, progress)
    except FetchError as exc:
        return _finish(run, store, fetcher, requests_before, now, error=str(exc))
    broken = None
    if run.scrape_errors and not run.scraped and run.failed == len(run.scrape_errors):
        broken = f"no article could be scraped ({run.scrape_errors[0]})"
    return _finish(run, store, fetcher, requests_before, now, broken=broken, error=run.listing_error)


def refresh_sources(
    sources: Iterable[Source],
    *,
    store: Store,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
    include_paused: bool = False,
) -> list[RefreshResult]:
    """Refresh every enabled source in turn; a source that blows up is reported, not raised."""
    results = []
    for source in sources:
        if not source.enabled:
            continue
        if not include_paused and store.source_health(source.id).paused:
            log.info("source paused, skipped source=%s", source.id)
            continue
        try:
            results.append(refresh_source(source, store=store, fetcher=fetcher, now=now, progress=progress))
        except StoreError as exc:  # a full disk, a locked or broken database: one clear line, no traceback
            log.error("source run failed, the database could not be written source=%s: %s", source.id, exc)
            result = RefreshResult(source.id, error=str(exc))
            with contextlib.suppress(StoreError):
                store.record_run(source.id, result, now=now or dt.datetime.now(source.tz))
            results.append(result)
        except Exception as exc:  # a bug must not stop the other sources
            log.exception("source run crashed source=%s", source.id)
            result = RefreshResult(source.id, error=f"internal error: {exc!r}")
            store.record_run(source.id, result, now=now or dt.datetime.now(source.tz))
            results.append(result)
    return results


# --------------------------------------------------------------------------- listing


def _read_listings(run: _Run, store: Store, fetcher: Fetcher) -> list[ListingItem] | None:
    """Follow listing pages; None when the first page was not modified."""
    source = run.source
    url: str | None = source.url
    items: list[ListingItem] = []
    seen: set[str] = set()
    for page_no in range(source.max_pages):
        if url is None or url in seen:
            break
        seen.add(url)
        page = _fetch_listing_page(run, store, fetcher, url, page_no)
        if page is None:
            break
        if page.not_modified:
            run.not_modified += 1
            return None if page_no == 0 else items
        listing = _parse_listing(page, source)
        if page_no == 0:
            if not (page.etag or page.last_modified):  # no conditional GET possible: compare items
                run.first_page_digest = _items_digest(listing.items)
                if listing.items and store.get_listing_digest(url) == run.first_page_digest:
                    run.not_modified += 1
                    return None
            run.first_page = (url, Validators(page.etag, page.last_modified))
            run.first_page_urls = {i.url for i in listing.items}
        have = {x.url for x in items}
        fresh = [i for i in listing.items if i.url not in have]
        items.extend(fresh)
        if page_no > 0:
            run.deep_urls.update(i.url for i in fresh)
        if fresh and (run.walk_all or not store.known_urls(i.url for i in fresh) >= {i.url for i in fresh}):
            url = listing.next_page
        else:
            break  # this page holds only known articles: older pages will too
    return items


def _items_digest(items: Sequence[ListingItem]) -> str:
    """What a listing page says about its articles (links, titles, dates), as one hash."""
    data = json.dumps([[i.url, i.title, i.date_text] for i in items], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _fetch_listing_page(run: _Run, store: Store, fetcher: Fetcher, url: str, page_no: int) -> Page | None:
    """The first page is fetched conditionally and its failure fails the run; a later page's
    failure only ends pagination (what was found so far is still processed)."""
    source = run.source
    validators = store.get_validators(url) if page_no == 0 else None
    try:
        page = fetcher.fetch(url, validators=validators, allowed_hosts=source.allowed_hosts, site=source.url)
    except FetchError as exc:
        if page_no == 0:
            raise
        run.listing_error = f"listing page {page_no + 1} failed, its articles were not read: {exc}"
        log.warning("listing page failed, pagination stopped source=%s url=%s error=%s", source.id, url, exc)
        return None
    run.pages += 1
    return page


def _parse_listing(page: Page, source: Source) -> Listing:
    html = text.decode_html(page.content, page.content_type)
    return scrape.parse_listing(html, page.final_url, source.listing, allowed_hosts=source.allowed_hosts)


def _to_fetch(items: Sequence[ListingItem], first_page: set[str], store: Store) -> list[tuple[ListingItem, bool]]:
    """(item, known) pairs to fetch, oldest first: unseen articles, plus the known articles of a
    changed first page, re-checked (conditionally) so that edits are noticed."""
    known = store.known_urls(i.url for i in items)
    picked = [(i, i.url in known) for i in items if i.url not in known or i.url in first_page]
    return list(reversed(picked))


# --------------------------------------------------------------------------- articles


def _read_articles(
    run: _Run,
    todo: Sequence[tuple[ListingItem, bool]],
    store: Store,
    fetcher: Fetcher,
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    source = run.source
    rechecks = {item.url for item, known in todo if known}
    for done, (item, known) in enumerate(todo, start=1):
        if progress:
            progress(source.id, done, len(todo))
        validators = store.get_validators(item.url) if known else None
        try:
            page = fetcher.fetch(item.url, validators=validators, allowed_hosts=source.allowed_hosts,
                                 site=source.url)
        except FetchError as exc:
            run.failed += 1
            run.failed_for_good += _permanent(exc)
            log.warning("article fetch failed source=%s url=%s error=%s", source.id, item.url, exc)
            continue
        run.article_fetches += 1
        if page.not_modified:
            continue
        article = _scrape_article(run, page, item, now)
        if article is not None:
            _keep(run, store, article, item, page, now, recheck=item.url in rechecks)


def _keep(run: _Run, store: Store, article: Article, item: ListingItem, page: Page, now: dt.datetime, *,
          recheck: bool) -> None:
    """Store one scraped article at once (the backlog silently), with its alias and validators, in
    one transaction: a run killed half-way keeps every article it finished, whole."""
    silent = run.seed or (run.deep_is_backlog and item.url in run.deep_urls)
    validators = Validators(page.etag, page.last_modified) if recheck or page.etag or page.last_modified else None

    def write(tx: Transaction) -> UpsertResult:
        upsert = store.upsert_articles(run.source.id, [article], now=now, seed=silent, tx=tx)
        if article.url != item.url:
            store.add_aliases({item.url: article.url}, tx=tx)
        if validators is not None:
            store.set_validators(item.url, validators, tx=tx)
        return upsert

    upsert = store.in_transaction(write, action=f"store the article {article.url} of {run.source.id}")
    run.scraped += 1
    run.new += upsert.new
    run.changed += upsert.changed
    if silent:
        run.backlog.add(article.url)


def _permanent(exc: FetchError) -> bool:
    """Whether fetching again would fail the same way: robots.txt, a 4xx other than 429, a
    redirect we refuse, a page over the size limit (it came with a 2xx status). Timeouts,
    connection errors, 429 and 5xx are worth another try."""
    status = exc.status
    if isinstance(exc, (RobotsDisallowed, UnsafeTarget)):
        return True
    return status is not None and status < 500 and status != 429


def _scrape_article(run: _Run, page: Page, item: ListingItem, now: dt.datetime) -> Article | None:
    source = run.source
    html = text.decode_html(page.content, page.content_type)
    try:
        article = scrape.parse_article(html, page.final_url, source, now=now)
    except ScrapeError as exc:
        run.failed += 1
        run.scrape_errors.append(str(exc))
        log.warning("article scrape failed source=%s url=%s error=%s", source.id, item.url, exc)
        return None
    return with_extraction(dating.dated(article, listed=item.date_text, tz=source.tz, now=now))


def with_extraction(article: Article) -> Article:
    """The article with its events, recommendations and summary filled in."""
    try:
        facts = extract.extract(
            article.body_text,
            language=article.language,
            published=article.published,
            title=article.title,
            url=article.url,
            published_from=article.published_from,
        )
    except Exception:  # the extractor is pure and total; a bug there must not lose the article
        log.exception("extraction failed article=%s", article.url)
        return article
    return dataclasses.replace(article, extraction=facts)


def reextract_all(store: Store, timezones: Mapping[str, dt.tzinfo] | None = None) -> int:
    """Re-run extraction over every stored article (after the extractor improved); an article dated
    only by when it was first seen is dated by its URL when that files it under a month or day.
    ``timezones`` maps a source id to its time zone (default Asia/Ho_Chi_Minh). Returns how many
    articles changed."""
    count = 0
    for stored in store.articles(limit=None):
        tz = (timezones or {}).get(stored.article.source_id) or ZoneInfo(DEFAULT_TIMEZONE)
        article = dating.redated_from_url(stored.article, tz)
        if article != stored.article:
            store.replace_dating(stored.id, article)
        facts = with_extraction(article).extraction
        if facts != stored.article.extraction:
            store.replace_extraction(stored.id, facts)
        count += article != stored.article or facts != stored.article.extraction
    return count


# --------------------------------------------------------------------------- finish


def _finish(
    run: _Run,
    store: Store,
    fetcher: Fetcher,
    requests_before: int,
    now: dt.datetime,
    *,
    broken: str | None = None,
    error: str | None = None,
) -> RefreshResult:
    source = run.source
    new, changed = tuple(run.new), tuple(run.changed)
    ok = broken is None and error is None
    if ok and run.failed == run.failed_for_good and run.first_page is not None:
        # Remembered only once every article of the page is stored: a 304 next time must not
        # hide an article that failed this time (unless it fails for good: gone, off-site...).
        run.validators[run.first_page[0]] = run.first_page[1]
        if run.first_page_digest is not None:
            store.set_listing_digest(run.first_page[0], run.first_page_digest)
    if run.validators:
        store.set_many_validators(run.validators)
    result = RefreshResult(
        source_id=source.id,
        pages_fetched=run.pages,
        not_modified=run.not_modified,
        new=new,
        changed=changed,
        failed=run.failed,
        requests=fetcher.requests_made - requests_before,
        article_fetches=run.article_fetches,
        seeded=bool(run.backlog & {a.article.url for a in new}) or (run.seed and ok),
        backlog=sum(a.article.url in run.backlog for a in new),
        broken_reason=broken,
        error=error,
    )
    store.record_run(source.id, result, now=now)
    log.info(
        "source run source=%s pages=%d not_modified=%d new=%d backlog=%d changed=%d failed=%d broken=%d "
        "requests=%d%s",
        source.id, result.pages_fetched, result.not_modified, len(result.new), result.backlog,
        len(result.changed), result.failed, int(broken is not None), result.requests,
        f" error={error or broken}" if not ok else "",
    )
    if result.backlog:
        log.info("backlog stored without alerts source=%s articles=%d reason=%s", source.id, result.backlog,
                 "first run" if run.seed else "listing pages after the first, read for the first time")
    return result

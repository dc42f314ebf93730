"""Frozen values passed between the pipeline's stages.

Nothing here does I/O. Datetimes are always timezone-aware; dates (``datetime.date``)
are calendar days in the source's timezone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class Language(StrEnum):
    VI = "vi"
    EN = "en"


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class ListingSelectors:
    """CSS selectors applied to a listing page."""

    item: str
    link: str = "a"
    title: str | None = None
    date: str | None = None
    next_page: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleSelectors:
    """CSS selectors applied to an article page; each falls back to page metadata."""

    title: str | None = None
    date: str | None = None
    body: str | None = None
    author: str | None = None
    category: str | None = None
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """One configured news site (a ``[[sources]]`` table of ``config/sources.toml``)."""

    id: str
    name: str
    url: str
    listing: ListingSelectors
    article: ArticleSelectors = field(default_factory=ArticleSelectors)
    language: Language = Language.VI
    timezone: str = DEFAULT_TIMEZONE
    interval_minutes: int = 30
    max_pages: int = 3
    enabled: bool = True
    allowed_hosts: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How politely to fetch; built by ``bot.service.settings`` from the settings file."""

    user_agent: str = "vncpc-feedbot/0.1 (+https://github.com/vncpc-feedbot/vncpc-feedbot)"
    delay_seconds: float = 1.0
    timeout_seconds: float = 20.0
    connect_timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 1.0
    max_retry_after_seconds: float = 120.0
    max_bytes: int = 5_000_000
    obey_robots: bool = True
    deadline_seconds: float = 60.0  # the longest one HTTP request may take, connect to last byte
    allow_private: tuple[str, ...] = ()  # addresses/networks (CIDR) that may be fetched although not public


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page: raw bytes plus what the HTTP layer knew. Never parsed here."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes
    content_type: str | None = None  # the Content-Type header as sent
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 to a conditional GET: content is empty


@dataclass(frozen=True, slots=True)
class Validators:
    """Conditional-GET validators remembered for a URL."""

    etag: str | None = None
    last_modified: str | None = None


# --------------------------------------------------------------------------- scraping


@dataclass(frozen=True, slots=True)
class ListingItem:
    url: str  # absolute, canonicalised
    title: str | None = None
    date_text: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    url: str
    items: tuple[ListingItem, ...]
    next_page: str | None = None


class EventKind(StrEnum):
    CONFERENCE = "conference"
    WORKSHOP = "workshop"
    TRAINING = "training"
    FORUM = "forum"
    CEREMONY = "ceremony"
    MEETING = "meeting"
    EXHIBITION = "exhibition"
    SURVEY = "survey"  # survey / field visit
    LAUNCH = "launch"
    OTHER = "other"


class EventStatus(StrEnum):
    PAST = "past"
    UPCOMING = "upcoming"


class DateSource(StrEnum):
    """Where an article's ``published`` came from (decides how far a year read from it is trusted)."""

    PAGE = "page"  # the article page's own stamp or metadata
    LISTING = "listing"  # the date printed next to its link on a listing page
    URL = "url"  # the date its URL is filed under ("/2018/05/": the 1st of that month)
    FIRST_SEEN = "first_seen"  # nothing dated the page: when the scraper first saw it


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Event:
    """One event an article reports or announces.

    ``evidence`` maps a field name ("name", "date", "location", "organizers",
    "participants") to the sentence it was read from.
    """

    name: str
    kind: EventKind = EventKind.OTHER
    start: dt.date | None = None
    end: dt.date | None = None
    precision: DatePrecision = DatePrecision.DAY
    year_inferred: bool = False  # the date was written without its year
    year_guessed: bool = False  # ... and nothing in or about the page fixed it: the year is a guess (first seen)
    time_of_day: dt.time | None = None
    location: str | None = None
    province: str | None = None
    organizers: tuple[str, ...] = ()
    participants: int | None = None
    status: EventStatus = EventStatus.PAST
    evidence: tuple[tuple[str, str], ...] = ()
    day_part: str | None = None  # "morning", "noon", "afternoon", "evening" ("sáng 17/8") when no clock time


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A top-level item of a recommendation list, with its sub-items."""

    index: int  # 1-based position in the list
    text: str
    sub_items: tuple[str, ...] = ()
    label: str = ""  # as written: "1.", "a)", "Một là", "•"


@dataclass(frozen=True, slots=True)
class Extraction:
    """What ``feeds.extract`` reads from an article's text."""

    events: tuple[Event, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """An article as scraped from its page (and, once extracted, its facts)."""

    url: str  # canonical URL: the article's identity
    source_id: str
    title: str
    published: dt.datetime  # aware
    body_html: str  # sanitised HTML, URLs absolute
    body_text: str  # plain text, NFC, paragraphs separated by blank lines
    language: Language = Language.VI
    date_is_guess: bool = False  # True when no date was found: ``published`` is first-seen time
    modified: dt.datetime | None = None  # as declared by the page, if any
    author: str | None = None
    categories: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    extraction: Extraction = field(default_factory=Extraction)
    published_from: DateSource = DateSource.PAGE  # FIRST_SEEN exactly when ``date_is_guess``

    def __post_init__(self) -> None:
        if self.date_is_guess != (self.published_from is DateSource.FIRST_SEEN):  # either one says it: both do
            guess = self.date_is_guess or self.published_from is DateSource.FIRST_SEEN
            object.__setattr__(self, "date_is_guess", guess)
            object.__setattr__(self, "published_from", DateSource.FIRST_SEEN if guess else self.published_from)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as the store holds it."""

    id: int
    article: Article
    first_seen: dt.datetime
    updated: dt.datetime  # last time its content changed (first_seen if never)
    content_hash: str


@dataclass(frozen=True, slots=True)
class UpsertResult:
    new: tuple[StoredArticle, ...] = ()
    changed: tuple[StoredArticle, ...] = ()
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class SourceHealth:
    source_id: str
    last_run: dt.datetime | None = None
    last_success: dt.datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    broken_reason: str | None = None
    broken_since: dt.datetime | None = None
    paused: bool = False
    article_count: int = 0
    last_counts: tuple[tuple[str, int], ...] = ()  # the last run's counts, e.g. (("new", 2), ...)

    @property
    def broken(self) -> bool:
        return self.broken_reason is not None


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """One source's scrape run: counts for the operator, new/changed articles for fan-out."""

    source_id: str
    pages_fetched: int = 0
    not_modified: int = 0
    new: tuple[StoredArticle, ...] = ()
    changed: tuple[StoredArticle, ...] = ()
    failed: int = 0  # article pages that could not be fetched or parsed
    requests: int = 0  # HTTP requests made (robots.txt excluded)
    article_fetches: int = 0
    seeded: bool = False  # the backlog was stored (first run): silently, nobody alerted
    backlog: int = 0  # how many of ``new`` are backlog, stored without alerts
    broken_reason: str | None = None
    error: str | None = None  # the source failed as a whole (dead site, bad robots...)

    @property
    def ok(self) -> bool:
        return self.error is None and self.broken_reason is None

    def counts(self) -> dict[str, int]:
        return {
            "pages": self.pages_fetched,
            "not_modified": self.not_modified,
            "new": len(self.new),
            "changed": len(self.changed),
            "failed": self.failed,
            "broken": int(self.broken_reason is not None),
        }

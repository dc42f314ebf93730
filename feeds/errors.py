"""One exception hierarchy for the whole project (``bot.delivery.errors.DeliveryError`` extends it).

Every message says what to fix: the file, the source id, the key or the URL.
Normal outcomes (a 304 "not modified", an empty page of old news) are never exceptions.
"""

from __future__ import annotations


class FeedbotError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(FeedbotError):
    """A configuration file or environment variable is invalid.

    ``where`` names the file (and source id / key) so an admin can fix it.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class FetchError(FeedbotError):
    """A page could not be fetched (after retries)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"fetch {url}: {message}")


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching this URL for our User-Agent."""


class UnsafeTarget(FetchError):
    """A URL we must not fetch: another site or port, ``user:password@``, or a host that resolves
    to a private, loopback or link-local address the admin did not allow."""


class ScrapeError(FeedbotError):
    """A page did not have the shape the source's selectors expect (a layout change)."""

    def __init__(self, message: str, *, url: str | None = None, source: str | None = None) -> None:
        self.url = url
        self.source = source
        prefix = " ".join(p for p in (f"source {source}" if source else "", url or "") if p)
        super().__init__(f"scrape {prefix}: {message}" if prefix else f"scrape: {message}")


class StoreError(FeedbotError):
    """The database could not be opened, read, migrated or written (locked, unreachable, damaged).

    Worded "store: unable to <action> (<cause>: <database URL without password>) — <what to check>".
    """


class PublishError(FeedbotError):
    """Feeds could not be written to the public folder."""

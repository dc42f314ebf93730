"""Polite HTTP: robots.txt, per-host pacing, retries, conditional GET, size cap (bytes in, nothing parsed)."""

from feeds.fetch.fetcher import Fetcher, parse_retry_after

__all__ = ["Fetcher", "parse_retry_after"]

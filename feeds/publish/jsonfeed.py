"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from the same per-entry data as Atom and RSS.

Pure and deterministic, like the other ``build_*`` functions: the same entries give the same bytes.
Item ids are the articles' canonical URLs, as the Atom ids; dates are RFC 3339 in the feed's
timezone; ``content_html`` is the Atom content, ``summary`` the plain-text summary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeds.models import StoredArticle
from feeds.publish.entries import Entry, clean_xml_text
from feeds.publish.feed import FeedMeta, feed_entries

VERSION = "https://jsonfeed.org/version/1.1"
CONTENT_TYPE = "application/feed+json"


def build_json_feed(entries: Sequence[StoredArticle], meta: FeedMeta, *,
                    rendered: Sequence[Entry] | None = None) -> bytes:
    """A JSON Feed 1.1 document, newest item first; ``meta.self_url`` is its ``feed_url``.
    ``rendered``: :func:`feeds.publish.feed.feed_entries`, when already made for the Atom/RSS feeds."""
    rendered = feed_entries(entries, meta) if rendered is None else rendered
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": clean_xml_text(meta.title),
        "home_page_url": meta.site_url,
        "feed_url": meta.self_url,
        "description": clean_xml_text(meta.subtitle or meta.title),
        "language": meta.language,
        "authors": [{"name": clean_xml_text(meta.author or meta.title)}],
        "items": [_item(entry, meta.language) for entry in rendered],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(entry: Entry, feed_language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.id,
        "title": entry.title,
        "content_html": entry.content_html,
    }
    if entry.published is not None:
        item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image:
        item["image"] = entry.image
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = [label or term for term, label in entry.categories]
    if entry.language != feed_language:
        item["language"] = entry.language
    return item

"""Extraction orchestrator: article text → events, recommendations and a summary.

Pure and regex-based (no NLP model). Reads top to bottom: normalise, split into sentences,
detect events, find recommendation lists, summarise. Each stage is guarded so that one
stage's bug costs only that stage's output: :func:`extract` never raises.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from zoneinfo import ZoneInfo

from feeds.extract.events import detect_events
from feeds.extract.recommend import find_recommendations
from feeds.extract.summary import summarize
from feeds.models import DEFAULT_TIMEZONE, DateSource, Extraction, Language
from feeds.text import normalize, split_sentences

log = logging.getLogger(__name__)


def extract(
    text: str,
    *,
    language: Language,
    published: dt.datetime,
    title: str = "",
    url: str = "",
    published_from: DateSource = DateSource.PAGE,
) -> Extraction:
    """Events, recommendations and a summary from an article's plain text. Never raises.

    ``published`` decides whether an event is past or upcoming and, when the page printed it
    (``published_from`` PAGE), the year of dates written without one; a naive datetime is taken
    as Vietnam time. A page without its own date takes such a year from the article's words, then
    from its ``url`` ("/2018/05/"), then from the listing's date; a year taken from when the page
    was first seen is marked as a guess (``Event.year_guessed``).
    """
    body = _without_related_links(_normalized(text))
    title = _normalized(title)
    local = _local(published)
    source = published_from if isinstance(published_from, DateSource) else DateSource.PAGE
    sentences = _guard("sentences", lambda: split_sentences(body), [])
    events = _guard(
        "events",
        lambda: detect_events(sentences, title=title, published=local, published_from=source, url=url or ""),
        [],
    )
    recommendations = _guard("recommendations", lambda: find_recommendations(body, title), [])
    summary = _guard("summary", lambda: summarize(body, title=title), "")
    log.debug("extracted %d events, %d recommendations (%s)", len(events), len(recommendations), language)
    return Extraction(tuple(events), tuple(recommendations), summary)


# What feeds.text.normalize would change: line breaks and control characters, and "oa/oe/uy" with
# the tone on the second vowel closing a syllable ("hoà" → "hòa", not "hoàn"). Text without any (and already NFC) is left as is.
_NEEDS_NORMALIZE = re.compile(
    "[\r\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b\ufeff\u2028\u2029\ud800-\udfff]"
    "|[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ](?!\\w)"
)


def _normalized(text: object) -> str:
    """``normalize(text)``, skipped when it would change nothing (body text usually arrives normalised)."""
    if not isinstance(text, str):
        return ""
    if unicodedata.is_normalized("NFC", text) and not _NEEDS_NORMALIZE.search(text):
        return text
    return normalize(text)


# "Tin liên quan:" / "Related news" on a line of its own, or "Xem thêm: <another article's title>": links to
# other articles, whose titles and dates are not this article's events or advice
_RELATED = re.compile(
    r"\W*(?:tin liên quan|bài viết liên quan|tin bài liên quan|tin cùng chuyên mục|các tin khác|tin khác|xem thêm|đọc thêm"
    r"|related(?: news| articles| posts| stories)?|read more|see also|more news|other news)\b\s*(?::\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
_LINK_LINE_WORDS = 25  # a related article's title is shorter; the article's prose goes on after a longer line


def _without_related_links(body: str) -> str:
    """The body without "Tin liên quan" blocks (the label, then short title lines up to the next prose)."""
    if not any(word in body for word in ("liên quan", "chuyên mục", "tin khác", "thêm", "elated", "ead more", "ee also",
                                         "ore news", "ther news", "LIÊN QUAN", "THÊM", "RELATED")):
        return body
    kept, skipping = [], False
    for line in body.split("\n"):
        found = _RELATED.match(line) if len(line) < 300 else None
        if found:
            skipping = not found["rest"]  # "Xem thêm: <title>" is one line; a bare label opens a block
            continue
        if skipping and len(line.split()) > _LINK_LINE_WORDS:
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def _local(published: dt.datetime) -> dt.datetime:
    tz = ZoneInfo(DEFAULT_TIMEZONE)
    if isinstance(published, dt.date) and not isinstance(published, dt.datetime):
        return dt.datetime.combine(published, dt.time(), tz)
    if not isinstance(published, dt.datetime):
        log.warning("extract called without a publication datetime (%r); using now", published)
        return dt.datetime.now(tz)
    return published.replace(tzinfo=tz) if published.tzinfo is None else published.astimezone(tz)


def _guard(stage, run, fallback):
    try:
        return run()
    except Exception:  # a bug in one rule must never take an article (or the pipeline) down
        log.exception("extraction stage %s failed; returning no %s", stage, stage)
        return fallback
